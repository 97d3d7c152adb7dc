// The agent's maps as the datapath sees them: decisions for the seeds' week-5 flows, and the
// CT/NAT entries they leave, in `bpf ct list` / `bpf nat list` layout.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../controller/rng.ts';
import { parseAddrKey } from '../../datapath/maps/lbaddr.ts';
import { DROP_NO_SERVICE } from '../../datapath/lb/drop.ts';
import { chooseSnatPort, dsrBackendEntries, newServiceFlowEntries, snatEntries } from '../../datapath/lb/flow.ts';
import { type BackendLocator, nodePortIngress } from '../../datapath/lb/nodeport.ts';
import type { LBRuntime } from '../../datapath/lb/select.ts';
import { sockConnect } from '../../datapath/lb/socket.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { endpointSlice, type Fixture, newFixture, service, settle } from './testing.ts';
import { formatCtEntry, formatNatEntry, formatSockNatList } from './views.ts';

const A = (s: string) => parseAddrKey(s)! as number;
const LBIP = A('172.16.1.1');
const ROUTER = A('192.168.10.200');
const NODES: Record<string, number> = { 'k8s-ctr': A('192.168.10.100'), 'k8s-w1': A('192.168.10.101'), 'k8s-w0': A('192.168.20.100') };
const PODS: [string, string][] = [
  ['172.20.0.15', 'k8s-ctr'],
  ['172.20.1.119', 'k8s-w1'],
  ['172.20.2.35', 'k8s-w0'],
];

function locator(node: string): BackendLocator {
  const nodeOf = new Map<AddrKey, number>(PODS.map(([ip, n]) => [A(ip), NODES[n]!]));
  return { isLocal: (a) => nodeOf.get(a) === NODES[node], nodeOf: (a) => nodeOf.get(a) };
}

async function week5(config: Record<string, string>, etp: 'Cluster' | 'Local' = 'Cluster'): Promise<Fixture> {
  const f = await newFixture({ nodeName: 'k8s-ctr', nodeAddresses: ['192.168.10.100'], config: { 'routing-mode': 'native', ...config } });
  await f.store.create(endpointSlice('default', 'webpod', PODS.map(([ip, node]) => ({ ip, node })), [{ port: 80 }]));
  await f.store.create(
    service(
      'default',
      'webpod',
      { type: 'LoadBalancer', clusterIP: '10.96.54.159', externalTrafficPolicy: etp, ports: [{ port: 80, protocol: 'TCP', nodePort: 32567 }] },
      { status: { loadBalancer: { ingress: [{ ip: '172.16.1.1' }] } } },
    ),
  );
  await settle(f);
  return f;
}

function runtime(f: Fixture): LBRuntime {
  const rng = new Rng('week5');
  return { maps: f.maps, random: () => rng.uint32(), now: () => f.clock.now() };
}

test('week 5, SNAT + random: requests from the router spread over the three pods, remote ones SNATed to the node', async () => {
  const f = await week5({});
  const rt = runtime(f);
  const byPod = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const d = nodePortIngress(rt, { saddr: ROUTER, daddr: LBIP, sport: 34884 + i, dport: 80, proto: 6 }, locator('k8s-ctr'), NODES['k8s-ctr']!);
    assert.ok(d.kind === 'dnat' || d.kind === 'snat', d.kind);
    if (d.kind !== 'dnat' && d.kind !== 'snat') continue;
    const pod = PODS.find(([ip]) => A(ip) === d.backend.addr)![1];
    byPod.set(pod, (byPod.get(pod) ?? 0) + 1);
    // The local pod sees the router (RemoteAddr 192.168.10.200), remote ones the node.
    assert.equal(d.kind, pod === 'k8s-ctr' ? 'dnat' : 'snat');
  }
  assert.deepEqual([...byPod.keys()].sort(), ['k8s-ctr', 'k8s-w0', 'k8s-w1']);
  f.controller.stop();
});

test('week 5, DSR + Geneve + Maglev: one backend per tuple, Geneve to its node, the option carries the VIP', async () => {
  const f = await week5({ 'tunnel-protocol': 'geneve', 'bpf-lb-mode': 'dsr', 'bpf-lb-dsr-dispatch': 'geneve', 'bpf-lb-algorithm': 'maglev' });
  const rt = runtime(f);
  for (let i = 0; i < 50; i++) {
    const pkt = { saddr: ROUTER, daddr: LBIP, sport: 40000 + i, dport: 80, proto: 6 };
    const a = nodePortIngress(rt, pkt, locator('k8s-ctr'), NODES['k8s-ctr']!);
    const b = nodePortIngress(rt, pkt, locator('k8s-ctr'), NODES['k8s-ctr']!);
    assert.deepEqual(a, b);
    if (a.kind === 'dsr') {
      assert.equal(a.dispatch, 'geneve');
      assert.equal(a.nodeIP, a.backend.addr === A('172.20.1.119') ? NODES['k8s-w1'] : NODES['k8s-w0']);
      assert.deepEqual([...a.option!].slice(0, 10), [0x01, 0x4b, 0x81, 2, 172, 16, 1, 1, 0, 80]);
    } else assert.equal(a.kind, 'dnat');
  }
  f.controller.stop();
});

test('eTP=Local on a node without a local pod: new connections are refused (ICMP), the drop reason is 158', async () => {
  const f = await newFixture({ nodeName: 'k8s-ctr', nodeAddresses: ['192.168.10.100'] });
  await f.store.create(endpointSlice('default', 'webpod', [{ ip: '172.20.1.119', node: 'k8s-w1' }], [{ port: 80 }]));
  await f.store.create(
    service('default', 'webpod', { type: 'NodePort', clusterIP: '10.96.54.159', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 32567 }] }),
  );
  await settle(f);
  const d = nodePortIngress(runtime(f), { saddr: ROUTER, daddr: NODES['k8s-ctr']!, sport: 1234, dport: 32567, proto: 6 }, locator('k8s-ctr'), NODES['k8s-ctr']!);
  assert.deepEqual(d, { kind: 'drop', reason: DROP_NO_SERVICE, icmp: { type: 3, code: 3 } });
  // Pods of this node still reach it through the internal scope (iTP=Cluster).
  const s = sockConnect(runtime(f), { cookie: 1, netnsCookie: 7, inHostNs: false, daddr: NODES['k8s-ctr']!, dport: 32567, proto: 6, dstIsLocal: true });
  assert.equal(s.kind, 'translate');
  f.controller.stop();
});

test('socket-LB from curl-pod: the ClusterIP never reaches the wire and socknat lists the translation', async () => {
  const f = await week5({});
  const d = sockConnect(runtime(f), { cookie: 43438, netnsCookie: 9, inHostNs: false, daddr: A('10.96.54.159'), dport: 80, proto: 6, dstIsLocal: false });
  assert.equal(d.kind, 'translate');
  if (d.kind !== 'translate') return;
  assert.ok(PODS.some(([ip]) => A(ip) === d.addr));
  const line = formatSockNatList(f.maps).split('\n')[1]!;
  assert.match(line, /^43438 {11}172\.20\.\d\.\d+:20480 -> 10\.96\.54\.159:20480 \(revnat=\d+\)/);
  f.controller.stop();
});

test('CT and NAT entries of an SNATed NodePort flow, in bpf ct list / bpf nat list layout', () => {
  const flow = {
    proto: 6,
    client: ROUTER,
    clientPort: 43094,
    frontend: LBIP,
    frontendPort: 80,
    backend: A('172.20.1.119'),
    backendPort: 80,
    revNat: 17,
    backendId: 15,
    nodePort: true,
    nowSec: 1000,
  };
  const [svc, out] = newServiceFlowEntries(flow);
  assert.equal(
    formatCtEntry(out!, 1010),
    'TCP OUT 192.168.10.200:43094 -> 172.20.1.119:80 expires=1060 (remaining: 50 sec(s)) Packets=0 Bytes=0 RxFlagsSeen=0x00 LastRxReport=0 TxFlagsSeen=0x00 LastTxReport=0 Flags=0x0020 [ NodePort ] RevNAT=17 SourceSecurityID=0 BackendID=15 NatPort=0 \n',
  );
  assert.equal(svc!.dir, 'SVC');
  const port = chooseSnatPort(43094, () => true, () => 0)!;
  assert.equal(port, 43094, 'the client port is kept when free');
  const [o, i] = snatEntries(flow, NODES['k8s-ctr']!, port);
  assert.equal(formatNatEntry(o!, 1005), 'TCP OUT 192.168.10.200:43094 -> 172.20.1.119:80 XLATE_SRC 192.168.10.100:43094 Created=5sec ago NeedsCT=1\n');
  assert.equal(formatNatEntry(i!, 1005), 'TCP IN 172.20.1.119:80 -> 192.168.10.100:43094 XLATE_DST 192.168.10.200:43094 Created=5sec ago NeedsCT=1\n');
  // DSR: the backend node answers from the VIP straight to the client.
  const dsr = dsrBackendEntries(flow);
  assert.equal(formatNatEntry(dsr.nat, 1000), 'TCP OUT 172.20.1.119:80 -> 192.168.10.200:43094 XLATE_SRC 172.16.1.1:80 Created=0sec ago NeedsCT=0\n');
});

test('SNAT port choice: a taken or out-of-range client port moves into 32768-65535', () => {
  const taken = new Set([40000, 40001]);
  assert.equal(chooseSnatPort(40000, (p) => !taken.has(p), () => 0), 40002);
  assert.equal(chooseSnatPort(1234, () => true, () => 5), 32773);
  assert.equal(chooseSnatPort(65535, (p) => p !== 65535, () => 0), 32768);
  assert.equal(chooseSnatPort(40000, () => false, () => 0), undefined);
});
