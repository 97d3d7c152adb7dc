// The Cilium datapath on netemu: VXLAN/Geneve encapsulation with the source identity as VNI,
// conntrack entries in cilium_ct4_global, masquerading to the world through
// cilium_snat_v4_external, the routes of native routing with auto-direct-node-routes, and the
// LB plug-in stages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWhoami } from '../../apps/whoami.ts';
import { parseAddr, parsePrefix } from '../addr.ts';
import { runTask } from '../drive.ts';
import type { Host } from '../host.ts';
import type { Network } from '../network.ts';
import { testCluster } from '../testing.ts';
import { defaultRegistry, exec } from '../tools/index.ts';
import { datapathConfig } from './config.ts';
import { CiliumDatapath } from './datapath.ts';

const registry = defaultRegistry();
const A = (s: string) => parseAddr(s)!;

function run(net: Network, host: Host, cmd: string) {
  return runTask(net.clock, exec(net, host, cmd, { registry }), { progress: () => net.activity });
}

/** Runs `cmd` on `host` while tcpdump listens on the router with `filter`; returns the capture lines. */
async function captured(net: Network, router: Host, filter: string, host: Host, cmd: string) {
  const stop = new AbortController();
  const dump = exec(net, router, `tcpdump -nn ${filter}`, { registry, signal: stop.signal });
  const r = await run(net, host, cmd);
  stop.abort();
  return { r, lines: (await dump).stdout.split('\n').filter(Boolean) };
}

for (const proto of ['vxlan', 'geneve'] as const) {
  test(`tunnel (${proto}): pod to pod across nodes is encapsulated with VNI = source identity, conntrack on both nodes`, async () => {
    const c = testCluster({ nodes: 2, mode: 'tunnel' });
    if (proto === 'geneve') {
      const cfg = datapathConfig({ 'routing-mode': 'tunnel', 'tunnel-protocol': 'geneve', 'ipv4-native-routing-cidr': '172.20.0.0/16' });
      for (const n of c.nodes) CiliumDatapath.of(n.host).configure(cfg, n.router, [parsePrefix(n.cidr)!]);
    }
    const client = c.addPod(c.nodes[0]!, 'client', '172.20.0.10', 12345);
    c.addPod(c.nodes[1]!, 'server', '172.20.1.20', 23456);
    const port = proto === 'vxlan' ? 8472 : 6081;
    const { r, lines } = await captured(c.net, c.router, `-i eth1 udp port ${port}`, client.pod, 'ping -c 1 172.20.1.20');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // tcpdump prints VXLAN's inner packet on a line of its own, Geneve's after ': ' on the same line
    assert.equal(lines.length, proto === 'vxlan' ? 4 : 2, lines.join('\n'));
    if (proto === 'vxlan') {
      assert.match(lines[0]!, /IP 192\.168\.10\.100\.\d+ > 192\.168\.20\.100\.8472: OTV, flags \[I\] \(0x08\), overlay 0, instance 12345$/);
      assert.match(lines[2]!, /IP 192\.168\.20\.100\.\d+ > 192\.168\.10\.100\.8472: OTV, flags \[I\] \(0x08\), overlay 0, instance 23456$/);
    } else {
      assert.match(lines[0]!, /IP 192\.168\.10\.100\.\d+ > 192\.168\.20\.100\.6081: Geneve, Flags \[none\], vni 0x3039: IP 172\.20\.0\.10 > 172\.20\.1\.20: ICMP echo request, id \d+, seq 1, length 64$/);
      assert.match(lines[1]!, /vni 0x5ba0: IP 172\.20\.1\.20 > 172\.20\.0\.10: ICMP echo reply/);
    }
    if (proto === 'vxlan') assert.match(lines[1]!, /^IP 172\.20\.0\.10 > 172\.20\.1\.20: ICMP echo request, id \d+, seq 1, length 64$/);
    // the flow is tracked on both nodes, with the source identity of the pod that started it
    for (const n of c.nodes) {
      const ct = CiliumDatapath.of(n.host).maps.ct.any4.entries();
      const e = ct.find((x) => x.tuple.proto === 1);
      assert.ok(e, `no ICMP conntrack entry on ${n.name}`);
      assert.equal(e.packets > 0, true);
    }
  });
}

test('masquerading: pod traffic to the world leaves with the node address, replies are reverse-NATed', async () => {
  const c = testCluster({ nodes: 2, mode: 'tunnel' });
  c.net.addDummy(c.router, 'loop1', { addrs: ['10.10.1.200/24'] });
  const node = c.nodes[0]!;
  node.host.addRoute({
    table: 254,
    type: 'unicast',
    dst: parsePrefix('10.10.0.0/16')!,
    protocol: 4, // static
    scope: 0,
    metric: 0,
    nexthops: [{ gw: A('192.168.10.200'), dev: node.host.iface('eth1')!, weight: 1 }],
  });
  await startWhoami(c.router, { port: 80 });
  const pod = c.addPod(node, 'client', '172.20.0.10', 12345);
  const { r, lines } = await captured(c.net, c.router, '-i eth1 tcp port 80', pod.pod, 'curl -s 10.10.1.200');
  assert.equal(r.code, 0, r.stderr);
  // whoami on the router sees the node, not the pod
  assert.match(r.stdout, /^RemoteAddr: 192\.168\.10\.100:\d+$/m);
  assert.match(lines[0]!, /IP 192\.168\.10\.100\.\d+ > 10\.10\.1\.200\.80: Flags \[S\]/);
  const nat = CiliumDatapath.of(node.host).maps.nat4.entries();
  const out = nat.find((e) => e.dir === 'OUT' && e.tuple.dport === 80);
  assert.ok(out, 'no SNAT entry');
  assert.equal(out.tuple.src, A('172.20.0.10'));
  assert.equal(out.addr, A('192.168.10.100'));
  assert.ok(nat.some((e) => e.dir === 'IN' && e.tuple.dst === A('192.168.10.100') && e.addr === A('172.20.0.10')));
  // pod-to-pod traffic inside ipv4-native-routing-cidr keeps its address
  const other = c.addPod(c.nodes[1]!, 'server', '172.20.1.20', 23456);
  await startWhoami(other.pod, { port: 80 });
  const direct = await run(c.net, pod.pod, 'curl -s 172.20.1.20');
  assert.match(direct.stdout, /^RemoteAddr: 172\.20\.0\.10:\d+$/m);
});

test('native routing with auto-direct-node-routes: a route to the PodCIDR of nodes on the same L2 only', async () => {
  const c = testCluster({ nodes: 3, mode: 'native', autoDirectNodeRoutes: true });
  const routes = (await run(c.net, c.nodes[0]!.host, 'ip route')).stdout;
  // k8s-w2 (192.168.10.101) shares net1 with k8s-ctr; k8s-w1 (192.168.20.100) is behind the router
  assert.match(routes, /^172\.20\.2\.0\/24 via 192\.168\.10\.101 dev eth1 proto kernel $/m);
  assert.doesNotMatch(routes, /^172\.20\.1\.0\/24/m);
  assert.match(routes, /^172\.20\.0\.0\/24 via 172\.20\.0\.1 dev cilium_host proto kernel src 172\.20\.0\.1 $/m);
  const a = c.addPod(c.nodes[0]!, 'a', '172.20.0.10', 1000);
  c.addPod(c.nodes[2]!, 'b', '172.20.2.20', 2000);
  const ok = await run(c.net, a.pod, 'ping -c 1 -W 1 172.20.2.20');
  assert.equal(ok.code, 0, ok.stdout);
});

test('LB stages: a from-container handler rewrites the destination, to-container restores the source', async () => {
  const c = testCluster({ nodes: 2, mode: 'tunnel' });
  const client = c.addPod(c.nodes[0]!, 'client', '172.20.0.10', 12345);
  const server = c.addPod(c.nodes[1]!, 'server', '172.20.1.20', 23456);
  await startWhoami(server.pod, { port: 80 });
  const vip = A('10.96.0.100');
  const backend = A('172.20.1.20');
  const dp0 = CiliumDatapath.of(c.nodes[0]!.host);
  dp0.addStage('from-container', ({ ip }) => {
    if (ip.dst === vip) ip.dst = backend;
    return undefined;
  });
  dp0.addStage('to-container', ({ ip }) => {
    if (ip.src === backend) ip.src = vip;
    return undefined;
  });
  const r = await run(c.net, client.pod, 'curl -s 10.96.0.100');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Hostname: server$/m);
  assert.match(r.stdout, /^RemoteAddr: 172\.20\.0\.10:\d+$/m);
});
