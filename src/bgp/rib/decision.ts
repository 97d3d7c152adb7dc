// The BGP decision process (RFC 4271 §9.1.2) with the tie-breaks FRR applies, in FRR's order
// (bgpd/bgp_route.c bgp_path_info_cmp), plus the multipath equality test.

import { Origin } from '../wire/constants.ts';
import type { AttrSet } from './attrset.ts';

export const SourceKind = { LOCAL: 0, EBGP: 1, IBGP: 2 } as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

/** Where paths come from: the speaker itself (index 0) or one peer. */
export interface PathSource {
  kind: SourceKind;
  /** BGP Identifier of the peer (unsigned 32-bit); the local router ID for local paths. */
  routerId: number;
  /** Peer address for the last tie-break: IPv4 below 2^32, IPv6 offset by 2^128 so IPv4 sorts first. */
  addrKey: bigint;
  peerAs: number;
  weight: number;
}

export interface DecisionOptions {
  defaultLocalPref: number;
  alwaysCompareMed: boolean;
  medMissingAsWorst: boolean;
  asPathIgnore: boolean;
  multipathRelax: boolean;
  /** `bgp bestpath compare-routerid`: skip the "prefer the current best among eBGP paths" step. */
  compareRouterId: boolean;
  maxPathsEbgp: number;
  maxPathsIbgp: number;
}

export function defaultDecisionOptions(): DecisionOptions {
  return {
    defaultLocalPref: 100,
    alwaysCompareMed: false,
    medMissingAsWorst: false,
    asPathIgnore: false,
    multipathRelax: false,
    compareRouterId: false,
    maxPathsEbgp: 1,
    maxPathsIbgp: 1,
  };
}

export const Reason = {
  NONE: 0,
  FIRST: 1,
  WEIGHT: 2,
  LOCAL_PREF: 3,
  LOCAL_ROUTE: 4,
  AS_PATH: 5,
  ORIGIN: 6,
  MED: 7,
  PEER_TYPE: 8,
  IGP_METRIC: 9,
  OLDER: 10,
  ROUTER_ID: 11,
  CLUSTER_LENGTH: 12,
  NEIGHBOR_IP: 13,
} as const;

// FRR's bgp_path_selection_reason2str wording, shown as "best (<reason>)".
const REASON_TEXT = [
  'Nothing to Select',
  'First path received',
  'Weight',
  'Local Pref',
  'Local Route',
  'AS Path',
  'ORIGIN',
  'MED',
  'Peer Type',
  'IGP Metric',
  'Older Path',
  'Router ID',
  'Cluster length',
  'Neighbor IP',
];

export function reasonText(r: number): string {
  return REASON_TEXT[r] ?? 'Invalid (internal error)';
}

/** One side of a comparison. `selected` marks the path that is the current best. */
export interface Candidate {
  set: AttrSet;
  src: PathSource;
  selected: boolean;
}

export const CMP_NEW_WINS = 1;
export const CMP_PATHS_EQUAL = 2;

function aspathEqual(a: AttrSet, b: AttrSet): boolean {
  if (a === b) return true;
  const pa = a.attrs.asPath;
  const pb = b.attrs.asPath;
  if (pa.length !== pb.length) return false;
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x.type !== y.type || x.asns.length !== y.asns.length) return false;
    for (let j = 0; j < x.asns.length; j++) if (x.asns[j] !== y.asns[j]) return false;
  }
  return true;
}

/**
 * Compares a new path with the current winner. Returns a packed number: bit 0 = the new path
 * wins, bit 1 = the two are equal for multipath, bits 2.. = the deciding Reason.
 */
export function comparePaths(nw: Candidate, ex: Candidate, o: DecisionOptions): number {
  const a = nw.set;
  const b = ex.set;
  const sa = nw.src;
  const sb = ex.src;
  if (sa.weight !== sb.weight) return pack(sa.weight > sb.weight, false, Reason.WEIGHT);
  const lpa = a.localPref >= 0 ? a.localPref : o.defaultLocalPref;
  const lpb = b.localPref >= 0 ? b.localPref : o.defaultLocalPref;
  if (lpa !== lpb) return pack(lpa > lpb, false, Reason.LOCAL_PREF);
  const la = sa.kind === SourceKind.LOCAL;
  const lb = sb.kind === SourceKind.LOCAL;
  if (la !== lb) return pack(la, false, Reason.LOCAL_ROUTE);
  if (!o.asPathIgnore && a.asPathLen !== b.asPathLen) return pack(a.asPathLen < b.asPathLen, false, Reason.AS_PATH);
  const oa = a.origin < 0 ? Origin.INCOMPLETE : a.origin;
  const ob = b.origin < 0 ? Origin.INCOMPLETE : b.origin;
  if (oa !== ob) return pack(oa < ob, false, Reason.ORIGIN);
  if (o.alwaysCompareMed || a.neighborAs === b.neighborAs) {
    const missing = o.medMissingAsWorst ? 0xffffffff : 0;
    const ma = a.med >= 0 ? a.med : missing;
    const mb = b.med >= 0 ? b.med : missing;
    if (ma !== mb) return pack(ma < mb, false, Reason.MED);
  }
  // RFC 4271 §9.1.2.2 d: external over internal (locally originated paths were decided above)
  const ea = sa.kind === SourceKind.EBGP;
  const eb = sb.kind === SourceKind.EBGP;
  if (ea !== eb) return pack(ea, false, Reason.PEER_TYPE);
  // IGP metric to the next hop: every next hop here costs the same.
  let eq = false;
  if (sa.kind === sb.kind && sa.kind !== SourceKind.LOCAL) {
    if (o.multipathRelax) eq = true;
    else if (sa.kind === SourceKind.IBGP) eq = aspathEqual(a, b);
    else eq = sa.peerAs === sb.peerAs;
  }
  if (!o.compareRouterId && ea && eb) {
    if (nw.selected) return pack(true, eq, Reason.OLDER);
    if (ex.selected) return pack(false, eq, Reason.OLDER);
  }
  const ra = a.originatorId >= 0 ? a.originatorId : sa.routerId;
  const rb = b.originatorId >= 0 ? b.originatorId : sb.routerId;
  if (ra !== rb) return pack(ra < rb, eq, Reason.ROUTER_ID);
  const ca = a.clusterLen;
  const cb = b.clusterLen;
  if (ca !== cb) return pack(ca < cb, eq, Reason.CLUSTER_LENGTH);
  if (sa.addrKey !== sb.addrKey) return pack(sa.addrKey < sb.addrKey, eq, Reason.NEIGHBOR_IP);
  return pack(false, eq, Reason.NEIGHBOR_IP);
}

function pack(newWins: boolean, eq: boolean, reason: number): number {
  return (newWins ? CMP_NEW_WINS : 0) | (eq ? CMP_PATHS_EQUAL : 0) | (reason << 2);
}

export function cmpReason(r: number): number {
  return r >> 2;
}
