// Service load balancing executed by the emulated datapath: socket-LB, per-packet DNAT from pods
// (and the loopback case), NodePort/LoadBalancer from outside with SNAT, DSR over Geneve and with
// the IPv4 option, session affinity, an established connection keeping its backend, and the
// no-backend answers (refused, dropped, EHOSTUNREACH). The LB maps are written here directly, as
// the agent would write them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWhoami } from '../../apps/whoami.ts';
import { Rng } from '../../controller/rng.ts';
import {
  LB_ALG_MAGLEV,
  LBMaps,
  type LBDatapathConfig,
  PROTO_TCP,
  SCOPE_EXTERNAL,
  SVC_FLAG_FWD_MODE_DSR,
  SVC_FLAG_LOADBALANCER,
  SVC_FLAG_ROUTABLE,
  SVC_FLAG_SESSION_AFFINITY,
} from '../../datapath/maps/lb.ts';
import { CT_DSR_INTERNAL, CT_LB_LOOPBACK, CT_NODE_PORT } from '../../datapath/maps/lbct.ts';
import { type Addr, parseAddr, parsePrefix } from '../addr.ts';
import { runTask } from '../drive.ts';
import type { Host } from '../host.ts';
import type { Network } from '../network.ts';
import { type TestCluster, testCluster } from '../testing.ts';
import { defaultRegistry, exec } from '../tools/index.ts';
import { datapathConfig } from './config.ts';
import { CiliumDatapath } from './datapath.ts';
import { ServiceLoadBalancer } from './lb.ts';

const registry = defaultRegistry();
const A = (s: string) => parseAddr(s)! as number;
const CLUSTER_IP = A('10.96.100.10');
const VIP = A('172.16.1.1');
const ROUTER = A('192.168.10.200');

function run(net: Network, host: Host, cmd: string) {
  return runTask(net.clock, exec(net, host, cmd, { registry }), { progress: () => net.activity });
}

/** Runs `cmd` while tcpdump listens on `where` with `filter`; returns the command's result and the capture lines. */
async function captured(net: Network, where: Host, filter: string, host: Host, cmd: string) {
  const stop = new AbortController();
  const dump = exec(net, where, `tcpdump -nn ${filter}`, { registry, signal: stop.signal });
  const r = await run(net, host, cmd);
  stop.abort();
  return { r, lines: (await dump).stdout.split('\n').filter(Boolean) };
}

interface Svc {
  addr: number;
  port: number;
  flags: number;
  revNat: number;
  backends: { addr: number; port: number }[];
  /** Master slot's backend_id: algorithm << 24 | affinity timeout. */
  master?: number;
}

/** Writes a frontend with its backends, rev-NAT entry (and a Maglev table when asked) into `maps`, as the agent does. */
function writeService(maps: LBMaps, s: Svc, maglev = false): void {
  const ids = s.backends.map((b, i) => {
    const id = s.revNat * 100 + i + 1;
    maps.upsertBackend(id, { addr: b.addr, port: b.port, proto: PROTO_TCP, state: 0, clusterId: 0, zone: 0 });
    if (s.flags & SVC_FLAG_SESSION_AFFINITY) maps.affinityMatch.add(maps.affinityMatchKey(id, s.revNat));
    return id;
  });
  maps.upsertService({ addr: s.addr, port: s.port, proto: PROTO_TCP, scope: SCOPE_EXTERNAL }, [
    { backendId: s.master ?? 0, count: ids.length, qcount: 0, revNat: s.revNat, flags: s.flags },
    ...ids.map((id) => ({ backendId: id, count: 0, qcount: 0, revNat: s.revNat, flags: s.flags })),
  ]);
  maps.revNat4.set(s.revNat, { addr: s.addr, port: s.port });
  if (maglev && ids.length > 0) maps.maglev4.set(s.revNat, Uint32Array.from({ length: 251 }, (_, i) => ids[i % ids.length]!));
}

interface LbCluster extends TestCluster {
  maps: LBMaps[];
}

/** A test cluster whose every node runs service load balancing over its own LB maps. */
function lbCluster(opts: Parameters<typeof testCluster>[0], config: Partial<LBDatapathConfig> = {}): LbCluster {
  const c = testCluster(opts);
  const maps = c.nodes.map((n) => {
    const m = new LBMaps();
    m.config = { ...m.config, ...config };
    new ServiceLoadBalancer(CiliumDatapath.of(n.host), m, new Rng(`lb:${n.name}`));
    return m;
  });
  return { ...c, maps };
}

/** Routes the router (and, in native mode, the nodes) need: the VIP via `via`, PodCIDRs via their nodes. */
function route(host: Host, dst: string, gws: Addr[]): void {
  host.addRoute(
    {
      table: 254,
      type: 'unicast',
      dst: parsePrefix(dst)!,
      protocol: 4,
      scope: 0,
      metric: 0,
      nexthops: gws.map((gw) => ({ gw, dev: host.ifaceList().find((d) => d.kind === 'ether' && d.v4Addrs().some((a) => (a.addr as number) >>> 8 === (gw as number) >>> 8))!, weight: 1 })),
    },
    'replace',
  );
}

function nativeRoutes(c: TestCluster): void {
  for (const n of c.nodes) {
    route(c.router, n.cidr, [n.ip]);
    route(n.host, '172.20.0.0/16', [A((n.ip as number) >>> 8 === A('192.168.10.0') >>> 8 ? '192.168.10.200' : '192.168.20.200')]);
  }
}

const LB_FLAGS = SVC_FLAG_LOADBALANCER | SVC_FLAG_ROUTABLE;

test('socket-LB: a pod connects to the ClusterIP, the wire only sees the backend, socknat holds the translation until close', async () => {
  const c = lbCluster({ nodes: 2, mode: 'tunnel' });
  const client = c.addPod(c.nodes[0]!, 'client', '172.20.0.10', 1000);
  const server = c.addPod(c.nodes[1]!, 'server', '172.20.1.20', 2000);
  await startWhoami(server.pod, { port: 80 });
  writeService(c.maps[0]!, { addr: CLUSTER_IP, port: 80, flags: 0, revNat: 5, backends: [{ addr: A('172.20.1.20'), port: 80 }] });
  const { r, lines } = await captured(c.net, client.pod, '-i eth0 tcp', client.pod, 'curl -sv 10.96.100.10');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Hostname: server$/m);
  assert.match(r.stdout, /^RemoteAddr: 172\.20\.0\.10:\d+$/m);
  // curl believes it talks to the ClusterIP (getpeername), the packets never carry it
  assert.match(r.stderr, /Connected to 10\.96\.100\.10 \(10\.96\.100\.10\) port 80/);
  assert.ok(lines.length > 0 && lines.every((l) => !l.includes('10.96.100.10')), lines.join('\n'));
  // the connection is closed from the client's side: its TIME_WAIT keeps the socket for 60 s
  assert.equal(c.maps[0]!.sockRevNat4.size, 1);
  await c.clock.advance(61_000);
  assert.equal(c.maps[0]!.sockRevNat4.size, 0);
});

test('socket-LB: connect() to a service without backends fails with EHOSTUNREACH', async () => {
  const c = lbCluster({ nodes: 1, mode: 'tunnel' });
  const client = c.addPod(c.nodes[0]!, 'client', '172.20.0.10', 1000);
  writeService(c.maps[0]!, { addr: CLUSTER_IP, port: 80, flags: 0, revNat: 5, backends: [] });
  const r = await run(c.net, client.pod, 'curl -sS 10.96.100.10');
  assert.equal(r.code, 7);
  assert.match(r.stderr, /Failed to connect to 10\.96\.100\.10 port 80 after \d+ ms: Couldn't connect to server/);
});

test('per-packet DNAT without socket-LB: the reply is reverse-NATed at the client, conntrack holds SVC and OUT entries', async () => {
  const c = lbCluster({ nodes: 2, mode: 'tunnel' }, { socketLB: false });
  const client = c.addPod(c.nodes[0]!, 'client', '172.20.0.10', 1000);
  const server = c.addPod(c.nodes[1]!, 'server', '172.20.1.20', 2000);
  await startWhoami(server.pod, { port: 80 });
  writeService(c.maps[0]!, { addr: CLUSTER_IP, port: 80, flags: 0, revNat: 5, backends: [{ addr: A('172.20.1.20'), port: 80 }] });
  const { r, lines } = await captured(c.net, client.pod, '-i eth0 tcp', client.pod, 'curl -s 10.96.100.10');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RemoteAddr: 172\.20\.0\.10:\d+$/m);
  // inside the pod the conversation is with the ClusterIP both ways
  assert.match(lines[0]!, /IP 172\.20\.0\.10\.\d+ > 10\.96\.100\.10\.80: Flags \[S\]/);
  assert.match(lines[1]!, /IP 10\.96\.100\.10\.80 > 172\.20\.0\.10\.\d+: Flags \[S\.\]/);
  const ct = CiliumDatapath.of(c.nodes[0]!.host).maps.ct.tcp4.entries();
  const svc = ct.find((e) => e.dir === 'SVC');
  const out = ct.find((e) => e.dir === 'OUT' && e.tuple.dst === A('172.20.1.20'));
  assert.ok(svc && out, 'no service conntrack entries');
  assert.equal(svc.tuple.dst, CLUSTER_IP);
  assert.equal(svc.backendId, out.backendId);
  assert.equal(out.revNat, 5);
  assert.ok(out.rxFlagsSeen & 0x12, 'the reply was tracked on the connection entry');
  assert.ok(!ct.some((e) => e.tuple.src === CLUSTER_IP), 'no entry for the translated reply');
});

test('per-packet loopback: a pod reaching itself through its service sees the service loopback address', async () => {
  const c = lbCluster({ nodes: 1, mode: 'tunnel' }, { socketLB: false });
  const pod = c.addPod(c.nodes[0]!, 'self', '172.20.0.10', 1000);
  await startWhoami(pod.pod, { port: 80 });
  writeService(c.maps[0]!, { addr: CLUSTER_IP, port: 80, flags: 0, revNat: 5, backends: [{ addr: A('172.20.0.10'), port: 80 }] });
  const r = await run(c.net, pod.pod, 'curl -s 10.96.100.10');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RemoteAddr: 169\.254\.42\.1:\d+$/m);
  assert.ok(CiliumDatapath.of(c.nodes[0]!.host).maps.ct.tcp4.entries().some((e) => e.flags & CT_LB_LOOPBACK));
});

test('LoadBalancer from outside, SNAT: a remote backend sees the node, replies return through it; a local one sees the router', async () => {
  const c = lbCluster({ nodes: 2, mode: 'tunnel' });
  const local = c.addPod(c.nodes[0]!, 'local', '172.20.0.10', 1000);
  const remote = c.addPod(c.nodes[1]!, 'remote', '172.20.1.20', 1000);
  for (const p of [local, remote]) await startWhoami(p.pod, { port: 80 });
  route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
  for (const [i, addr] of [A('172.20.0.10'), A('172.20.1.20')].entries()) {
    // one backend at a time, so each path is exercised deterministically
    writeService(c.maps[0]!, { addr: VIP, port: 80, flags: LB_FLAGS, revNat: 9 + i, backends: [{ addr, port: 80 }] });
    const { r, lines } = await captured(c.net, c.router, '-i eth1 tcp port 80', c.router, 'curl -s 172.16.1.1');
    assert.equal(r.code, 0, r.stderr);
    const seen = i === 0 ? '192\\.168\\.10\\.200' : '172\\.20\\.0\\.1';
    // in tunnel mode the node reaches the remote pod from its cilium_host address (IPV4_GATEWAY)
    assert.match(r.stdout, new RegExp(`^RemoteAddr: ${seen}:\\d+$`, 'm'));
    assert.ok(lines.some((l) => /IP 172\.16\.1\.1\.80 > 192\.168\.10\.200\.\d+: Flags \[S\.\]/.test(l)), lines.join('\n'));
  }
  const dp = CiliumDatapath.of(c.nodes[0]!.host);
  const nat = dp.maps.nat4.entries();
  assert.ok(nat.some((e) => e.dir === 'OUT' && e.tuple.src === ROUTER && e.addr === A('172.20.0.1')), 'no SNAT mapping');
  assert.ok(nat.some((e) => e.dir === 'IN' && e.tuple.src === A('172.20.1.20') && e.addr === ROUTER), 'no reverse mapping');
  const ct = dp.maps.ct.tcp4.entries();
  assert.ok(ct.some((e) => e.dir === 'IN' && e.flags & CT_NODE_PORT && e.tuple.dst === A('172.20.0.10')), 'local backend: tracked at its ingress');
  assert.ok(ct.some((e) => e.dir === 'OUT' && e.flags & CT_NODE_PORT && e.tuple.dst === A('172.20.1.20') && (e.flags & 3) === 3), 'remote backend: closed both ways');
});

test('an established connection keeps its backend when the service changes; new ones follow the maps', async () => {
  const c = lbCluster({ nodes: 1, mode: 'tunnel' });
  const a = c.addPod(c.nodes[0]!, 'a', '172.20.0.10', 1000);
  const b = c.addPod(c.nodes[0]!, 'b', '172.20.0.11', 1000);
  for (const p of [a, b]) p.pod.tcp.createServer(() => {}).listen(80);
  route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
  writeService(c.maps[0]!, { addr: VIP, port: 80, flags: LB_FLAGS, revNat: 9, backends: [{ addr: A('172.20.0.10'), port: 80 }] });
  const sock = c.router.tcp.connect({ host: '172.16.1.1', port: 80 });
  await runTask(c.clock, new Promise((resolve) => sock.once('connect', resolve)), { progress: () => c.net.activity });
  const ct = CiliumDatapath.of(c.nodes[0]!.host).maps.ct.tcp4;
  const toA = () => ct.entries().find((e) => e.dir === 'IN' && e.tuple.dst === A('172.20.0.10'))!;
  const before = toA().packets;
  // a terminates: its slot is gone, b serves the service; a's backend entry stays for its connections
  c.maps[0]!.upsertBackend(902, { addr: A('172.20.0.11'), port: 80, proto: PROTO_TCP, state: 0, clusterId: 0, zone: 0 });
  c.maps[0]!.upsertService({ addr: VIP, port: 80, proto: PROTO_TCP, scope: SCOPE_EXTERNAL }, [
    { backendId: 0, count: 1, qcount: 0, revNat: 9, flags: LB_FLAGS },
    { backendId: 902, count: 0, qcount: 0, revNat: 9, flags: LB_FLAGS },
  ]);
  sock.write('still here\n');
  await runTask(c.clock, new Promise<void>((resolve) => c.clock.setTimeout(() => resolve(), 100)), { progress: () => c.net.activity });
  assert.ok(toA().packets >= before + 2, 'the data and its ACK went to a');
  sock.destroy();
  const fresh = await run(c.net, c.router, 'nc -z -w 1 172.16.1.1 80');
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.ok(ct.entries().some((e) => e.dir === 'SVC' && e.backendId === 902), 'a new connection goes to b');
});

test('session affinity (ClientIP): every connection of the router lands on the same backend', async () => {
  const c = lbCluster({ nodes: 1, mode: 'tunnel' });
  const pods = ['172.20.0.10', '172.20.0.11', '172.20.0.12'].map((ip, i) => c.addPod(c.nodes[0]!, `web-${i}`, ip, 1000));
  for (const p of pods) await startWhoami(p.pod, { port: 80 });
  route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
  const backends = pods.map((_, i) => ({ addr: A(`172.20.0.1${i}`), port: 80 }));
  writeService(c.maps[0]!, { addr: VIP, port: 80, flags: LB_FLAGS | SVC_FLAG_SESSION_AFFINITY, revNat: 9, backends, master: 10800 });
  const r = await run(c.net, c.router, 'for i in $(seq 1 12); do curl -s 172.16.1.1 | grep Hostname; done');
  assert.equal(new Set(r.stdout.split('\n').filter(Boolean)).size, 1, r.stdout);
  // without affinity the same loop spreads
  writeService(c.maps[0]!, { addr: VIP, port: 80, flags: LB_FLAGS, revNat: 10, backends });
  const spread = await run(c.net, c.router, 'for i in $(seq 1 12); do curl -s 172.16.1.1 | grep Hostname; done');
  assert.ok(new Set(spread.stdout.split('\n').filter(Boolean)).size > 1, spread.stdout);
});

test('no backend from outside: connection refused (ICMP from the VIP), or a silent drop with service-no-backend-response=drop', async () => {
  for (const response of ['reject', 'drop'] as const) {
    const c = lbCluster({ nodes: 1, mode: 'tunnel' }, { noBackendResponse: response });
    route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
    writeService(c.maps[0]!, { addr: VIP, port: 80, flags: LB_FLAGS, revNat: 9, backends: [] });
    const { r, lines } = await captured(c.net, c.router, '-i eth1 icmp', c.router, 'curl -sS --connect-timeout 1 172.16.1.1');
    if (response === 'reject') {
      assert.equal(r.code, 7);
      assert.match(r.stderr, /Connection refused|Couldn't connect to server/);
      assert.match(lines[0]!, /IP 172\.16\.1\.1 > 192\.168\.10\.200: ICMP 172\.16\.1\.1 tcp port 80 unreachable/);
    } else {
      assert.equal(r.code, 28);
      assert.deepEqual(lines, []);
    }
  }
});

/** Week 5 in small: the router reaches the VIP through k8s-ctr, the backend lives on another node. */
async function dsrCluster(dispatch: 'geneve' | 'opt') {
  const c = lbCluster({ nodes: 3, mode: 'native' }, { dsrDispatch: dispatch, algorithm: 'maglev' });
  if (dispatch === 'geneve') {
    const cfg = datapathConfig({ 'routing-mode': 'native', 'ipv4-native-routing-cidr': '172.20.0.0/16', 'tunnel-protocol': 'geneve', 'bpf-lb-mode': 'dsr', 'bpf-lb-dsr-dispatch': 'geneve' });
    for (const n of c.nodes) CiliumDatapath.of(n.host).configure(cfg, n.router, [parsePrefix(n.cidr)!]);
  }
  nativeRoutes(c);
  route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
  const web = c.addPod(c.nodes[1]!, 'web', '172.20.1.20', 1000);
  await startWhoami(web.pod, { port: 80 });
  const svc = { addr: VIP, port: 80, flags: LB_FLAGS | SVC_FLAG_FWD_MODE_DSR, revNat: 9, backends: [{ addr: A('172.20.1.20'), port: 80 }], master: LB_ALG_MAGLEV << 24 };
  for (const m of c.maps) writeService(m, svc, true);
  return c;
}

test('DSR over Geneve: the request is encapsulated to the backend node with the VIP option, the reply leaves from the VIP', async () => {
  const c = await dsrCluster('geneve');
  const { r, lines } = await captured(c.net, c.router, '-i any tcp port 80 or udp port 6081', c.router, 'curl -s 172.16.1.1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RemoteAddr: 192\.168\.10\.200:\d+$/m);
  const text = lines.join('\n');
  // k8s-ctr (192.168.10.100) → k8s-w1 (192.168.20.100) through the router, Geneve with Cilium's option
  assert.match(text, /IP 192\.168\.10\.100\.\d+ > 192\.168\.20\.100\.6081: Geneve, Flags \[none\], vni 0x2, options \[12 bytes\]: IP 192\.168\.10\.200\.\d+ > 172\.20\.1\.20\.80: Flags \[S\]/);
  // the SYN-ACK comes from k8s-w1's side (eth2) with the VIP as source, not through k8s-ctr
  assert.match(text, /eth2 {2}In {2}IP 172\.16\.1\.1\.80 > 192\.168\.10\.200\.\d+: Flags \[S\.\]/);
  const w1 = CiliumDatapath.of(c.nodes[1]!.host).maps;
  assert.ok(w1.ct.tcp4.entries().some((e) => e.flags & CT_DSR_INTERNAL));
  assert.ok(w1.nat4.entries().some((e) => e.dir === 'OUT' && e.addr === VIP && e.port === 80 && !e.needsCT));
});

test('DSR with the IPv4 option: the SYN carries the VIP natively routed, the backend answers from it', async () => {
  const c = await dsrCluster('opt');
  const { r, lines } = await captured(c.net, c.router, '-i eth2 tcp port 80', c.router, 'curl -s 172.16.1.1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RemoteAddr: 192\.168\.10\.200:\d+$/m);
  assert.match(lines.join('\n'), /IP 172\.16\.1\.1\.80 > 192\.168\.10\.200\.\d+: Flags \[S\.\]/);
  assert.ok(CiliumDatapath.of(c.nodes[1]!.host).maps.ct.tcp4.entries().some((e) => e.flags & CT_DSR_INTERNAL));
});

test('hybrid: a UDP frontend (no DSR flag) is SNATed through the ingress node, the reply comes back from the VIP', async () => {
  const c = lbCluster({ nodes: 2, mode: 'tunnel' });
  const dns = c.addPod(c.nodes[1]!, 'dns', '172.20.1.53', 1000);
  const server = dns.pod.udp.createSocket('udp4');
  const seen: string[] = [];
  server.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
    seen.push(rinfo.address);
    server.send(Buffer.from(`re:${msg}`), rinfo.port, rinfo.address);
  });
  server.bind(53);
  route(c.router, '172.16.1.1/32', [c.nodes[0]!.ip]);
  c.maps[0]!.upsertBackend(901, { addr: A('172.20.1.53'), port: 53, proto: 17, state: 0, clusterId: 0, zone: 0 });
  c.maps[0]!.upsertService({ addr: VIP, port: 53, proto: 17, scope: SCOPE_EXTERNAL }, [
    { backendId: 0, count: 1, qcount: 0, revNat: 9, flags: LB_FLAGS },
    { backendId: 901, count: 0, qcount: 0, revNat: 9, flags: LB_FLAGS },
  ]);
  c.maps[0]!.revNat4.set(9, { addr: VIP, port: 53 });
  const client = c.router.udp.createSocket('udp4');
  const reply = new Promise<{ text: string; from: string; port: number }>((resolve) =>
    client.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => resolve({ text: msg.toString(), from: rinfo.address, port: rinfo.port })),
  );
  client.send('query', 53, '172.16.1.1');
  const r = await runTask(c.clock, reply, { progress: () => c.net.activity });
  assert.deepEqual(r, { text: 're:query', from: '172.16.1.1', port: 53 });
  assert.deepEqual(seen, ['172.20.0.1'], 'the backend saw the ingress node');
  assert.ok(CiliumDatapath.of(c.nodes[0]!.host).maps.nat4.entries().some((e) => e.tuple.proto === 17 && e.dir === 'OUT'));
});
