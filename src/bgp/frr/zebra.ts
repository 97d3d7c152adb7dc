// zebra's part of the router: the BGP routes it would install in the kernel (selected paths
// with their ECMP next hops, resolved to interfaces) and `show ip route bgp` in FRR 8.4's layout.

import { parseCIDR } from '../../netaddr/cidr.ts';
import { frrUptime } from './format.ts';
import { type Json, pretty } from './json.ts';

export interface ZebraNexthop {
  via: string;
  dev: string;
}

export interface ZebraRoute {
  family: 'ipv4' | 'ipv6';
  prefix: string;
  /** Administrative distance: 20 for eBGP, 200 for iBGP; the kernel route metric too. */
  distance: number;
  /** The BGP MED, shown as the route metric in [distance/metric]. */
  metric: number;
  nexthops: ZebraNexthop[];
  /** When the route was installed or last changed (ms since the epoch). */
  since: number;
  /** Nexthop group id, one per distinct next-hop set. */
  nhgId: number;
}

/** What the host (the lab's emulated kernel) sees: install or replace, or remove (nexthops empty). */
export interface RouteInstallEvent {
  family: 'ipv4' | 'ipv6';
  prefix: string;
  nexthops: ZebraNexthop[];
  /** Kernel metric: zebra installs BGP routes with metric = distance. */
  metric: number;
  proto: 'bgp';
  nhgId: number;
}

const CODES = `Codes: K - kernel route, C - connected, S - static, R - RIP,
       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure
`;

const CODES6 = `Codes: K - kernel route, C - connected, S - static, R - RIPng,
       O - OSPFv3, I - IS-IS, B - BGP, N - NHRP, T - Table,
       v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure
`;

export class ZebraRib {
  private routes = new Map<string, ZebraRoute>();
  private nhgs = new Map<string, number>();
  private nextNhg = 1;

  /** Applies a change; returns the kernel event, or undefined when nothing changed. */
  apply(family: 'ipv4' | 'ipv6', prefix: string, nexthops: ZebraNexthop[], distance: number, metric: number, now: number): RouteInstallEvent | undefined {
    const key = `${family}|${prefix}`;
    const old = this.routes.get(key);
    const sorted = [...nexthops].sort((a, b) => compareAddr(a.via, b.via));
    if (sorted.length === 0) {
      if (!old) return undefined;
      this.routes.delete(key);
      return { family, prefix, nexthops: [], metric: old.distance, proto: 'bgp', nhgId: old.nhgId };
    }
    const sig = sorted.map((n) => `${n.via}@${n.dev}`).join(',');
    let nhgId = this.nhgs.get(sig);
    if (nhgId === undefined) this.nhgs.set(sig, (nhgId = this.nextNhg++));
    if (old && old.nhgId === nhgId && old.distance === distance && old.metric === metric) return undefined;
    this.routes.set(key, { family, prefix, distance, metric, nexthops: sorted, since: now, nhgId });
    return { family, prefix, nexthops: sorted, metric: distance, proto: 'bgp', nhgId };
  }

  list(family: 'ipv4' | 'ipv6'): ZebraRoute[] {
    return [...this.routes.values()].filter((r) => r.family === family).sort((a, b) => comparePrefix(a.prefix, b.prefix));
  }
}

function compareAddr(a: string, b: string): number {
  return comparePrefix(`${a}/${a.includes(':') ? 128 : 32}`, `${b}/${b.includes(':') ? 128 : 32}`);
}

function comparePrefix(a: string, b: string): number {
  const x = parseCIDR(a)!;
  const y = parseCIDR(b)!;
  return x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.prefixLen - y.prefixLen;
}

/** `show ip route bgp` / `show ipv6 route bgp`. */
export function showRoutes(rib: ZebraRib, family: 'ipv4' | 'ipv6', now: number): string {
  let out = family === 'ipv4' ? CODES : CODES6;
  const routes = rib.list(family);
  if (routes.length > 0) out += '\n';
  for (const r of routes) {
    const head = `B>* ${r.prefix} [${r.distance}/${r.metric}]`;
    r.nexthops.forEach((n, i) => {
      const lead = i === 0 ? head : `  *${' '.repeat(head.length - 3)}`;
      out += `${lead} via ${n.via}, ${n.dev}, weight 1, ${frrUptime(r.since, now)}\n`;
    });
  }
  return out;
}

export function showRoutesJson(rib: ZebraRib, family: 'ipv4' | 'ipv6', now: number, ifindex: (dev: string) => number): string {
  const o: { [k: string]: Json } = {};
  for (const r of rib.list(family)) {
    const len = Number(r.prefix.split('/')[1]);
    o[r.prefix] = [
      {
        prefix: r.prefix,
        prefixLen: len,
        protocol: 'bgp',
        vrfId: 0,
        vrfName: 'default',
        selected: true,
        destSelected: true,
        distance: r.distance,
        metric: r.metric,
        installed: true,
        table: 254,
        internalStatus: 16,
        internalFlags: 8,
        internalNextHopNum: r.nexthops.length,
        internalNextHopActiveNum: r.nexthops.length,
        nexthopGroupId: r.nhgId,
        installedNexthopGroupId: r.nhgId,
        uptime: frrUptime(r.since, now),
        nexthops: r.nexthops.map((n) => ({
          flags: 3,
          fib: true,
          ip: n.via,
          afi: family,
          interfaceIndex: ifindex(n.dev),
          interfaceName: n.dev,
          active: true,
          weight: 1,
        })),
      },
    ];
  }
  return `${pretty(o)}\n`;
}
