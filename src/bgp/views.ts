// Read-only views of a speaker: peer status, Loc-RIB, Adj-RIB-In (pre/post policy), Adj-RIB-Out.
// These allocate per route and are meant for show commands and status reports, not hot paths.

import { parseCIDR } from '../netaddr/cidr.ts';
import { formatIPv4Number } from '../netaddr/ip.ts';
import { reasonText, SourceKind } from './rib/decision.ts';
import { PathFlag, type RibTable } from './rib/table.ts';
import { type Speaker, nextHopText, prefixText } from './speaker.ts';
import type { PathAttrs } from './wire/attributes.ts';
import type { FamilyKey } from './wire/constants.ts';
import type { SessionState, SessionStats } from './fsm/session.ts';
import type { Notification } from './wire/notification.ts';

export interface PathView {
  prefix: string;
  family: FamilyKey;
  /** Peer address, or '' for a locally originated path. */
  peer: string;
  kind: 'local' | 'ebgp' | 'ibgp';
  best: boolean;
  multipath: boolean;
  stale: boolean;
  /** Accepted by import policy. */
  accepted: boolean;
  /** Accepted and usable (next hop reachable, network present): may be selected. */
  valid: boolean;
  nextHop: string;
  /** Attributes after import policy (or as received when rejected). */
  attrs: PathAttrs;
  /** Attributes as received (Adj-RIB-In pre-policy). */
  attrsIn: PathAttrs;
  pathId: number;
  /** When the path was last updated (ms since the epoch). */
  since: number;
  peerRouterId: string;
  peerAs: number;
  weight: number;
}

export interface RouteView {
  prefix: string;
  family: FamilyKey;
  /** Table version of the last change (FRR's per-prefix version). */
  version: number;
  /** Why the best path won, FRR's wording ("Router ID", "First path received"...). */
  reason: string;
  /** Paths in list order (newest first, as FRR prints them). */
  paths: PathView[];
}

function pathView(sp: Speaker, t: RibTable, f: FamilyKey, p: number): PathView {
  const d = t.pDest[p]!;
  const src = t.pSrc[p]!;
  const s = sp.sources[src]!;
  const post = t.pAttr[p]!;
  const attrsIn = sp.store.get(t.pAttrIn[p]!).attrs;
  const attrs = post >= 0 ? sp.store.get(post).attrs : attrsIn;
  const flags = t.pFlags[p]!;
  return {
    prefix: prefixText(t, d),
    family: f,
    peer: src === 0 ? '' : sp.peerKeyOfSource(src),
    kind: s.kind === SourceKind.LOCAL ? 'local' : s.kind === SourceKind.EBGP ? 'ebgp' : 'ibgp',
    best: t.dBest[d] === p,
    // FRR counts the best path as a multipath member too once there is a multipath set
    multipath: (flags & PathFlag.MULTIPATH) !== 0 || (t.dBest[d] === p && t.dMultipath[d] === 1),
    stale: (flags & PathFlag.STALE) !== 0,
    accepted: post >= 0,
    valid: post >= 0 && (flags & PathFlag.UNUSABLE) === 0,
    nextHop: nextHopText(f, attrs),
    attrs,
    attrsIn,
    pathId: t.pId[p]!,
    since: t.pTime[p]! * 1000,
    peerRouterId: formatIPv4Number(s.routerId),
    peerAs: s.peerAs,
    weight: s.weight,
  };
}

/** The destination's paths that import policy accepted (rejected ones live only in Adj-RIB-In). */
function routeOf(sp: Speaker, t: RibTable, f: FamilyKey, d: number): RouteView | undefined {
  const paths: PathView[] = [];
  for (let p = t.dHead[d]!; p >= 0; p = t.pNext[p]!) if (t.pAttr[p]! >= 0) paths.push(pathView(sp, t, f, p));
  if (paths.length === 0) return undefined;
  return { prefix: prefixText(t, d), family: f, version: t.dVersion[d]!, reason: reasonText(t.dReason[d]!), paths };
}

/** Loc-RIB: every destination with an accepted path, in address order (or just `prefix`). */
export function locRib(sp: Speaker, f: FamilyKey, prefix?: string): RouteView[] {
  const t = sp.tables[f];
  const dests = prefix === undefined ? t.sortedDests() : [findDest(t, prefix)].filter((d) => d >= 0 && t.dHead[d] !== -1);
  const out: RouteView[] = [];
  for (const d of dests) {
    const r = routeOf(sp, t, f, d);
    if (r) out.push(r);
  }
  return out;
}

/** The most specific destination covering `addr` (a host address), as `show ip bgp A.B.C.D` finds it. */
export function lookup(sp: Speaker, f: FamilyKey, addr: string): RouteView | undefined {
  const bits = f === 'ipv4-unicast' ? 32 : 128;
  const c = parseCIDR(`${addr}/${bits}`);
  if (!c) return undefined;
  const t = sp.tables[f];
  for (let len = bits; len >= 0; len--) {
    const shift = BigInt(bits - len);
    const net = (c.addr >> shift) << shift;
    const d = f === 'ipv4-unicast' ? t.find4(Number(net), len) : t.find6(net, len);
    const r = d >= 0 && t.dHead[d] !== -1 ? routeOf(sp, t, f, d) : undefined;
    if (r) return r;
  }
  return undefined;
}

function findDest(t: RibTable, prefix: string): number {
  const c = parseCIDR(prefix);
  if (!c || (c.family === 4) !== (t.family === 4)) return -1;
  return t.family === 4 ? t.find4(Number(c.addr), c.prefixLen) : t.find6(c.addr, c.prefixLen);
}

/** Adj-RIB-In of one peer: everything received (pre-policy) or only what import policy accepted. */
export function adjRibIn(sp: Speaker, peer: string, f: FamilyKey, postPolicy: boolean): PathView[] {
  const rt = sp.peerRuntime(peer);
  if (!rt) return [];
  const t = sp.tables[f];
  const out: PathView[] = [];
  t.forEachPath((p) => {
    if (postPolicy && t.pAttr[p]! < 0) return;
    out.push(pathView(sp, t, f, p));
  }, rt.source);
  return out.sort((a, b) => comparePrefixText(a.prefix, b.prefix));
}

export interface AdvertisedView {
  prefix: string;
  family: FamilyKey;
  nextHop: string;
  attrs: PathAttrs;
}

/** Adj-RIB-Out of one peer: what was advertised, with the attributes as sent. */
export function adjRibOut(sp: Speaker, peer: string, f: FamilyKey): AdvertisedView[] {
  const rt = sp.peerRuntime(peer);
  const a = rt?.adjOut.get(f);
  if (!a) return [];
  const t = sp.tables[f];
  const out: AdvertisedView[] = [];
  for (let d = 0; d < a.out.length; d++) {
    const o = a.out[d]!;
    if (o === 0) continue;
    const attrs = sp.store.get(o - 1).attrs;
    out.push({ prefix: prefixText(t, d), family: f, nextHop: nextHopText(f, attrs), attrs });
  }
  return out.sort((x, y) => comparePrefixText(x.prefix, y.prefix));
}

function comparePrefixText(a: string, b: string): number {
  const x = parseCIDR(a)!;
  const y = parseCIDR(b)!;
  if (x.family !== y.family) return x.family - y.family;
  return x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.prefixLen - y.prefixLen;
}

export interface FamilyCounts {
  family: FamilyKey;
  /** Paths received from the peer, before import policy (Cilium's "Received"). */
  received: number;
  /** Paths accepted by import policy (FRR's PfxRcd). */
  accepted: number;
  /** Prefixes advertised to the peer (FRR's PfxSnt, Cilium's "Advertised"). */
  advertised: number;
}

export interface PeerStatus {
  address: string;
  port: number;
  /** Configured remote AS (0 = any), or external / internal. */
  remoteAs: number | 'external' | 'internal';
  /** The AS the peer announced (0 before the first OPEN). */
  peerAs: number;
  localAs: number;
  state: SessionState;
  /** Administratively down. */
  shutdown: boolean;
  /** ms since the epoch when the state last entered or left Established (0 = never). */
  stateSince: number;
  peerRouterId: string;
  localAddress: string | undefined;
  localPort: number | undefined;
  remotePort: number | undefined;
  configuredHoldTime: number;
  configuredKeepalive: number;
  holdTime: number;
  keepalive: number;
  families: FamilyCounts[];
  stats: SessionStats;
  /** Total messages in and out (OPEN, UPDATE, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH). */
  messagesIn: number;
  messagesOut: number;
  lastReset: string;
  lastResetAt: number;
  lastError: string;
  lastNotificationIn: Notification | undefined;
  lastNotificationOut: Notification | undefined;
  gracefulRestart: { peerRestartTime: number | undefined; stale: boolean };
  policyMissingIn: boolean;
  policyMissingOut: boolean;
  description: string | undefined;
  ebgp: boolean;
  dynamic: boolean;
  /** The peer's hostname capability (FQDN), when sent. */
  hostname: string | undefined;
}

export function peerStatus(sp: Speaker, peer: string): PeerStatus | undefined {
  const rt = sp.peerRuntime(peer);
  if (!rt) return undefined;
  const s = rt.session;
  const neg = s.negotiated;
  const c = s.connection;
  const st = s.stats;
  const families: FamilyCounts[] = rt.config.families.map((f) => ({
    family: f,
    received: sp.tables[f].srcPaths[rt.source] ?? 0,
    accepted: sp.tables[f].srcAccepted[rt.source] ?? 0,
    advertised: rt.adjOut.get(f)?.count ?? 0,
  }));
  const remoteAs = rt.config.asn;
  return {
    address: rt.config.key,
    port: rt.config.port,
    remoteAs,
    peerAs: neg?.peerAs ?? (typeof remoteAs === 'number' ? remoteAs : 0),
    localAs: sp.asn,
    state: s.state,
    shutdown: rt.config.shutdown,
    stateSince: s.stateSince,
    peerRouterId: formatIPv4Number(neg?.peerId ?? 0),
    localAddress: c?.localAddress,
    localPort: c?.localPort,
    remotePort: c?.remotePort,
    configuredHoldTime: rt.config.holdTime,
    configuredKeepalive: rt.config.keepalive ?? Math.floor(rt.config.holdTime / 3),
    holdTime: neg?.holdTime ?? 0,
    keepalive: neg?.keepalive ?? 0,
    families,
    stats: { ...st },
    messagesIn: st.opensIn + st.updatesIn + st.keepalivesIn + st.notificationsIn + st.refreshIn,
    messagesOut: st.opensOut + st.updatesOut + st.keepalivesOut + st.notificationsOut + st.refreshOut,
    lastReset: s.lastReset,
    lastResetAt: s.lastResetAt,
    lastError: s.lastError,
    lastNotificationIn: s.lastNotificationIn,
    lastNotificationOut: s.lastNotificationOut,
    gracefulRestart: { peerRestartTime: neg?.caps.gracefulRestart?.restartTime, stale: rt.stale },
    policyMissingIn: rt.policyMissingIn,
    policyMissingOut: rt.policyMissingOut,
    description: rt.config.description,
    ebgp: neg ? neg.ebgp : rt.config.asn !== sp.asn,
    dynamic: rt.dynamic,
    hostname: neg?.caps.hostname,
  };
}

export function peerStatuses(sp: Speaker): PeerStatus[] {
  return sp
    .peerKeys()
    .map((k) => peerStatus(sp, k)!)
    .sort((a, b) => comparePrefixText(`${a.address}/${a.address.includes(':') ? 128 : 32}`, `${b.address}/${b.address.includes(':') ? 128 : 32}`));
}
