// What Cilium's CNI plugin does for a pod: a network namespace (a host) with eth0 holding the pod
// IP as /32, a veth to the node named lxc<12 hex>, routes to the router IP (scope link) and a
// default route via it with the route MTU, the kubelet's /etc/hosts and /etc/resolv.conf, and
// the endpoint registered in the node's datapath.

import { createHash } from 'node:crypto';
import { type Addr, fmtAddr } from '../addr.ts';
import type { Host } from '../host.ts';
import type { Iface } from '../iface.ts';
import { RT_SCOPE_LINK, RT_TABLE_MAIN } from '../route.ts';
import type { CiliumDatapath } from './datapath.ts';

export interface PodNetworkSpec {
  /** Unique host name in the network: `<namespace>/<pod>`. */
  hostName: string;
  podName: string;
  namespace: string;
  ips: Addr[];
  /** Endpoint ID and security identity for the node's lxc map. */
  endpointId: number;
  identity: number;
  /** MTU of the pod's routes (device MTU, minus tunnel overhead in tunnel mode). */
  routeMtu: number;
  dns: { nameservers: string[]; searches: string[]; ndots: number };
  env?: Record<string, string>;
}

export interface PodNetwork {
  pod: Host;
  lxc: Iface;
  eth0: Iface;
}

/** lxc + the first 12 hex digits of a hash of the container ID (Cilium's endpoint naming). */
export function lxcName(containerId: string): string {
  return `lxc${createHash('sha256').update(containerId).digest('hex').slice(0, 12)}`;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function createPodNetwork(dp: CiliumDatapath, spec: PodNetworkSpec): PodNetwork {
  const node = dp.host;
  const net = node.net;
  const routerIP = dp.routerIP;
  if (routerIP === undefined) throw new Error(`${node.name}: the datapath has no router IP yet`);
  const containerId = node.rng.string(64, '0123456789abcdef');
  const pod = net.addHost(spec.hostName, { kind: 'pod', hostname: spec.podName, forwarding: false, env: spec.env });
  const [lxc, eth0] = net.addVeth(node, lxcName(containerId), pod, 'eth0', { netnsOfB: `cni-${uuidFrom(containerId)}`, mtu: dp.cfg?.mtu ?? 1500 });
  pod.sockHooks = node.sockHooks;
  for (const ip of spec.ips) pod.addAddress(eth0, { addr: ip, len: typeof ip === 'number' ? 32 : 128 });
  const v4 = spec.ips.find((a) => typeof a === 'number');
  if (v4 !== undefined && typeof routerIP === 'number') {
    pod.addRoute({ table: RT_TABLE_MAIN, type: 'unicast', dst: { addr: routerIP, len: 32 }, protocol: 3, scope: RT_SCOPE_LINK, metric: 0, nexthops: [{ dev: eth0, weight: 1 }] });
    pod.addRoute({
      table: RT_TABLE_MAIN,
      type: 'unicast',
      dst: { addr: 0, len: 0 },
      protocol: 3,
      scope: 0,
      metric: 0,
      mtu: spec.routeMtu,
      nexthops: [{ gw: routerIP, dev: eth0, weight: 1 }],
    });
  }
  const hosts = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    ...spec.ips.map((ip) => `${fmtAddr(ip)}\t${spec.podName}`),
  ];
  pod.writeFile('/etc/hosts', `${hosts.join('\n')}\n`);
  const resolv = [
    `search ${spec.dns.searches.join(' ')}`,
    ...spec.dns.nameservers.map((n) => `nameserver ${n}`),
    `options ndots:${spec.dns.ndots}`,
  ];
  pod.writeFile('/etc/resolv.conf', `${resolv.join('\n')}\n`);
  for (const ip of spec.ips) dp.attachEndpoint(ip, lxc, { id: spec.endpointId, mac: eth0.mac, secId: spec.identity });
  return { pod, lxc, eth0 };
}

/** CNI DEL: the endpoint leaves the datapath and its namespace (with the veth pair) goes away. */
export function deletePodNetwork(dp: CiliumDatapath, pod: Host, ips: Addr[]): void {
  for (const ip of ips) dp.detachEndpoint(ip);
  const main = dp.host.table(RT_TABLE_MAIN);
  for (const ip of ips) {
    for (const r of main.exact({ addr: ip, len: typeof ip === 'number' ? 32 : 128 })) {
      if (r.nexthops[0]?.dev.peer?.host === pod) main.remove(r);
    }
  }
  dp.host.net.removeHost(pod.name);
}
