// `ip` (iproute2): link, addr, route, neigh, rule — show and change, with iproute2's error lines.

import { type Addr, fmtAddr, isV4, parseAddr, parseIfAddr, parsePrefix } from '../addr.ts';
import type { ExecContext } from '../exec.ts';
import { type Host, HostError } from '../host.ts';
import type { Iface } from '../iface.ts';
import { parseMac } from '../mac.ts';
import type { NudState } from '../neigh.ts';
import {
  type NextHop,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  type Route,
  RouteError,
  type RouteType,
  protoNumber,
  routeMatches,
  scopeNumber,
  tableNumber,
} from '../route.ts';
import {
  type AddrFilter,
  formatAddrBrief,
  formatAddrShow,
  formatLinkBrief,
  formatLinkShow,
  formatNeigh,
  formatRoute,
  tableName,
} from './ipfmt.ts';

class IpError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface GlobalOpts {
  family?: 4 | 6;
  brief: boolean;
  details: boolean;
}

const OBJECTS: [string, string][] = [
  ['link', 'l'],
  ['address', 'a'],
  ['route', 'r'],
  ['neighbour', 'n'],
  ['neighbor', 'neigh'],
  ['rule', 'ru'],
];

/** iproute2 matches objects and commands by prefix (`ip a s`, `ip r g`). */
function matchWord(word: string, full: string, min = 1): boolean {
  return word.length >= min && full.startsWith(word);
}

function objectOf(word: string): string | undefined {
  if (word === 'addr') return 'address';
  if (word === 'neigh' || word === 'neighbor') return 'neighbour';
  for (const [full] of OBJECTS) if (matchWord(word, full)) return full === 'neighbor' ? 'neighbour' : full;
  return undefined;
}

export async function ipCommand(ctx: ExecContext): Promise<number> {
  const args = ctx.argv.slice(1);
  const g: GlobalOpts = { brief: false, details: false };
  while (args.length > 0 && args[0]!.startsWith('-')) {
    const o = args.shift()!;
    if (o === '-4') g.family = 4;
    else if (o === '-6') g.family = 6;
    else if (o === '-br' || o === '-brief') g.brief = true;
    else if (o === '-d' || o === '-details') g.details = true;
    else if (o === '-c' || o === '-color' || o.startsWith('--color') || o.startsWith('-color=') || o === '-s' || o === '-stats' || o === '-n') continue;
    else if (o === '-o' || o === '-oneline') continue;
    else if (o === '-f' || o === '-family') {
      const fam = args.shift();
      g.family = fam === 'inet' ? 4 : fam === 'inet6' ? 6 : undefined;
    } else {
      ctx.stderr.write(`Option "${o}" is unknown, try "ip -help".\n`);
      return 255;
    }
  }
  const objWord = args.shift();
  if (!objWord) {
    ctx.stderr.write(USAGE);
    return 255;
  }
  const obj = objectOf(objWord);
  if (!obj) {
    ctx.stderr.write(`Object "${objWord}" is unknown, try "ip help".\n`);
    return 1;
  }
  try {
    const lines = run(ctx.host, obj, args, g);
    for (const l of lines) ctx.stdout.write(`${l}\n`);
    return 0;
  } catch (e) {
    if (e instanceof IpError) {
      ctx.stderr.write(`${e.message}\n`);
      return e.code;
    }
    if (e instanceof RouteError || e instanceof HostError) {
      ctx.stderr.write(`${e.message.startsWith('RTNETLINK') || e.message.startsWith('Error') ? e.message : `RTNETLINK answers: ${e.message}`}\n`);
      return 2;
    }
    throw e;
  }
}

const USAGE =
  'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | link | neighbour | route | rule }\n       OPTIONS := { -4 | -6 | -br[ief] | -c[olor] | -d[etails] }\n';

function run(host: Host, obj: string, args: string[], g: GlobalOpts): string[] {
  switch (obj) {
    case 'link':
      return link(host, args, g);
    case 'address':
      return address(host, args, g);
    case 'route':
      return route(host, args, g);
    case 'neighbour':
      return neigh(host, args, g);
    default:
      return rule(args, g.family);
  }
}

function devByName(host: Host, name: string | undefined, show: boolean): Iface {
  if (name === undefined) throw new IpError('Not enough information: "dev" argument is required.');
  const dev = host.iface(name);
  if (!dev) throw new IpError(show ? `Device "${name}" does not exist.` : `Cannot find device "${name}"`, show ? 1 : 1);
  return dev;
}

/** Reads `show [dev] X [up]` filters. */
function showFilter(host: Host, args: string[], g: GlobalOpts): AddrFilter {
  const f: AddrFilter = { family: g.family };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') f.dev = devByName(host, args[++i], true);
    else if (a === 'up') f.up = true;
    else f.dev = devByName(host, a, true);
  }
  return f;
}

function isShow(cmd: string | undefined): boolean {
  return cmd === undefined || matchWord(cmd, 'show') || matchWord(cmd, 'list') || cmd === 'ls' || cmd === 'lst';
}

// ---- link ----------------------------------------------------------------------------------

function link(host: Host, args: string[], g: GlobalOpts): string[] {
  const cmd = args[0];
  if (isShow(cmd)) {
    const f = showFilter(host, args.slice(1), { ...g, family: undefined });
    return g.brief ? formatLinkBrief(host, f) : formatLinkShow(host, f, g.details);
  }
  const rest = args.slice(1);
  if (matchWord(cmd!, 'set')) {
    let i = 0;
    if (rest[i] === 'dev') i++;
    const dev = devByName(host, rest[i++], false);
    for (; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === 'up') host.setLinkUp(dev, true);
      else if (w === 'down') host.setLinkUp(dev, false);
      else if (w === 'mtu') {
        const n = Number(rest[++i]);
        if (!Number.isInteger(n) || n < 68 || n > 65535) throw new IpError(`Error: argument "${rest[i]}" is wrong: Invalid "mtu" value`);
        dev.mtu = n;
      } else if (w === 'address') {
        const m = parseMac(rest[++i] ?? '');
        if (m === undefined) throw new IpError(`"${rest[i]}" is invalid lladdr.`);
        host.setMac(dev, m);
      } else if (w === 'name') host.renameIface(dev, rest[++i] ?? '');
      else throw new IpError(`Error: either "dev" is duplicate, or "${w}" is a garbage.`);
    }
    return [];
  }
  if (matchWord(cmd!, 'add')) {
    let name: string | undefined;
    let type: string | undefined;
    let peer: string | undefined;
    const tun: { vni?: number; port?: number; remote?: Addr; external?: boolean } = {};
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === 'name' || w === 'dev') name = rest[++i];
      else if (w === 'type') type = rest[++i];
      else if (w === 'peer') {
        if (rest[i + 1] === 'name') i++;
        peer = rest[++i];
      } else if (w === 'id' || w === 'vni') tun.vni = Number(rest[++i]);
      else if (w === 'dstport') tun.port = Number(rest[++i]);
      else if (w === 'remote') tun.remote = parseAddr(rest[++i] ?? '');
      else if (w === 'external') tun.external = true;
      else if (name === undefined) name = w;
    }
    if (!name) throw new IpError('Not enough information: "dev" argument is required.');
    if (type === 'dummy') host.net.addDummy(host, name, { up: false });
    else if (type === 'veth') host.net.addVeth(host, name, host, peer ?? `veth${host.ifaces.size}`, { up: false });
    else if (type === 'vxlan' || type === 'geneve') {
      const dev = host.net.addTunnel(host, name, type, {
        port: tun.port ?? (type === 'vxlan' ? 4789 : 6081),
        external: tun.external ?? tun.vni === undefined,
        vni: tun.vni,
        remote: tun.remote,
      });
      dev.qlen = 0;
    } else throw new IpError(`Error: Unknown device type.`, 2);
    return [];
  }
  if (matchWord(cmd!, 'delete')) {
    const i = rest[0] === 'dev' ? 1 : 0;
    host.removeIface(devByName(host, rest[i], false));
    return [];
  }
  throw new IpError(`Command "${cmd}" is unknown, try "ip link help".`, 255);
}

// ---- address -------------------------------------------------------------------------------

function address(host: Host, args: string[], g: GlobalOpts): string[] {
  const cmd = args[0];
  if (isShow(cmd)) {
    const f = showFilter(host, args.slice(1), g);
    return g.brief ? formatAddrBrief(host, f) : formatAddrShow(host, f);
  }
  const rest = args.slice(1);
  if (matchWord(cmd!, 'flush')) {
    const f = showFilter(host, rest, g);
    if (!f.dev) throw new IpError('Flush requires arguments.');
    for (const a of [...f.dev.addrs]) {
      if (f.family !== undefined && (typeof a.addr === 'number') !== (f.family === 4)) continue;
      if (a.secondary) continue;
      host.delAddress(f.dev, { addr: a.addr, len: a.len });
    }
    return [];
  }
  const add = matchWord(cmd!, 'add') || cmd === 'replace' || cmd === 'change';
  if (!add && !matchWord(cmd!, 'delete')) throw new IpError(`Command "${cmd}" is unknown, try "ip address help".`, 255);
  let prefix: { addr: Addr; len: number } | undefined;
  let dev: Iface | undefined;
  let brd: number | 'auto' | undefined;
  let label: string | undefined;
  let scope: number | undefined;
  let metric: number | undefined;
  let noprefixroute = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === 'dev') dev = devByName(host, rest[++i], false);
    else if (w === 'brd' || w === 'broadcast') {
      const v = rest[++i] ?? '';
      if (v === '+') brd = 'auto';
      else {
        const b = parseAddr(v);
        if (b === undefined || !isV4(b)) throw new IpError(`Error: inet address is expected rather than "${v}".`);
        brd = b;
      }
    } else if (w === 'label') label = rest[++i];
    else if (w === 'scope') {
      scope = scopeNumber(rest[++i] ?? '');
      if (scope === undefined) throw new IpError(`Error: argument "${rest[i]}" is wrong: invalid scope value.`);
    } else if (w === 'metric' || w === 'priority') metric = Number(rest[++i]);
    else if (w === 'noprefixroute') noprefixroute = true;
    else if (w === 'local') prefix = parseLocal(rest[++i]);
    else prefix = parseLocal(w);
  }
  if (!prefix) throw new IpError('Not enough information: "local" argument is required.');
  if (!dev) throw new IpError('Not enough information: "dev" argument is required.');
  if (!add) {
    host.delAddress(dev, prefix);
    return [];
  }
  host.addAddress(dev, prefix, {
    brd: typeof brd === 'number' ? brd : undefined,
    brdAuto: brd === 'auto',
    label,
    scope: scope ?? (typeof prefix.addr === 'number' && prefix.addr >>> 24 === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE),
    metric,
    noprefixroute,
  });
  return [];
}

function parseLocal(text: string | undefined): { addr: Addr; len: number } {
  const t = text ?? '';
  const p = t.includes('/') ? parseIfAddr(t) : parsePrefix(t);
  if (!p) throw new IpError(`Error: any valid prefix is expected rather than "${t}".`);
  return p;
}

// ---- route ---------------------------------------------------------------------------------

const ROUTE_TYPES: RouteType[] = ['unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit', 'throw'];

interface RouteSpec {
  type: RouteType;
  dst: { addr: Addr; len: number } | undefined;
  table: number | undefined;
  protocol: number | undefined;
  scope: number | undefined;
  metric: number | undefined;
  prefsrc: Addr | undefined;
  mtu: number | undefined;
  nexthops: { gw?: Addr; dev?: Iface; weight: number; onlink: boolean }[];
  nhid: number | undefined;
  all: boolean;
}

function parseRouteArgs(host: Host, args: string[], family: 4 | 6 | undefined, forShow: boolean): RouteSpec {
  const spec: RouteSpec = {
    type: 'unicast',
    dst: undefined,
    table: undefined,
    protocol: undefined,
    scope: undefined,
    metric: undefined,
    prefsrc: undefined,
    mtu: undefined,
    nexthops: [],
    nhid: undefined,
    all: false,
  };
  let cur: RouteSpec['nexthops'][number] | undefined;
  const nh = () => {
    if (!cur) {
      cur = { weight: 1, onlink: false };
      spec.nexthops.push(cur);
    }
    return cur;
  };
  let typed = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const val = () => {
      const v = args[++i];
      if (v === undefined) throw new IpError(`Command line is not complete. Try option "help"`);
      return v;
    };
    switch (w) {
      case 'via': {
        let v = val();
        if (v === 'inet' || v === 'inet6') v = val();
        const a = parseAddr(v);
        if (a === undefined) throw new IpError(`Error: inet address is expected rather than "${v}".`);
        nh().gw = a;
        break;
      }
      case 'dev':
      case 'oif':
        nh().dev = devByName(host, val(), false);
        break;
      case 'weight':
        nh().weight = Number(val());
        break;
      case 'onlink':
        nh().onlink = true;
        break;
      case 'nexthop':
        cur = undefined;
        nh();
        break;
      case 'proto':
      case 'protocol': {
        const v = val();
        spec.protocol = protoNumber(v);
        if (spec.protocol === undefined) throw new IpError(`Error: argument "${v}" is wrong: "protocol" value is invalid`);
        break;
      }
      case 'metric':
      case 'priority':
      case 'preference': {
        const v = val();
        if (!/^\d+$/.test(v)) throw new IpError(`Error: argument "${v}" is wrong: "metric" value is invalid`);
        spec.metric = Number(v);
        break;
      }
      case 'table': {
        const v = val();
        if (v === 'all') spec.all = true;
        else {
          spec.table = tableNumber(v);
          if (spec.table === undefined) throw new IpError(`Error: argument "${v}" is wrong: "table" value is invalid`);
        }
        break;
      }
      case 'src': {
        const v = val();
        spec.prefsrc = parseAddr(v);
        if (spec.prefsrc === undefined) throw new IpError(`Error: inet address is expected rather than "${v}".`);
        break;
      }
      case 'scope': {
        const v = val();
        spec.scope = scopeNumber(v);
        if (spec.scope === undefined) throw new IpError(`Error: argument "${v}" is wrong: invalid scope value.`);
        break;
      }
      case 'mtu': {
        let v = val();
        if (v === 'lock') v = val();
        spec.mtu = Number(v);
        break;
      }
      case 'nhid':
        spec.nhid = Number(val());
        break;
      case 'root':
      case 'match':
      case 'exact':
      case 'to':
        spec.dst = routePrefix(val(), family);
        break;
      default:
        if (!typed && ROUTE_TYPES.includes(w as RouteType) && spec.dst === undefined) {
          spec.type = w as RouteType;
          typed = true;
        } else if (spec.dst === undefined) spec.dst = routePrefix(w, family);
        else if (!forShow) throw new IpError(`Error: either "to" is duplicate, or "${w}" is a garbage.`);
    }
  }
  return spec;
}

function routePrefix(text: string, family: 4 | 6 | undefined): { addr: Addr; len: number } {
  const p = parsePrefix(text, family ?? 4);
  if (!p) throw new IpError(`Error: ${family === 6 ? 'inet6' : 'inet'} prefix is expected rather than "${text}".`);
  return p;
}

function route(host: Host, args: string[], g: GlobalOpts): string[] {
  const cmd = args[0];
  const rest = args.slice(1);
  if (cmd === undefined || isShow(cmd) || (cmd !== undefined && !isRouteVerb(cmd) && !cmd.startsWith('-'))) {
    return routeShow(host, isShow(cmd) ? rest : args, g);
  }
  if (matchWord(cmd, 'get')) return routeGet(host, rest, g);
  if (matchWord(cmd, 'flush')) {
    const spec = parseRouteArgs(host, rest, g.family, true);
    if (rest[0] === 'cache') return [];
    const table = host.table(spec.table ?? RT_TABLE_MAIN);
    table.deleteWhere(
      (r) =>
        (g.family === undefined || (typeof r.dst.addr === 'number') === (g.family === 4)) &&
        (spec.nexthops[0]?.dev === undefined || r.nexthops.some((n) => n.dev === spec.nexthops[0]!.dev)) &&
        (spec.protocol === undefined || r.protocol === spec.protocol),
    );
    return [];
  }
  const spec = parseRouteArgs(host, rest, g.family, false);
  if (!spec.dst) throw new IpError('Error: inet prefix is expected rather than "".');
  const v6 = typeof spec.dst.addr === 'bigint';
  if (matchWord(cmd, 'delete')) {
    const match: Partial<Route> & { dst: Route['dst'] } = { dst: spec.dst };
    if (spec.metric !== undefined) match.metric = spec.metric;
    if (spec.protocol !== undefined) match.protocol = spec.protocol;
    if (spec.type !== 'unicast') match.type = spec.type;
    const want = spec.nexthops[0];
    const table = host.table(spec.table ?? (spec.type === 'local' || spec.type === 'broadcast' ? RT_TABLE_LOCAL : RT_TABLE_MAIN));
    const victim = table
      .exact(spec.dst)
      .find(
        (r) =>
          routeMatches(r, match) &&
          (!want || r.nexthops.some((nh) => (want.gw === undefined || nh.gw === want.gw) && (want.dev === undefined || nh.dev === want.dev))),
      );
    if (!victim) throw new RouteError('ESRCH', 'RTNETLINK answers: No such process');
    table.remove(victim);
    return [];
  }
  const mode = matchWord(cmd, 'add') ? 'add' : cmd === 'replace' || cmd === 'change' ? 'replace' : cmd === 'append' ? 'append' : undefined;
  if (!mode) throw new IpError(`Command "${cmd}" is unknown, try "ip route help".`, 255);
  const nexthops: NextHop[] = spec.nexthops.map((n) => {
    const dev = n.dev ?? devForGateway(host, n.gw);
    if (!dev) throw new RouteError('ENETUNREACH', 'RTNETLINK answers: Network is unreachable');
    return { gw: n.gw, dev, weight: n.weight, onlink: n.onlink || undefined };
  });
  const special = spec.type !== 'unicast' && spec.type !== 'local' && spec.type !== 'broadcast';
  if (nexthops.length === 0 && !special) throw new IpError('Error: Device for nexthop is not up.', 2);
  const hasGw = nexthops.some((n) => n.gw !== undefined);
  const r: Route = {
    table: spec.table ?? (spec.type === 'local' || spec.type === 'broadcast' ? RT_TABLE_LOCAL : RT_TABLE_MAIN),
    type: spec.type,
    dst: spec.dst,
    protocol: spec.protocol ?? 3,
    scope:
      spec.scope ??
      (spec.type === 'local' ? RT_SCOPE_HOST : !hasGw && spec.type === 'unicast' && nexthops.length > 0 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE),
    metric: spec.metric ?? (v6 ? 1024 : 0),
    prefsrc: spec.prefsrc,
    nexthops,
    nhid: spec.nhid,
    mtu: spec.mtu,
    pref: v6 ? 'medium' : undefined,
  };
  if (spec.prefsrc !== undefined && !host.isLocal(spec.prefsrc)) {
    throw new IpError('Error: Invalid prefsrc address.', 2);
  }
  host.addRoute(r, mode);
  return [];
}

function isRouteVerb(w: string): boolean {
  return ['add', 'del', 'delete', 'replace', 'change', 'append', 'get', 'flush', 'show', 'list', 'ls'].some((v) => v.startsWith(w) && w.length >= 1);
}

/** The device a bare `via` gateway is reached through (like the kernel's nexthop check). */
function devForGateway(host: Host, gw: Addr | undefined): Iface | undefined {
  if (gw === undefined) return undefined;
  const r = host.table(RT_TABLE_MAIN).lookup(gw, (x) => x.type === 'unicast' && x.nexthops.some((n) => n.gw === undefined));
  return r?.nexthops[0]?.dev;
}

function routeShow(host: Host, args: string[], g: GlobalOpts): string[] {
  const spec = parseRouteArgs(host, args, g.family, true);
  const family = g.family ?? (spec.dst && typeof spec.dst.addr === 'bigint' ? 6 : 4);
  const tables = spec.all ? [...host.tables.keys()].sort((a, b) => b - a) : [spec.table ?? RT_TABLE_MAIN];
  const dev = spec.nexthops[0]?.dev;
  const out: string[] = [];
  const tableOrder = spec.all ? [RT_TABLE_MAIN, ...tables.filter((t) => t !== RT_TABLE_MAIN)] : tables;
  for (const t of tableOrder) {
    for (const r of host.table(t).list(family)) {
      if (spec.dst && (r.dst.addr !== spec.dst.addr || r.dst.len !== spec.dst.len)) continue;
      if (dev && !r.nexthops.some((n) => n.dev === dev)) continue;
      if (spec.protocol !== undefined && r.protocol !== spec.protocol) continue;
      if (spec.scope !== undefined && r.scope !== spec.scope) continue;
      const lines = formatRoute(r, { showTable: t !== RT_TABLE_MAIN });
      if (dev) lines[0] = lines[0]!.replace(` dev ${dev.name} `, ' ');
      out.push(...lines);
    }
  }
  return out;
}

function routeGet(host: Host, args: string[], g: GlobalOpts): string[] {
  let dst: Addr | undefined;
  let from: Addr | undefined;
  let iif: Iface | undefined;
  let oif: Iface | undefined;
  let sport = 0;
  let dport = 0;
  let proto = 0;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'from') from = parseAddrOrThrow(args[++i], g.family);
    else if (w === 'iif') iif = devByName(host, args[++i], false);
    else if (w === 'oif') oif = devByName(host, args[++i], false);
    else if (w === 'sport') sport = Number(args[++i]);
    else if (w === 'dport') dport = Number(args[++i]);
    else if (w === 'ipproto') proto = Number(protoOf(args[++i]));
    else if (w === 'to') dst = parseAddrOrThrow(args[++i], g.family);
    else if (w === 'mark' || w === 'uid' || w === 'tos' || w === 'vrf') i++;
    else if (w === 'fibmatch' || w === 'connected') continue;
    else dst = parseAddrOrThrow(w, g.family);
  }
  if (dst === undefined) throw new IpError('need at least a destination address');
  const res = host.stack.lookupRoute(dst, { oif, src: from, flow: { src: from ?? 0, dst, proto, sport, dport } });
  if (res instanceof RouteError) {
    throw new IpError(`RTNETLINK answers: ${res.message}`, 2);
  }
  const r = res.route;
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += `${fmtAddr(dst)} `;
  if (from !== undefined) s += `from ${fmtAddr(from)} `;
  const local = r.type === 'local' || r.type === 'broadcast';
  const gw = res.nh?.gw;
  // a gateway that is one of our own addresses is not a gateway (nh scope host)
  if (gw !== undefined && !host.isLocal(gw) && !local) s += `via ${fmtAddr(gw)} `;
  s += `dev ${local && r.type === 'local' ? 'lo' : (res.nh?.dev.name ?? 'lo')} `;
  if (r.table !== RT_TABLE_MAIN) s += `table ${tableName(r.table)} `;
  if (iif === undefined && res.src !== undefined) s += `src ${fmtAddr(res.src)} `;
  if (iif === undefined) s += 'uid 0 ';
  let cache = '    cache ';
  if (r.type === 'local') cache += '<local> ';
  else if (r.type === 'broadcast') cache += '<local,brd> ';
  if (r.mtu !== undefined) cache += `mtu ${r.mtu} `;
  if (iif !== undefined) cache += `iif ${iif.name} `;
  return [s, cache];
}

function protoOf(v: string | undefined): number {
  if (v === 'tcp') return 6;
  if (v === 'udp') return 17;
  if (v === 'icmp') return 1;
  return Number(v ?? 0);
}

function parseAddrOrThrow(text: string | undefined, family: 4 | 6 | undefined): Addr {
  const a = parseAddr(text ?? '');
  if (a === undefined || (family !== undefined && isV4(a) !== (family === 4))) {
    throw new IpError(`Error: ${family === 6 ? 'inet6' : 'inet'} prefix is expected rather than "${text ?? ''}".`);
  }
  return a;
}

// ---- neigh ---------------------------------------------------------------------------------

const NUD: Record<string, NudState> = {
  permanent: 'PERMANENT',
  reachable: 'REACHABLE',
  stale: 'STALE',
  noarp: 'NOARP',
  delay: 'DELAY',
  probe: 'PROBE',
  failed: 'FAILED',
  incomplete: 'INCOMPLETE',
};

function neigh(host: Host, args: string[], g: GlobalOpts): string[] {
  const cmd = args[0];
  const rest = args.slice(1);
  if (isShow(cmd)) {
    let dev: Iface | undefined;
    for (let i = 0; i < rest.length; i++) if (rest[i] === 'dev') dev = devByName(host, rest[++i], true);
    return formatNeigh(host.neigh.list(), { family: g.family, dev });
  }
  if (matchWord(cmd!, 'flush')) {
    let dev: Iface | undefined;
    for (let i = 0; i < rest.length; i++) if (rest[i] === 'dev') dev = devByName(host, rest[++i], false);
    if (!dev && !rest.includes('all')) throw new IpError('Flush requires arguments.');
    for (const d of dev ? [dev] : host.ifaceList()) host.neigh.flushDev(d);
    return [];
  }
  let ip: Addr | undefined;
  let dev: Iface | undefined;
  let mac: number | undefined;
  let state: NudState = 'PERMANENT';
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === 'dev') dev = devByName(host, rest[++i], false);
    else if (w === 'lladdr') {
      mac = parseMac(rest[++i] ?? '');
      if (mac === undefined) throw new IpError(`"${rest[i]}" is invalid lladdr.`);
    } else if (w === 'nud') {
      const s = NUD[rest[++i] ?? ''];
      if (!s) throw new IpError(`Error: argument "${rest[i]}" is wrong: nud state is bad`);
      state = s;
    } else if (w === 'to' || w === 'proxy') ip = parseAddrOrThrow(rest[++i], g.family);
    else ip = parseAddrOrThrow(w, g.family);
  }
  if (ip === undefined || !dev) throw new IpError('Device and destination are required arguments.');
  if (matchWord(cmd!, 'delete')) {
    if (!host.neigh.delete(dev, ip)) throw new RouteError('ESRCH', 'RTNETLINK answers: No such file or directory');
    return [];
  }
  if (cmd === 'add' && host.neigh.get(dev, ip)) throw new RouteError('EEXIST', 'RTNETLINK answers: File exists');
  if (cmd !== 'add' && cmd !== 'replace' && cmd !== 'change') throw new IpError(`Command "${cmd}" is unknown, try "ip neigh help".`, 255);
  host.neigh.set(dev, ip, mac, state);
  return [];
}

// ---- rule ----------------------------------------------------------------------------------

/** Only the kernel's default rules exist (no policy routing in the emulation). */
function rule(args: string[], family: 4 | 6 | undefined): string[] {
  if (!isShow(args[0])) throw new IpError('Error: policy routing rules other than the defaults are not supported here.', 2);
  const rules = ['0:\tfrom all lookup local', '32766:\tfrom all lookup main'];
  return family === 6 ? rules : [...rules, '32767:\tfrom all lookup default'];
}
