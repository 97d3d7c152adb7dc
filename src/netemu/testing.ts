// A small Cilium cluster built directly on netemu (no store, no controllers), for tests and
// benchmarks: a router joining two L2 networks, nodes on them, each node's datapath configured
// with its router IP and PodCIDR, the ipcache filled like the agent fills it, and pods attached.

import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { IPCACHE_FLAG_HAS_TUNNEL } from '../datapath/maps/ipcache.ts';
import { type Addr, parseAddr, parsePrefix } from './addr.ts';
import { datapathConfig } from './cilium/config.ts';
import { CiliumDatapath, IDENTITY_HOST, IDENTITY_REMOTE_NODE, IDENTITY_WORLD } from './cilium/datapath.ts';
import { type PodNetwork, createPodNetwork } from './cilium/pod.ts';
import type { Host } from './host.ts';
import { Network } from './network.ts';

export interface TestNode {
  name: string;
  host: Host;
  ip: Addr;
  router: Addr;
  cidr: string;
}

export interface TestCluster {
  clock: VirtualClock;
  net: Network;
  router: Host;
  nodes: TestNode[];
  addPod(node: TestNode, name: string, ip: string, identity: number): PodNetwork;
}

const A = (s: string): Addr => {
  const a = parseAddr(s);
  if (a === undefined) throw new Error(`bad address ${s}`);
  return a;
};

/**
 * `nodes` nodes, alternating between 192.168.10.0/24 and 192.168.20.0/24 behind the router
 * (like k8s-ctr/k8s-w1 and k8s-w0 in the seeds), PodCIDR 172.20.<i>.0/24 each.
 */
export function testCluster(opts: { nodes: number; mode: 'tunnel' | 'native'; seed?: string; autoDirectNodeRoutes?: boolean }): TestCluster {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng(opts.seed ?? 'testing') });
  const router = net.addHost('router', { kind: 'router' });
  net.attach(router, 'eth1', 'net1', { addrs: ['192.168.10.200/24'] });
  net.attach(router, 'eth2', 'net2', { addrs: ['192.168.20.200/24'] });
  const cfg = datapathConfig({
    'routing-mode': opts.mode,
    'ipv4-native-routing-cidr': '172.20.0.0/16',
    'auto-direct-node-routes': String(opts.autoDirectNodeRoutes ?? false),
  });
  const nodes: TestNode[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const left = i % 2 === 0;
    const sub = left ? 10 : 20;
    const hostPart = 100 + Math.floor(i / 2);
    const name = i === 0 ? 'k8s-ctr' : `k8s-w${i}`;
    const host = net.addHost(name, { kind: 'node' });
    const dev = net.attach(host, 'eth1', left ? 'net1' : 'net2', { addrs: [`192.168.${sub}.${hostPart}/24`] });
    const other = left ? '192.168.20.0/24' : '192.168.10.0/24';
    host.addRoute({
      table: 254,
      type: 'unicast',
      dst: parsePrefix(other)!,
      protocol: 4,
      scope: 0,
      metric: 0,
      nexthops: [{ gw: A(`192.168.${sub}.200`), dev, weight: 1 }],
    });
    const third = Math.floor(i / 250);
    const cidr = `172.${20 + third}.${i % 250}.0/24`;
    nodes.push({ name, host, ip: A(`192.168.${sub}.${hostPart}`), router: A(`172.${20 + third}.${i % 250}.1`), cidr });
  }
  for (const n of nodes) {
    const dp = CiliumDatapath.of(n.host);
    dp.configure(cfg, n.router, [parsePrefix(n.cidr)!]);
    const others = nodes.filter((m) => m !== n);
    dp.setRemoteNodes(others.map((m) => ({ name: m.name, ips: [m.ip], routerIP: m.router, podCIDRs: [parsePrefix(m.cidr)!] })));
    const ipc = dp.maps.ipcache;
    ipc.upsert({ addr: 0, prefixLen: 0 }, { identity: IDENTITY_WORLD, tunnelEndpoint: 0, encryptKey: 0, flags: 0 });
    ipc.upsert({ addr: n.ip, prefixLen: 32 }, { identity: IDENTITY_HOST, tunnelEndpoint: 0, encryptKey: 0, flags: 0 });
    ipc.upsert({ addr: n.router, prefixLen: 32 }, { identity: IDENTITY_HOST, tunnelEndpoint: 0, encryptKey: 0, flags: 0 });
    for (const m of others) {
      const c = parsePrefix(m.cidr)!;
      ipc.upsert({ addr: c.addr, prefixLen: c.len }, { identity: IDENTITY_WORLD, tunnelEndpoint: m.ip, encryptKey: 0, flags: IPCACHE_FLAG_HAS_TUNNEL });
      ipc.upsert({ addr: m.ip, prefixLen: 32 }, { identity: IDENTITY_REMOTE_NODE, tunnelEndpoint: 0, encryptKey: 0, flags: 0 });
      ipc.upsert({ addr: m.router, prefixLen: 32 }, { identity: IDENTITY_REMOTE_NODE, tunnelEndpoint: m.ip, encryptKey: 0, flags: IPCACHE_FLAG_HAS_TUNNEL });
    }
  }
  let epId = 100;
  const addPod = (node: TestNode, name: string, ip: string, identity: number): PodNetwork => {
    const pn = createPodNetwork(CiliumDatapath.of(node.host), {
      hostName: `default/${name}`,
      podName: name,
      namespace: 'default',
      ips: [A(ip)],
      endpointId: epId++,
      identity,
      routeMtu: opts.mode === 'tunnel' ? 1450 : 1500,
      dns: { nameservers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 },
    });
    const addr = A(ip);
    const local = { identity, tunnelEndpoint: 0, encryptKey: 0, flags: 0 };
    const remote = { identity, tunnelEndpoint: node.ip, encryptKey: 0, flags: IPCACHE_FLAG_HAS_TUNNEL };
    for (const n of nodes) CiliumDatapath.of(n.host).maps.ipcache.upsert({ addr, prefixLen: 32 }, n.host === node.host ? local : remote);
    return pn;
  };
  return { clock, net, router, nodes, addPod };
}
