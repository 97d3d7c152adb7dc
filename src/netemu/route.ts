// Routing tables with Linux semantics: tables (local 255, main 254, default 253) consulted in rule
// order, longest-prefix match per table with backtracking past unusable routes, lowest metric
// wins among routes of one prefix, multipath next hops chosen by the flow hash as
// fib_select_multipath does (hash-threshold over weight-proportional upper bounds).

import { LpmTrie } from '../netaddr/lpm.ts';
import { type Addr, type Prefix, bitsOfAddr, fmtAddr, fmtPrefix } from './addr.ts';
import type { Iface } from './iface.ts';

export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** /etc/iproute2/rt_protos plus rt_protos.d entries that iproute2 6.x ships. */
export const RT_PROTOS: Record<number, string> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  42: 'babel',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

export const RT_SCOPES: Record<number, string> = {
  0: 'global',
  200: 'site',
  253: 'link',
  254: 'host',
  255: 'nowhere',
};

export const RT_TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

export interface NextHop {
  gw?: Addr;
  dev: Iface;
  weight: number;
  onlink?: boolean;
}

export interface Route {
  table: number;
  type: RouteType;
  dst: Prefix;
  protocol: number;
  scope: number;
  metric: number;
  prefsrc?: Addr;
  nexthops: NextHop[];
  /** Nexthop object id (FRR installs routes through nexthop groups). */
  nhid?: number;
  mtu?: number;
  /** IPv6 route preference (`pref medium`). */
  pref?: 'low' | 'medium' | 'high';
}

export function protoNumber(name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n <= 255 ? n : undefined;
  }
  for (const [k, v] of Object.entries(RT_PROTOS)) if (v === name) return Number(k);
  return undefined;
}

export function scopeNumber(name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n <= 255 ? n : undefined;
  }
  if (name === 'universe') return 0;
  for (const [k, v] of Object.entries(RT_SCOPES)) if (v === name) return Number(k);
  return undefined;
}

export function tableNumber(name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) return Number(name);
  for (const [k, v] of Object.entries(RT_TABLES)) if (v === name) return Number(k);
  return undefined;
}

/** A next hop is usable when its device is up (and, for IPv4, the kernel has not flushed it). */
export function nexthopAlive(nh: NextHop): boolean {
  return nh.dev.adminUp && nh.dev.host.up;
}

export function routeUsable(r: Route): boolean {
  if (r.type !== 'unicast' && r.type !== 'local' && r.type !== 'broadcast') return true;
  const nhs = r.nexthops;
  if (nhs.length === 1) return nexthopAlive(nhs[0]!);
  return nhs.some(nexthopAlive);
}

/** The identity of a route for add/del: prefix, table, metric (and tos, which we do not model). */
function sameKey(a: Route, b: Route): boolean {
  return a.table === b.table && a.metric === b.metric && a.dst.len === b.dst.len && a.dst.addr === b.dst.addr;
}

export class RouteError extends Error {
  constructor(
    readonly errno: 'EEXIST' | 'ESRCH' | 'ENETUNREACH' | 'EHOSTUNREACH' | 'EINVAL' | 'EACCES',
    message: string,
  ) {
    super(message);
  }
}

export class RouteTable {
  readonly id: number;
  private readonly trie4 = new LpmTrie<Route[]>(4);
  private readonly trie6 = new LpmTrie<Route[]>(6);
  /** Bumped on every change so callers can cache derived state. */
  generation = 0;

  constructor(id: number) {
    this.id = id;
  }

  private trie(a: Addr): LpmTrie<Route[]> {
    return typeof a === 'number' ? this.trie4 : this.trie6;
  }

  /** add (EEXIST on a duplicate key), replace (add or overwrite), append (ECMP-less duplicate allowed). */
  add(route: Route, mode: 'add' | 'replace' | 'append' = 'add'): void {
    const trie = this.trie(route.dst.addr);
    const list = trie.get(route.dst.addr, route.dst.len) ?? [];
    const i = list.findIndex((r) => sameKey(r, route));
    if (i >= 0 && mode === 'add') throw new RouteError('EEXIST', 'File exists');
    if (i >= 0 && mode === 'replace') list[i] = route;
    else list.push(route);
    list.sort((a, b) => a.metric - b.metric);
    trie.set(route.dst.addr, route.dst.len, list);
    this.generation++;
  }

  /** Deletes the first route matching every given field; ESRCH when none does. */
  delete(match: Partial<Route> & { dst: Prefix }): Route {
    const trie = this.trie(match.dst.addr);
    const list = trie.get(match.dst.addr, match.dst.len);
    const i = list ? list.findIndex((r) => routeMatches(r, match)) : -1;
    if (!list || i < 0) throw new RouteError('ESRCH', 'No such process');
    const [removed] = list.splice(i, 1);
    if (list.length === 0) trie.delete(match.dst.addr, match.dst.len);
    this.generation++;
    return removed!;
  }

  /** Removes this very route object. */
  remove(route: Route): boolean {
    const trie = this.trie(route.dst.addr);
    const list = trie.get(route.dst.addr, route.dst.len);
    const i = list ? list.indexOf(route) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) trie.delete(route.dst.addr, route.dst.len);
    this.generation++;
    return true;
  }

  /** Removes every route for which `pred` holds; returns them. */
  deleteWhere(pred: (r: Route) => boolean): Route[] {
    const removed: Route[] = [];
    for (const trie of [this.trie4, this.trie6]) {
      const changes: [Addr, number, Route[]][] = [];
      for (const e of trie.entries()) {
        const keep = e.value.filter((r) => !pred(r));
        if (keep.length !== e.value.length) {
          removed.push(...e.value.filter(pred));
          changes.push([e.addr, e.prefixLen, keep]);
        }
      }
      for (const [a, l, keep] of changes) {
        if (keep.length === 0) trie.delete(a, l);
        else trie.set(a, l, keep);
      }
    }
    if (removed.length > 0) this.generation++;
    return removed;
  }

  /** Routes in kernel dump order (by address, shorter prefix first, then metric). */
  list(family: 4 | 6): Route[] {
    const out: Route[] = [];
    for (const e of (family === 4 ? this.trie4 : this.trie6).entries()) out.push(...e.value);
    return out;
  }

  exact(dst: Prefix): Route[] {
    return this.trie(dst.addr).get(dst.addr, dst.len) ?? [];
  }

  /**
   * Longest usable match for `dst`; `accept` filters individual routes (e.g. by output device).
   * Routes through a device that is down are removed from the tables when it goes down, so
   * without a filter the best route is simply the lowest-metric one of the longest prefix.
   */
  lookup(dst: Addr, accept?: (r: Route) => boolean): Route | undefined {
    if (!accept) return this.trie(dst).lookup(dst)?.[0];
    let chosen: Route | undefined;
    this.trie(dst).lookup(dst, (list) => {
      for (const r of list) {
        if (routeUsable(r) && accept(r)) {
          chosen = r;
          return true;
        }
      }
      return false;
    });
    return chosen;
  }

  get size(): number {
    return this.trie4.size + this.trie6.size;
  }
}

export function routeMatches(r: Route, m: Partial<Route> & { dst: Prefix }): boolean {
  if (r.dst.addr !== m.dst.addr || r.dst.len !== m.dst.len) return false;
  if (m.table !== undefined && r.table !== m.table) return false;
  if (m.type !== undefined && r.type !== m.type) return false;
  if (m.metric !== undefined && r.metric !== m.metric) return false;
  if (m.protocol !== undefined && r.protocol !== m.protocol) return false;
  if (m.scope !== undefined && r.scope !== m.scope) return false;
  if (m.prefsrc !== undefined && r.prefsrc !== m.prefsrc) return false;
  if (m.nexthops && m.nexthops.length > 0) {
    const want = m.nexthops[0]!;
    if (!r.nexthops.some((nh) => (want.gw === undefined || nh.gw === want.gw) && nh.dev === want.dev)) return false;
  }
  return true;
}

// ---- multipath -----------------------------------------------------------------------------

/** murmur3 fmix32 */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixAddr(h: number, a: Addr): number {
  if (typeof a === 'number') return fmix(Math.imul(h ^ a, 0x9e3779b1) + 0x7f4a7c15);
  let x = h;
  for (let i = 0n; i < 128n; i += 32n) x = fmix(Math.imul(x ^ Number((a >> i) & 0xffffffffn), 0x9e3779b1) + 0x7f4a7c15);
  return x;
}

export interface FlowKeys {
  src: Addr;
  dst: Addr;
  proto: number;
  sport: number;
  dport: number;
}

/**
 * fib_multipath_hash: policy 0 hashes L3 (saddr, daddr), policy 1 the L4 five-tuple; the
 * kernel's key is random per boot, ours is the host's seed. Returns 31 bits like the kernel.
 */
export function multipathHash(policy: number, f: FlowKeys, seed: number): number {
  let h = seed >>> 0;
  h = mixAddr(h, f.src);
  h = mixAddr(h, f.dst);
  if (policy === 1) {
    h = fmix(h ^ Math.imul(f.proto, 0x27d4eb2d));
    h = fmix(h ^ ((f.sport << 16) | f.dport));
  }
  return h >>> 1;
}

/** fib_rebalance + fib_select_multipath: upper bound of next hop i is round(W_i·2^31/W) − 1. */
export function selectNexthop(r: Route, hash: number): NextHop | undefined {
  const alive = r.nexthops.filter(nexthopAlive);
  if (alive.length <= 1) return alive[0];
  let total = 0;
  for (const nh of alive) total += nh.weight;
  let cum = 0;
  for (const nh of alive) {
    cum += nh.weight;
    const upper = Math.round((cum * 2 ** 31) / total) - 1;
    if (hash <= upper) return nh;
  }
  return alive[alive.length - 1];
}

/** Route key text for error messages. */
export function describeRoute(r: Route): string {
  return `${fmtPrefix(r.dst)}${r.nexthops[0]?.gw !== undefined ? ` via ${fmtAddr(r.nexthops[0].gw)}` : ''}`;
}

export function hostPrefixLen(a: Addr): number {
  return bitsOfAddr(a);
}
