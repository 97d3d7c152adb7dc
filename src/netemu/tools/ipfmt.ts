// iproute2's output layouts (ip addr / link / route / neigh, brief forms) and net-tools' `arp -a`,
// field by field as iproute2 6.x prints them, trailing spaces included.

import { type Addr, fmtAddr, fmtPrefix } from '../addr.ts';
import type { Host } from '../host.ts';
import type { IfAddr, Iface } from '../iface.ts';
import { fmtMac } from '../mac.ts';
import type { NeighEntry } from '../neigh.ts';
import { RT_PROTOS, RT_SCOPES, RT_TABLES, type Route } from '../route.ts';

export function ifName(dev: Iface): string {
  if (dev.kind !== 'veth' || !dev.peer) return dev.name;
  return dev.peer.host === dev.host ? `${dev.name}@${dev.peer.name}` : `${dev.name}@if${dev.peer.index}`;
}

function linkHeader(dev: Iface, link: boolean): string {
  let s = `${dev.index}: ${ifName(dev)}: <${dev.flagWords().join(',')}> mtu ${dev.mtu} qdisc ${dev.qdisc} state ${dev.operState} `;
  if (link) s += 'mode DEFAULT ';
  s += 'group default ';
  if (dev.qlen > 0) s += `qlen ${dev.qlen}`;
  return s;
}

function linkLine(dev: Iface): string {
  if (dev.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  let s = `    link/ether ${fmtMac(dev.mac)} brd ff:ff:ff:ff:ff:ff`;
  if (dev.linkNetns) s += ` ${dev.linkNetns}`;
  return s;
}

function detailLines(dev: Iface): string[] {
  if (dev.kind === 'veth') return ['    veth '];
  if (dev.kind === 'dummy') return ['    dummy '];
  if (dev.tunnel) {
    const t = dev.tunnel;
    if (dev.kind === 'vxlan') {
      return [`    vxlan ${t.external ? 'external ' : `id ${t.vni ?? 0} `}${t.remote !== undefined ? `remote ${fmtAddr(t.remote)} ` : ''}dstport ${t.port} `];
    }
    return [`    geneve ${t.external ? 'external ' : `id ${t.vni ?? 0} `}${t.remote !== undefined ? `remote ${fmtAddr(t.remote)} ` : ''}dstport ${t.port} `];
  }
  return [];
}

/** `valid_lft`/`preferred_lft` of an address, counting down a DHCP lease renewed at half-time. */
function lifetimes(a: IfAddr, now: number): string {
  if (!a.lease) return '       valid_lft forever preferred_lft forever';
  const half = (a.lease.seconds * 1000) / 2;
  const sinceRenew = (now - a.lease.start) % half;
  const left = Math.max(0, Math.floor((a.lease.seconds * 1000 - sinceRenew) / 1000));
  return `       valid_lft ${left}sec preferred_lft ${left}sec`;
}

function addrLine(dev: Iface, a: IfAddr): string {
  const v4 = typeof a.addr === 'number';
  let s = `    ${v4 ? 'inet' : 'inet6'} ${fmtAddr(a.addr)}/${a.len} `;
  if (a.metric !== undefined) s += `metric ${a.metric} `;
  if (v4 && a.brd !== undefined) s += `brd ${fmtAddr(a.brd)} `;
  s += `scope ${RT_SCOPES[a.scope] ?? a.scope} `;
  if (a.lease) s += 'dynamic ';
  if (a.noprefixroute) s += 'noprefixroute ';
  if (v4) s += a.label ?? dev.name;
  return s;
}

export interface AddrFilter {
  family?: 4 | 6;
  dev?: Iface;
  up?: boolean;
}

function selectAddrs(dev: Iface, f: AddrFilter): IfAddr[] {
  const v4 = dev.v4Addrs();
  const v6 = dev.v6Addrs();
  if (f.family === 4) return v4;
  if (f.family === 6) return v6;
  return [...v4, ...v6];
}

function devices(host: Host, f: AddrFilter): Iface[] {
  return host.ifaceList().filter((d) => (!f.dev || d === f.dev) && (!f.up || d.adminUp));
}

/** `ip addr [show [dev X]]`. */
export function formatAddrShow(host: Host, f: AddrFilter): string[] {
  const out: string[] = [];
  const now = host.net.clock.now();
  for (const dev of devices(host, f)) {
    const addrs = selectAddrs(dev, f);
    if (f.family !== undefined && addrs.length === 0) continue;
    out.push(linkHeader(dev, false));
    // with -4/-6 iproute2 skips the link/ether line but keeps the altnames
    if (f.family === undefined) out.push(linkLine(dev));
    for (const alt of dev.altnames) out.push(`    altname ${alt}`);
    for (const a of addrs) {
      out.push(addrLine(dev, a));
      out.push(lifetimes(a, now));
    }
  }
  return out;
}

/** `ip -br addr`: name (16), state (14), then every address. */
export function formatAddrBrief(host: Host, f: AddrFilter): string[] {
  const out: string[] = [];
  for (const dev of devices(host, f)) {
    const addrs = selectAddrs(dev, f);
    if (f.family !== undefined && addrs.length === 0) continue;
    let s = `${ifName(dev).padEnd(16)} ${dev.operState.padEnd(14)} `;
    for (const a of addrs) s += `${fmtAddr(a.addr)}/${a.len} ${a.metric !== undefined ? `metric ${a.metric} ` : ''}`;
    out.push(s);
  }
  return out;
}

/** `ip link [show [dev X]]`. */
export function formatLinkShow(host: Host, f: AddrFilter, details = false): string[] {
  const out: string[] = [];
  for (const dev of devices(host, f)) {
    out.push(linkHeader(dev, true));
    out.push(linkLine(dev));
    if (details) out.push(...detailLines(dev));
    for (const alt of dev.altnames) out.push(`    altname ${alt}`);
  }
  return out;
}

export function formatLinkBrief(host: Host, f: AddrFilter): string[] {
  return devices(host, f).map(
    (dev) => `${ifName(dev).padEnd(16)} ${dev.operState.padEnd(14)} ${fmtMac(dev.mac)} <${dev.flagWords().join(',')}> `,
  );
}

export function protoName(p: number): string {
  return RT_PROTOS[p] ?? String(p);
}

export function tableName(t: number): string {
  return RT_TABLES[t] ?? String(t);
}

/** One route as `ip route` prints it (one line, or several for multipath). */
export function formatRoute(r: Route, opts: { showTable?: boolean } = {}): string[] {
  const v6 = typeof r.dst.addr === 'bigint';
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += r.dst.len === 0 ? 'default ' : `${fmtPrefix(r.dst)} `;
  if (r.nhid !== undefined) s += `nhid ${r.nhid} `;
  const single = r.nexthops.length === 1 ? r.nexthops[0] : undefined;
  if (single) {
    if (single.gw !== undefined) s += `via ${fmtAddr(single.gw)} `;
    s += `dev ${single.dev.name} `;
  }
  if (opts.showTable && r.table !== 254) s += `table ${tableName(r.table)} `;
  if (r.protocol !== 3) s += `proto ${protoName(r.protocol)} `;
  if (r.scope !== 0) s += `scope ${RT_SCOPES[r.scope] ?? r.scope} `;
  if (r.prefsrc !== undefined) s += `src ${fmtAddr(r.prefsrc)} `;
  if (r.metric !== 0 || v6) s += `metric ${r.metric} `;
  if (single?.onlink) s += 'onlink ';
  if (single && !single.dev.carrier && single.dev.kind !== 'loopback') s += 'linkdown ';
  if (r.mtu !== undefined) s += `mtu ${r.mtu} `;
  if (v6 && r.pref) s += `pref ${r.pref}`;
  const lines = [s];
  if (!single) {
    for (const nh of r.nexthops) {
      let l = '\tnexthop ';
      if (nh.gw !== undefined) l += `via ${fmtAddr(nh.gw)} `;
      l += `dev ${nh.dev.name} weight ${nh.weight} `;
      if (nh.onlink) l += 'onlink ';
      if (!nh.dev.carrier) l += 'linkdown ';
      lines.push(l);
    }
  }
  return lines;
}

/** `ip neigh` lines (IPv4 entries first, like the kernel's table order). */
export function formatNeigh(entries: NeighEntry[], filter: { family?: 4 | 6; dev?: Iface }): string[] {
  const pick = (fam: 4 | 6) =>
    entries.filter((e) => (typeof e.ip === 'number') === (fam === 4) && (!filter.dev || e.dev === filter.dev));
  const list = filter.family === 4 ? pick(4) : filter.family === 6 ? pick(6) : [...pick(4), ...pick(6)];
  return list.map((e) => {
    let s = `${fmtAddr(e.ip)} dev ${e.dev.name} `;
    if (e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED') s += `lladdr ${fmtMac(e.mac)} `;
    if (e.router) s += 'router ';
    return `${s}${e.state} `;
  });
}

/** net-tools `arp -a`: `? (IP) at MAC [ether] on DEV`, `<incomplete>` for unresolved entries. */
export function formatArpA(entries: NeighEntry[], filterIp?: Addr): string[] {
  return entries
    .filter((e) => typeof e.ip === 'number' && (filterIp === undefined || e.ip === filterIp))
    .map((e) => {
      const resolved = e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED';
      const hw = resolved ? `${fmtMac(e.mac!)} [ether]${e.state === 'PERMANENT' ? ' PERM' : ''}` : '<incomplete>';
      return `? (${fmtAddr(e.ip)}) at ${hw} on ${e.dev.name}`;
    });
}
