// bgpd's show commands in FRR 8.4's layouts (bgpd/bgp_route.c, bgp_vty.c): the table, the
// summary, one prefix in detail, neighbors, advertised and received routes, and their json.

import { formatCIDR, parseCIDR } from '../../netaddr/cidr.ts';
import { parseIP } from '../../netaddr/ip.ts';
import type { Speaker } from '../speaker.ts';
import { type PathView, type PeerStatus, type RouteView, adjRibIn, adjRibOut, locRib, lookup, peerStatus } from '../views.ts';
import { type PathAttrs, formatAsPath, formatCommunity, formatLargeCommunity } from '../wire/attributes.ts';
import { AsPathSegment, type FamilyKey, WellKnownCommunity } from '../wire/constants.ts';
import { notificationText } from '../wire/errors.ts';
import { ctime, frrUptime, padLeft } from './format.ts';
import { type Json, plain, pretty } from './json.ts';
import { ribNodeCount } from './rib-count.ts';

/** What the show commands need to know about the router around the speaker. */
export interface BgpShowContext {
  speaker: Speaker;
  hostname: string;
  now(): number;
  /** Configured neighbors (addresses) in configuration order. */
  neighbors(): string[];
  peerGroupOf(addr: string): string | undefined;
  peerGroupCount(): number;
  /** Families the neighbor is activated for. */
  activated(addr: string): FamilyKey[];
  /** RFC 8212 keeps this neighbor's routes out (no route-map in that direction). */
  policyBlocked(addr: string, f: FamilyKey, dir: 'in' | 'out'): boolean;
  multipathRelax: boolean;
  /** Configured timers as FRR reports them (seconds). */
  configuredTimers(addr: string): { hold: number; keepalive: number; connectRetry: number };
  gracefulRestart: { enabled: boolean; restartTime: number; stalePathTime: number };
}

const HEADER_CODES = `Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,
               i internal, r RIB-failure, S Stale, R Removed
Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self
Origin codes:  i - IGP, e - EGP, ? - incomplete
RPKI validation codes: V valid, I invalid, N Not found
`;

const ORIGIN_CODE = ['i', 'e', '?'];
const ORIGIN_NAME = ['IGP', 'EGP', 'incomplete'];
const BYTES_PER_NODE = 192; // sizeof(struct bgp_dest) in 8.4
const PEER_BYTES = 741464; // sizeof(struct peer): "724 KiB" per peer
const GROUP_BYTES = 64;

function familyName(f: FamilyKey): string {
  return f === 'ipv4-unicast' ? 'IPv4 Unicast' : 'IPv6 Unicast';
}

function familyJsonKey(f: FamilyKey): string {
  return f === 'ipv4-unicast' ? 'ipv4Unicast' : 'ipv6Unicast';
}

function tableHeader(ctx: BgpShowContext, f: FamilyKey): string {
  const sp = ctx.speaker;
  return `BGP table version is ${sp.tables[f].version}, local router ID is ${sp.routerIdText}, vrf id 0
Default local pref ${sp.decision.defaultLocalPref}, local AS ${sp.asn}
${HEADER_CODES}
   Network          Next Hop            Metric LocPrf Weight Path
`;
}

function statusCodes(p: PathView): string {
  const s1 = p.stale ? 'S' : p.valid ? '*' : ' ';
  const s2 = p.best ? '>' : p.multipath ? '=' : ' ';
  const s3 = p.kind === 'ibgp' ? 'i' : ' ';
  return s1 + s2 + s3;
}

/** One line of the table (route_vty_out): status, prefix (17), next hop (16), metric, locprf, weight, path, origin. */
function routeLine(p: PathView, showPrefix: boolean): string {
  let out = statusCodes(p);
  if (showPrefix) {
    const pad = 17 - p.prefix.length;
    out += pad < 1 ? `${p.prefix}\n${' '.repeat(20)}` : p.prefix + ' '.repeat(pad);
  } else {
    out += ' '.repeat(17);
  }
  const nh = p.nextHop;
  const nhPad = 16 - nh.length;
  out += nhPad < 1 ? `${nh}\n${' '.repeat(36)}` : nh + ' '.repeat(nhPad);
  const a = p.attrs;
  out += a.med >= 0 ? padLeft(a.med, 10) : ' '.repeat(10);
  out += a.localPref >= 0 ? padLeft(a.localPref, 7) : ' '.repeat(7);
  out += `${padLeft(p.weight, 7)} `;
  const path = formatAsPath(a.asPath);
  if (path) out += `${path} `;
  out += ORIGIN_CODE[a.origin] ?? '?';
  return out;
}

/** `show ip bgp`, `show bgp ipv6`: every route of the family. */
export function showTable(ctx: BgpShowContext, f: FamilyKey): string {
  const routes = locRib(ctx.speaker, f);
  if (routes.length === 0) return 'No BGP prefixes displayed, 0 exist\n';
  let out = tableHeader(ctx, f);
  let paths = 0;
  for (const r of routes) {
    r.paths.forEach((p, i) => {
      out += `${routeLine(p, i === 0)}\n`;
      paths++;
    });
  }
  return `${out}\nDisplayed  ${routes.length} routes and ${paths} total paths\n`;
}

function nexthopJson(ctx: BgpShowContext, p: PathView, f: FamilyKey, detail: boolean): Json {
  const nh: { [k: string]: Json } = { ip: p.nextHop, hostname: hostnameOf(ctx, p) };
  nh.afi = f === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
  if (f === 'ipv6-unicast') nh.scope = 'global';
  if (detail) {
    nh.metric = 0;
    nh.accessible = p.valid || p.peer === '';
  }
  nh.used = true;
  return [nh];
}

function hostnameOf(ctx: BgpShowContext, p: PathView): string {
  if (p.peer === '') return ctx.hostname;
  return peerStatus(ctx.speaker, p.peer)?.hostname ?? p.peer;
}

function pathJsonPlain(ctx: BgpShowContext, r: RouteView, p: PathView, f: FamilyKey): Json {
  const o: { [k: string]: Json } = {};
  if (p.stale) o.stale = true;
  if (p.valid) o.valid = true;
  if (p.best) {
    o.bestpath = true;
    o.selectionReason = r.reason;
  } else if (p.multipath) {
    o.multipath = true;
  }
  o.pathFrom = p.kind === 'ibgp' ? 'internal' : 'external';
  const c = parseCIDR(r.prefix)!;
  o.prefix = r.prefix.slice(0, r.prefix.indexOf('/'));
  o.prefixLen = c.prefixLen;
  o.network = r.prefix;
  o.version = r.version;
  if (p.attrs.med >= 0) o.metric = p.attrs.med;
  if (p.attrs.localPref >= 0) o.locPrf = p.attrs.localPref;
  o.weight = p.weight;
  o.peerId = p.peer === '' ? '(unspec)' : p.peer;
  o.path = formatAsPath(p.attrs.asPath);
  o.origin = ORIGIN_NAME[p.attrs.origin] ?? 'incomplete';
  o.nexthops = nexthopJson(ctx, p, f, false);
  return o;
}

/** `show ip bgp json`: FRR prints this one partly by hand, routes as plain json. */
export function showTableJson(ctx: BgpShowContext, f: FamilyKey): string {
  const sp = ctx.speaker;
  const routes = locRib(sp, f);
  let out = `{\n "vrfId": 0,\n "vrfName": "default",\n "tableVersion": ${sp.tables[f].version},\n "routerId": "${sp.routerIdText}",\n "defaultLocPrf": ${sp.decision.defaultLocalPref},\n "localAS": ${sp.asn},\n "routes": { `;
  out += routes.map((r) => `"${r.prefix}": ${plain(r.paths.map((p) => pathJsonPlain(ctx, r, p, f)))}`).join('\n,');
  return `${out}\n }  } \n`;
}

// ---------------------------------------------------------------- summary

function ribCount(sp: Speaker, f: FamilyKey): number {
  const keys = locRib(sp, f).map((r) => {
    const c = parseCIDR(r.prefix)!;
    return { addr: c.addr, len: c.prefixLen };
  });
  return ribNodeCount(keys, f === 'ipv4-unicast' ? 32 : 128);
}

function summaryPeers(ctx: BgpShowContext, f: FamilyKey): PeerStatus[] {
  const out: PeerStatus[] = [];
  for (const a of ctx.neighbors()) {
    if (!ctx.activated(a).includes(f)) continue;
    const st = peerStatus(ctx.speaker, a);
    if (st) out.push(st);
  }
  for (const k of ctx.speaker.peerKeys()) {
    const st = peerStatus(ctx.speaker, k);
    if (st?.dynamic && ctx.activated(k).includes(f)) out.push(st);
  }
  return out;
}

function negotiated(st: PeerStatus, ctx: BgpShowContext, f: FamilyKey): boolean {
  return ctx.speaker.peerRuntime(st.address)?.session.negotiated?.families.includes(f) ?? false;
}

function stateText(st: PeerStatus): string {
  if (st.shutdown) return 'Idle (Admin)';
  return st.state;
}

/** The two counters columns: State/PfxRcd and PfxSnt. */
function counters(ctx: BgpShowContext, st: PeerStatus, f: FamilyKey): [string, string] {
  if (st.state !== 'Established') return [stateText(st), '0'];
  if (!negotiated(st, ctx, f)) return ['NoNeg', 'NoNeg'];
  const fc = st.families.find((x) => x.family === f);
  const rcd = ctx.policyBlocked(st.address, f, 'in') ? '(Policy)' : String(fc?.accepted ?? 0);
  const snt = ctx.policyBlocked(st.address, f, 'out') ? '(Policy)' : String(fc?.advertised ?? 0);
  return [rcd, snt];
}

function peerName(st: PeerStatus): string {
  return st.dynamic ? `*${st.address}` : st.address;
}

function summaryBlock(ctx: BgpShowContext, f: FamilyKey, peers: PeerStatus[]): string {
  const sp = ctx.speaker;
  const rib = ribCount(sp, f);
  const groups = ctx.peerGroupCount();
  let out = `\n${familyName(f)} Summary (VRF default):\n`;
  out += `BGP router identifier ${sp.routerIdText}, local AS number ${sp.asn} vrf-id 0\n`;
  out += `BGP table version ${sp.tables[f].version}\n`;
  out += `RIB entries ${rib}, using ${rib * BYTES_PER_NODE} bytes of memory\n`;
  out += `Peers ${peers.length}, using ${Math.floor((peers.length * PEER_BYTES) / 1024)} KiB of memory\n`;
  if (groups > 0) out += `Peer groups ${groups}, using ${groups * GROUP_BYTES} bytes of memory\n`;
  out += '\nNeighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc\n';
  for (const st of peers) {
    const name = peerName(st);
    out += name.length >= 16 ? `${name}\n${' '.repeat(16)}` : name.padEnd(16);
    out += `4 ${padLeft(st.peerAs, 10)} ${padLeft(st.messagesIn, 9)} ${padLeft(st.messagesOut, 9)} ${padLeft(0, 8)} ${padLeft(0, 4)} ${padLeft(0, 4)} `;
    out += padLeft(frrUptime(st.stateSince, ctx.now()), 8);
    const [rcd, snt] = counters(ctx, st, f);
    out += ` ${padLeft(rcd, 12)} ${padLeft(snt, 8)} ${st.description?.slice(0, 20) ?? 'N/A'}\n`;
  }
  return `${out}\nTotal number of neighbors ${peers.length}\n`;
}

/** `show ip bgp summary` (one family) and `show bgp summary` (every family with peers). */
export function showSummary(ctx: BgpShowContext, families: FamilyKey[], explicit: boolean): string {
  if (ctx.neighbors().length === 0 && ctx.speaker.peerKeys().length === 0) return '% No BGP neighbors found in VRF default\n';
  let out = '';
  for (const f of families) {
    const peers = summaryPeers(ctx, f);
    if (peers.length === 0) {
      if (explicit) out += `No ${familyName(f)} neighbor is configured\n`;
      continue;
    }
    out += summaryBlock(ctx, f, peers);
  }
  return out;
}

function summaryJsonFamily(ctx: BgpShowContext, f: FamilyKey, peers: PeerStatus[]): Json {
  const sp = ctx.speaker;
  const rib = ribCount(sp, f);
  const groups = ctx.peerGroupCount();
  const peersJson: { [k: string]: Json } = {};
  let failed = 0;
  for (const st of peers) {
    const p: { [k: string]: Json } = {};
    if (st.hostname) p.hostname = st.hostname;
    p.remoteAs = st.peerAs;
    p.localAs = st.localAs;
    p.version = 4;
    p.msgRcvd = st.messagesIn;
    p.msgSent = st.messagesOut;
    p.tableVersion = 0;
    p.outq = 0;
    p.inq = 0;
    p.peerUptime = frrUptime(st.stateSince, ctx.now());
    p.peerUptimeMsec = st.stateSince > 0 ? Math.floor((ctx.now() - st.stateSince) / 1000) * 1000 : 0;
    const up = st.state === 'Established';
    if (up) p.peerUptimeEstablishedEpoch = Math.floor(st.stateSince / 1000);
    const neg = up && negotiated(st, ctx, f);
    const fc = st.families.find((x) => x.family === f);
    p.pfxRcd = neg ? (fc?.accepted ?? 0) : 0;
    p.pfxSnt = neg ? (fc?.advertised ?? 0) : 0;
    p.state = st.shutdown ? 'Idle (Admin)' : st.state;
    p.peerState = st.shutdown ? 'Admin' : ctx.policyBlocked(st.address, f, 'in') ? 'Policy' : 'OK';
    p.connectionsEstablished = st.stats.established;
    p.connectionsDropped = st.stats.dropped;
    p.idType = st.address.includes(':') ? 'ipv6' : 'ipv4';
    if (!neg) failed++;
    peersJson[peerName(st)] = p;
  }
  const o: { [k: string]: Json } = {
    routerId: sp.routerIdText,
    as: sp.asn,
    vrfId: 0,
    vrfName: 'default',
    tableVersion: sp.tables[f].version,
    ribCount: rib,
    ribMemory: rib * BYTES_PER_NODE,
    peerCount: peers.length,
    peerMemory: peers.length * PEER_BYTES,
  };
  if (groups > 0) {
    o.peerGroupCount = groups;
    o.peerGroupMemory = groups * GROUP_BYTES;
  }
  o.peers = peersJson;
  o.failedPeers = failed;
  o.displayedPeers = peers.length;
  o.totalPeers = peers.length;
  o.dynamicPeers = peers.filter((p) => p.dynamic).length;
  if (ctx.multipathRelax) o.bestPath = { multiPathRelax: 'true' };
  return o;
}

export function showSummaryJson(ctx: BgpShowContext, families: FamilyKey[]): string {
  const parts: string[] = [];
  for (const f of families) {
    const peers = summaryPeers(ctx, f);
    if (peers.length === 0) continue;
    parts.push(`"${familyJsonKey(f)}":${pretty(summaryJsonFamily(ctx, f, peers))}`);
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------- one prefix

function advertisedTo(ctx: BgpShowContext, r: RouteView): string[] {
  const out: string[] = [];
  for (const a of ctx.speaker.peerKeys()) {
    if (adjRibOut(ctx.speaker, a, r.family).some((x) => x.prefix === r.prefix)) out.push(a);
  }
  return out;
}

function communityText(c: number): string {
  const names: Record<number, string> = {
    [WellKnownCommunity.NO_EXPORT]: 'no-export',
    [WellKnownCommunity.NO_ADVERTISE]: 'no-advertise',
    [WellKnownCommunity.NO_EXPORT_SUBCONFED]: 'local-AS',
    [WellKnownCommunity.NO_PEER]: 'no-peer',
    [WellKnownCommunity.BLACKHOLE]: 'blackhole',
    [WellKnownCommunity.GRACEFUL_SHUTDOWN]: 'graceful-shutdown',
    [WellKnownCommunity.ACCEPT_OWN]: 'accept-own',
    [WellKnownCommunity.LLGR_STALE]: 'llgr-stale',
    [WellKnownCommunity.NO_LLGR]: 'no-llgr',
  };
  return names[c] ?? formatCommunity(c);
}

function largeText(l: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < l.length; i += 3) out.push(formatLargeCommunity(l, i));
  return out;
}

function originLine(r: RouteView, p: PathView): string {
  const a = p.attrs;
  let s = `Origin ${ORIGIN_NAME[a.origin] ?? 'incomplete'}`;
  if (a.med >= 0) s += `, metric ${a.med}`;
  if (a.localPref >= 0) s += `, localpref ${a.localPref}`;
  if (p.weight !== 0) s += `, weight ${p.weight}`;
  if (p.valid) s += ', valid';
  if (p.kind === 'local') s += ', sourced, local';
  else s += p.kind === 'ibgp' ? ', internal' : ', external';
  if (p.multipath) s += ', multipath';
  if (p.best) s += `, best (${r.reason})`;
  return s;
}

function detail(ctx: BgpShowContext, r: RouteView): string {
  const sp = ctx.speaker;
  const bestIdx = r.paths.findIndex((p) => p.best);
  let out = `BGP routing table entry for ${r.prefix}, version ${r.version}\n`;
  out += `Paths: (${r.paths.length} available, ${bestIdx >= 0 ? `best #${bestIdx + 1}` : 'no best path'}, table default)\n`;
  const adv = advertisedTo(ctx, r);
  out += adv.length > 0 ? `  Advertised to non peer-group peers:\n  ${adv.join(' ')}\n` : '  Not advertised to any peer\n';
  for (const p of r.paths) {
    const path = formatAsPath(p.attrs.asPath);
    out += `  ${path === '' ? 'Local' : path}${p.stale ? ', (stale)' : ''}\n`;
    const from = p.peer === '' ? (r.family === 'ipv4-unicast' ? '0.0.0.0' : '::') : p.peer;
    const rid = p.peer === '' ? sp.routerIdText : p.peerRouterId;
    const inaccessible = p.accepted && !p.valid && p.peer !== '' ? ' (inaccessible)' : '';
    out += `    ${p.nextHop}${inaccessible} from ${from} (${rid})\n`;
    out += `      ${originLine(r, p)}\n`;
    if (p.attrs.communities?.length) out += `      Community: ${p.attrs.communities.map(communityText).join(' ')}\n`;
    if (p.attrs.largeCommunities?.length) out += `      Large Community: ${largeText(p.attrs.largeCommunities).join(' ')}\n`;
    out += `      Last update: ${ctime(p.since)}\n`;
  }
  return out;
}

function aspathJson(a: PathAttrs): Json {
  const segType = (t: number) =>
    t === AsPathSegment.AS_SET ? 'as-set' : t === AsPathSegment.AS_CONFED_SEQUENCE ? 'as-confed-sequence' : t === AsPathSegment.AS_CONFED_SET ? 'as-confed-set' : 'as-sequence';
  let length = 0;
  for (const s of a.asPath) length += s.type === AsPathSegment.AS_SEQUENCE ? s.asns.length : s.type === AsPathSegment.AS_SET ? 1 : 0;
  return { string: formatAsPath(a.asPath) || 'Local', segments: a.asPath.map((s) => ({ type: segType(s.type), list: s.asns })), length };
}

function detailJson(ctx: BgpShowContext, r: RouteView): string {
  const sp = ctx.speaker;
  const adv: { [k: string]: Json } = {};
  for (const a of advertisedTo(ctx, r)) {
    const h = peerStatus(sp, a)?.hostname;
    adv[a] = h ? { hostname: h } : {};
  }
  const paths: Json[] = r.paths.map((p) => {
    const o: { [k: string]: Json } = { aspath: aspathJson(p.attrs), origin: ORIGIN_NAME[p.attrs.origin] ?? 'incomplete' };
    if (p.attrs.med >= 0) o.metric = p.attrs.med;
    if (p.attrs.localPref >= 0) o.locPrf = p.attrs.localPref;
    if (p.weight !== 0) o.weight = p.weight;
    if (p.valid) o.valid = true;
    if (p.stale) o.stale = true;
    if (p.kind === 'local') {
      o.sourced = true;
      o.local = true;
    }
    o.version = r.version;
    if (p.multipath) o.multipath = true;
    if (p.best) o.bestpath = { overall: true, selectionReason: r.reason };
    if (p.attrs.communities?.length) {
      const list = p.attrs.communities.map(communityText);
      o.community = { string: list.join(' '), list };
    }
    if (p.attrs.largeCommunities?.length) {
      const list = largeText(p.attrs.largeCommunities);
      o.largeCommunity = { string: list.join(' '), list };
    }
    o.lastUpdate = { epoch: Math.floor(p.since / 1000), string: `${ctime(p.since)}\n` };
    o.nexthops = nexthopJson(ctx, p, r.family, true);
    if (p.peer === '') o.peer = { peerId: r.family === 'ipv4-unicast' ? '0.0.0.0' : '::', routerId: sp.routerIdText };
    else {
      const peer: { [k: string]: Json } = { peerId: p.peer, routerId: p.peerRouterId };
      const h = peerStatus(sp, p.peer)?.hostname;
      if (h) peer.hostname = h;
      peer.type = p.kind === 'ibgp' ? 'internal' : 'external';
      o.peer = peer;
    }
    return o;
  });
  return `${pretty({ prefix: r.prefix, version: r.version, advertisedTo: adv, paths })}\n`;
}

/**
 * `show ip bgp A.B.C.D[/M]`: a prefix is looked up exactly, an address by longest match.
 */
export function showPrefix(ctx: BgpShowContext, f: FamilyKey, arg: string, json: boolean): string {
  let r: RouteView | undefined;
  if (arg.includes('/')) {
    const c = parseCIDR(arg);
    r = c ? locRib(ctx.speaker, f, formatCIDR(c))[0] : undefined;
  } else if (parseIP(arg)) {
    r = lookup(ctx.speaker, f, arg);
  }
  if (!r) return json ? '{}\n' : '% Network not in table\n';
  return json ? detailJson(ctx, r) : detail(ctx, r);
}

// ---------------------------------------------------------------- neighbor routes

/** `show ip bgp neighbors X advertised-routes` / `routes` / `received-routes`. */
export function showNeighborRoutes(ctx: BgpShowContext, addr: string, f: FamilyKey, kind: 'advertised' | 'routes' | 'received'): string {
  const sp = ctx.speaker;
  if (!sp.peerRuntime(addr)) return `% No such neighbor or address family\n`;
  if (kind === 'advertised') {
    const adv = adjRibOut(sp, addr, f);
    if (adv.length === 0) return '';
    let out = tableHeader(ctx, f);
    for (const a of adv) {
      const p: PathView = {
        prefix: a.prefix,
        family: f,
        peer: '',
        kind: 'ebgp',
        best: true,
        multipath: false,
        stale: false,
        accepted: true,
        valid: true,
        nextHop: a.nextHop,
        attrs: a.attrs,
        attrsIn: a.attrs,
        pathId: 0,
        since: 0,
        peerRouterId: '',
        peerAs: 0,
        weight: 0,
      };
      out += `${routeLine(p, true)}\n`;
    }
    return `${out}\nTotal number of prefixes ${adv.length}\n`;
  }
  const paths = adjRibIn(sp, addr, f, kind === 'routes');
  if (paths.length === 0) return '';
  let out = tableHeader(ctx, f);
  for (const p of paths) out += `${routeLine(p, true)}\n`;
  const total = locRib(sp, f).reduce((n, r) => n + r.paths.length, 0);
  return `${out}\nDisplayed  ${paths.length} routes and ${total} total paths\n`;
}

// ---------------------------------------------------------------- neighbors

function capLine(adv: boolean, rcv: boolean): string {
  return adv && rcv ? 'advertised and received' : adv ? 'advertised' : 'received';
}

function neighborText(ctx: BgpShowContext, st: PeerStatus): string {
  const sp = ctx.speaker;
  const rt = sp.peerRuntime(st.address)!;
  const neg = rt.session.negotiated;
  const now = ctx.now();
  const group = ctx.peerGroupOf(st.address);
  const timers = ctx.configuredTimers(st.address);
  let out = `BGP neighbor is ${st.dynamic ? '*' : ''}${st.address}, remote AS ${st.peerAs}, local AS ${sp.asn}, ${st.ebgp ? 'external' : 'internal'} link\n`;
  out += '  Local Role: undefined\n  Remote Role: undefined\n';
  if (st.hostname) out += `Hostname: ${st.hostname}\n`;
  if (group) out += ` Member of peer-group ${group} for session parameters\n`;
  out += `  BGP version 4, remote router ID ${st.peerRouterId}, local router ID ${sp.routerIdText}\n`;
  out += `  BGP state = ${stateText(st)}`;
  if (st.state === 'Established') out += `, up for ${frrUptime(st.stateSince, now)}`;
  out += '\n';
  if (st.state === 'Established') {
    out += `  Hold time is ${st.holdTime} seconds, keepalive interval is ${st.keepalive} seconds\n`;
  }
  out += `  Configured hold time is ${timers.hold} seconds, keepalive interval is ${timers.keepalive} seconds\n`;
  if (neg) {
    const caps = neg.caps;
    out += '  Neighbor capabilities:\n';
    out += `    4 Byte AS: ${capLine(true, caps.as4 !== undefined)}\n`;
    out += `    Extended Message: ${capLine(true, caps.extendedMessage)}\n`;
    out += `    Route refresh: ${caps.routeRefresh ? 'advertised and received(new)' : 'advertised'}\n`;
    out += `    Enhanced Route Refresh: ${capLine(true, caps.enhancedRouteRefresh)}\n`;
    for (const f of rt.config.families) out += `    Address Family ${familyName(f)}: ${capLine(true, caps.families.has(f))}\n`;
    out += `    Hostname Capability: advertised (name: ${ctx.hostname},domain name: n/a)`;
    out += caps.hostname ? ` received (name: ${caps.hostname},domain name: ${caps.domain || 'n/a'})\n` : ' not received\n';
    const gr = caps.gracefulRestart;
    out += `    Graceful Restart Capability: ${capLine(ctx.gracefulRestart.enabled, gr !== undefined)}\n`;
    if (gr) {
      out += `      Remote Restart timer is ${gr.restartTime} seconds\n      Address families by peer:\n`;
      for (const [f, fwd] of gr.forwarding) out += `        ${familyName(f)}(${fwd ? 'preserved' : 'not preserved'})\n`;
    }
  }
  const s = st.stats;
  out += '  Message statistics:\n    Inq depth is 0\n    Outq depth is 0\n                         Sent       Rcvd\n';
  const row = (name: string, a: number, b: number) => `    ${name.padEnd(14)}${padLeft(a, 10)} ${padLeft(b, 10)}\n`;
  out += row('Opens:', s.opensOut, s.opensIn);
  out += row('Notifications:', s.notificationsOut, s.notificationsIn);
  out += row('Updates:', s.updatesOut, s.updatesIn);
  out += row('Keepalives:', s.keepalivesOut, s.keepalivesIn);
  out += row('Route Refresh:', s.refreshOut, s.refreshIn);
  out += row('Capability:', 0, 0);
  out += row('Total:', st.messagesOut, st.messagesIn);
  out += '  Minimum time between advertisement runs is 0 seconds\n';
  for (const fc of st.families) {
    out += `\n For address family: ${familyName(fc.family)}\n`;
    if (group) out += `  ${group} peer-group member\n`;
    out += `  ${fc.accepted} accepted prefixes\n`;
  }
  out += `\n  Connections established ${s.established}; dropped ${s.dropped}\n`;
  if (st.lastResetAt > 0) out += `  Last reset ${frrUptime(st.lastResetAt, now)},  ${st.lastReset}\n`;
  else out += '  Last reset never\n';
  const n = st.lastNotificationIn ?? st.lastNotificationOut;
  if (n && st.lastResetAt > 0) {
    const dir = st.lastNotificationIn ? 'received from' : 'sent to';
    out += `  Notification ${dir} neighbor: ${notificationText(n.code, n.subcode)}\n`;
  }
  if (st.ebgp) out += '  External BGP neighbor may be up to 1 hops away.\n';
  if (st.state === 'Established') {
    out += `Local host: ${st.localAddress}, Local port: ${st.localPort}\n`;
    out += `Foreign host: ${st.address}, Foreign port: ${st.remotePort}\n`;
  }
  out += `BGP Connect Retry Timer in Seconds: ${timers.connectRetry}\n`;
  if (st.state !== 'Established') out += `Next connect timer due in ${timers.connectRetry} seconds\n`;
  return `${out}\n`;
}

function neighborJson(ctx: BgpShowContext, st: PeerStatus): Json {
  const sp = ctx.speaker;
  const rt = sp.peerRuntime(st.address)!;
  const neg = rt.session.negotiated;
  const now = ctx.now();
  const timers = ctx.configuredTimers(st.address);
  const o: { [k: string]: Json } = { remoteAs: st.peerAs, localAs: sp.asn, nbrExternalLink: st.ebgp };
  if (!st.ebgp) o.nbrInternalLink = true;
  o.localRole = 'undefined';
  o.remoteRole = 'undefined';
  if (st.hostname) o.hostname = st.hostname;
  const group = ctx.peerGroupOf(st.address);
  if (group) o.peerGroup = group;
  o.bgpVersion = 4;
  o.remoteRouterId = st.peerRouterId;
  o.localRouterId = sp.routerIdText;
  o.bgpState = st.state;
  if (st.state === 'Established') {
    o.bgpTimerUpMsec = Math.floor((now - st.stateSince) / 1000) * 1000;
    o.bgpTimerUpString = frrUptime(st.stateSince, now);
    o.bgpTimerUpEstablishedEpoch = Math.floor(st.stateSince / 1000);
  }
  o.bgpTimerConfiguredHoldTimeMsecs = timers.hold * 1000;
  o.bgpTimerConfiguredKeepAliveIntervalMsecs = timers.keepalive * 1000;
  if (st.state === 'Established') {
    o.bgpTimerHoldTimeMsecs = st.holdTime * 1000;
    o.bgpTimerKeepAliveIntervalMsecs = st.keepalive * 1000;
  }
  if (neg) {
    const caps = neg.caps;
    const both = (r: boolean) => (r ? 'advertisedAndReceived' : 'advertised');
    const mp: { [k: string]: Json } = {};
    for (const f of rt.config.families) mp[familyJsonKey(f)] = caps.families.has(f) ? { advertisedAndReceived: true } : { advertised: true };
    const nc: { [k: string]: Json } = {
      '4byteAs': both(caps.as4 !== undefined),
      extendedMessage: both(caps.extendedMessage),
      routeRefresh: caps.routeRefresh ? 'advertisedAndReceivedNew' : 'advertised',
      enhancedRouteRefresh: both(caps.enhancedRouteRefresh),
      multiprotocolExtensions: mp,
      hostName: { advHostName: ctx.hostname, advDomainName: 'n/a', rcvHostName: caps.hostname ?? 'n/a', rcvDomainName: caps.domain || 'n/a' },
    };
    if (caps.gracefulRestart) {
      nc.gracefulRestart = ctx.gracefulRestart.enabled ? 'advertisedAndReceived' : 'received';
      nc.gracefulRestartRemoteTimerMsecs = caps.gracefulRestart.restartTime * 1000;
    }
    o.neighborCapabilities = nc;
  }
  const s = st.stats;
  o.messageStats = {
    depthInq: 0,
    depthOutq: 0,
    opensSent: s.opensOut,
    opensRecv: s.opensIn,
    notificationsSent: s.notificationsOut,
    notificationsRecv: s.notificationsIn,
    updatesSent: s.updatesOut,
    updatesRecv: s.updatesIn,
    keepalivesSent: s.keepalivesOut,
    keepalivesRecv: s.keepalivesIn,
    routeRefreshSent: s.refreshOut,
    routeRefreshRecv: s.refreshIn,
    capabilitySent: 0,
    capabilityRecv: 0,
    totalSent: st.messagesOut,
    totalRecv: st.messagesIn,
  };
  o.minBtwnAdvertisementRunsTimerMsecs = 0;
  const afi: { [k: string]: Json } = {};
  for (const fc of st.families) {
    const a: { [k: string]: Json } = {};
    if (group) a.peerGroupMember = group;
    a.acceptedPrefixCounter = fc.accepted;
    a.sentPrefixCounter = fc.advertised;
    afi[familyJsonKey(fc.family)] = a;
  }
  o.addressFamilyInfo = afi;
  o.connectionsEstablished = s.established;
  o.connectionsDropped = s.dropped;
  if (st.lastResetAt > 0) {
    o.lastResetTimerMsecs = Math.floor((now - st.lastResetAt) / 1000) * 1000;
    o.lastResetDueTo = st.lastReset;
  }
  const n = st.lastNotificationIn ?? st.lastNotificationOut;
  if (n) {
    o.lastNotificationReason = notificationText(n.code, n.subcode);
    o.lastErrorCodeSubcode = `${String(n.code).padStart(2, '0')}${String(n.subcode).padStart(2, '0')}`;
    if (n.shutdownMessage !== undefined) o.lastShutdownDescription = n.shutdownMessage;
  }
  if (st.ebgp) o.externalBgpNbrMaxHopsAway = 1;
  if (st.state === 'Established') {
    o.hostLocal = st.localAddress ?? '';
    o.portLocal = st.localPort ?? 0;
    o.hostForeign = st.address;
    o.portForeign = st.remotePort ?? 0;
  }
  o.connectRetryTimer = timers.connectRetry;
  return o;
}

/** `show ip bgp neighbors [X] [json]`. */
export function showNeighbors(ctx: BgpShowContext, addr: string | undefined, json: boolean): string {
  const sp = ctx.speaker;
  const list = addr === undefined ? [...ctx.neighbors(), ...sp.peerKeys().filter((k) => peerStatus(sp, k)?.dynamic)] : [addr];
  const sts = list.map((a) => peerStatus(sp, a)).filter((x): x is PeerStatus => x !== undefined);
  if (addr !== undefined && sts.length === 0) return json ? `${pretty({ bgpNoSuchNeighbor: true })}\n` : `% No such neighbor in this view/vrf\n`;
  if (json) {
    const o: { [k: string]: Json } = {};
    for (const st of sts) o[st.address] = neighborJson(ctx, st);
    return `${pretty(o, true)}\n`;
  }
  return sts.map((st) => neighborText(ctx, st)).join('');
}
