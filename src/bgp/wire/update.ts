// UPDATE decoding with the revised error handling of RFC 7606, and a plain encoder.

import { type AsSegment, type PathAttrs, type UnknownAttr, emptyAttrs, encodeAttrs } from './attributes.ts';
import {
  AS_TRANS,
  Afi,
  AsPathSegment,
  AttrFlag,
  AttrType,
  ErrCode,
  type FamilyKey,
  MsgType,
  Safi,
  UpdateSub,
  familyKey,
} from './constants.ts';
import { BgpError } from './errors.ts';
import { frame } from './message.ts';
import { copyBytes, forEachNlri4, forEachNlri6, nlriValid, writePathId, writePrefix4, writePrefix6 } from './prefix.ts';
import { Writer } from './writer.ts';

export interface DecodeContext {
  /** 4-octet AS numbers negotiated (RFC 6793). */
  as4: boolean;
  /** The session is external: LOCAL_PREF is ignored and confederation segments are malformed. */
  ebgp: boolean;
  /** For eBGP: the leftmost AS must be this one (0 = no check). */
  firstAs: number;
  /** ADD-PATH receive negotiated per family (RFC 7911). */
  addPath4: boolean;
  addPath6: boolean;
}

export interface MpReach {
  afi: number;
  safi: number;
  family: FamilyKey | undefined;
  nextHop: Uint8Array;
  nlriStart: number;
  nlriEnd: number;
}

export interface MpUnreach {
  afi: number;
  safi: number;
  family: FamilyKey | undefined;
  nlriStart: number;
  nlriEnd: number;
}

/** A decoded UPDATE; NLRI stay in the buffer as validated regions (no per-prefix objects). */
export interface UpdateView {
  buf: Uint8Array;
  withdrawnStart: number;
  withdrawnEnd: number;
  nlriStart: number;
  nlriEnd: number;
  /** The attributes, or undefined when the attribute section is empty. */
  attrs: PathAttrs | undefined;
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** Set when RFC 7606 says to treat every announced prefix as withdrawn; the text says why. */
  treatAsWithdraw?: string;
  /** Attributes dropped under RFC 7606 "attribute discard", as readable reasons. */
  discarded: string[];
  /** End-of-RIB marker (RFC 4724 §2) for this family. */
  endOfRib?: FamilyKey;
}

// Expected Optional/Transitive bits (RFC 4271 §5, RFC 4760, RFC 1997, RFC 4360, RFC 6793, RFC 8092).
const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPT_NON_TRANS = AttrFlag.OPTIONAL;
const OPT_TRANS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.ORIGIN]: WELL_KNOWN,
  [AttrType.AS_PATH]: WELL_KNOWN,
  [AttrType.NEXT_HOP]: WELL_KNOWN,
  [AttrType.MULTI_EXIT_DISC]: OPT_NON_TRANS,
  [AttrType.LOCAL_PREF]: WELL_KNOWN,
  [AttrType.ATOMIC_AGGREGATE]: WELL_KNOWN,
  [AttrType.AGGREGATOR]: OPT_TRANS,
  [AttrType.COMMUNITIES]: OPT_TRANS,
  [AttrType.ORIGINATOR_ID]: OPT_NON_TRANS,
  [AttrType.CLUSTER_LIST]: OPT_NON_TRANS,
  [AttrType.MP_REACH_NLRI]: OPT_NON_TRANS,
  [AttrType.MP_UNREACH_NLRI]: OPT_NON_TRANS,
  [AttrType.EXTENDED_COMMUNITIES]: OPT_TRANS,
  [AttrType.AS4_PATH]: OPT_TRANS,
  [AttrType.AS4_AGGREGATOR]: OPT_TRANS,
  [AttrType.LARGE_COMMUNITY]: OPT_TRANS,
};

// Attributes whose malformation means "attribute discard" rather than "treat-as-withdraw".
const DISCARD_CLASS = new Set<number>([
  AttrType.ATOMIC_AGGREGATE, // RFC 7606 §7.6
  AttrType.AGGREGATOR, // RFC 7606 §7.7
  AttrType.AS4_PATH, // RFC 6793 §6
  AttrType.AS4_AGGREGATOR, // RFC 6793 §6
]);

/** Attribute types seen in the UPDATE being decoded (reused: decoding is not re-entrant). */
const SEEN = new Uint8Array(256);

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Parses AS_PATH / AS4_PATH segments; undefined when malformed (RFC 7606 §7.2). */
function parseAsPath(b: Uint8Array, p: number, end: number, width: 2 | 4): AsSegment[] | undefined {
  const out: AsSegment[] = [];
  while (p < end) {
    if (end - p < 2) return undefined;
    const type = b[p]!;
    const n = b[p + 1]!;
    p += 2;
    if (type < AsPathSegment.AS_SET || type > AsPathSegment.AS_CONFED_SET || n === 0) return undefined;
    if (p + n * width > end) return undefined;
    const asns = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      asns[i] = width === 4 ? u32(b, p) : u16(b, p);
      p += width;
    }
    out.push({ type, asns });
  }
  return out;
}

/** RFC 6793 §4.2.3: the AS count used when merging AS_PATH and AS4_PATH. */
function mergeCount(path: AsSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegment.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegment.AS_SET) n += 1;
  }
  return n;
}

/** Rebuilds the full path from an OLD speaker's AS_PATH and AS4_PATH (RFC 6793 §4.2.3). */
export function mergeAs4Path(asPath: AsSegment[], as4Path: AsSegment[]): AsSegment[] {
  const total = mergeCount(asPath);
  const tail = mergeCount(as4Path);
  if (total < tail) return asPath;
  let keep = total - tail;
  const out: AsSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0 && s.type !== AsPathSegment.AS_CONFED_SEQUENCE && s.type !== AsPathSegment.AS_CONFED_SET) break;
    if (s.type === AsPathSegment.AS_SEQUENCE) {
      const take = Math.min(keep, s.asns.length);
      if (take > 0) out.push({ type: s.type, asns: s.asns.slice(0, take) });
      keep -= take;
    } else if (s.type === AsPathSegment.AS_SET) {
      out.push({ type: s.type, asns: [...s.asns] });
      keep -= 1;
    } else {
      out.push({ type: s.type, asns: [...s.asns] });
    }
  }
  as4Path.forEach((s, i) => {
    const last = out[out.length - 1];
    // only the junction is joined: the kept head of AS_PATH continues into AS4_PATH
    const join = i === 0 && last?.type === AsPathSegment.AS_SEQUENCE && s.type === AsPathSegment.AS_SEQUENCE;
    if (join && last.asns.length + s.asns.length <= 255) last.asns.push(...s.asns);
    else out.push({ type: s.type, asns: [...s.asns] });
  });
  return out;
}

function sessionReset(sub: number, b: Uint8Array, start: number, end: number, detail: string): BgpError {
  return new BgpError(ErrCode.UPDATE_MESSAGE, sub, copyBytes(b, start, end), `UPDATE Message Error: ${detail}`);
}

/**
 * Decodes an UPDATE body. Errors that RFC 7606 / RFC 4271 answer with a session reset throw a
 * BgpError; treat-as-withdraw and attribute discard are reported in the result.
 */
export function decodeUpdate(b: Uint8Array, start: number, end: number, ctx: DecodeContext, reuse?: UpdateView): UpdateView {
  const wlen = u16(b, start);
  const w0 = start + 2;
  const w1 = w0 + wlen;
  if (w1 + 2 > end) throw sessionReset(UpdateSub.MALFORMED_ATTRIBUTE_LIST, b, 0, 0, 'withdrawn routes length overruns the message');
  const alen = u16(b, w1);
  const a0 = w1 + 2;
  const a1 = a0 + alen;
  if (a1 > end) throw sessionReset(UpdateSub.MALFORMED_ATTRIBUTE_LIST, b, 0, 0, 'total path attribute length overruns the message');
  if (!nlriValid(b, w0, w1, 32, ctx.addPath4)) {
    throw sessionReset(UpdateSub.INVALID_NETWORK_FIELD, b, 0, 0, 'malformed withdrawn routes');
  }
  if (!nlriValid(b, a1, end, 32, ctx.addPath4)) throw sessionReset(UpdateSub.INVALID_NETWORK_FIELD, b, 0, 0, 'malformed NLRI');

  const view: UpdateView = reuse ?? { buf: b, withdrawnStart: 0, withdrawnEnd: 0, nlriStart: 0, nlriEnd: 0, attrs: undefined, discarded: [] };
  view.buf = b;
  view.withdrawnStart = w0;
  view.withdrawnEnd = w1;
  view.nlriStart = a1;
  view.nlriEnd = end;
  view.attrs = undefined;
  if (view.discarded.length > 0) view.discarded = [];
  view.mpReach = undefined;
  view.mpUnreach = undefined;
  view.treatAsWithdraw = undefined;
  view.endOfRib = undefined;
  if (alen === 0) {
    if (wlen === 0 && a1 === end) view.endOfRib = 'ipv4-unicast';
    else if (a1 < end) view.treatAsWithdraw = 'missing well-known attributes ORIGIN, AS_PATH, NEXT_HOP'; // RFC 7606 §3.d
    return view;
  }

  const attrs = emptyAttrs();
  view.attrs = attrs;
  const seen = SEEN;
  seen.fill(0);
  let taw: string | undefined;
  let as4Path: AsSegment[] | undefined;
  let as4Aggregator: { asn: number; addr: number } | undefined;
  let overrun = false;
  let mpSeen = false;
  let hasAsPath = false;

  let p = a0;
  while (p < a1) {
    // RFC 7606 §4: fewer octets than an attribute header, or an attribute running past the
    // section: treat-as-withdraw, and the NLRI still start where Total Path Attribute Length says.
    if (a1 - p < 3) {
      overrun = true;
      break;
    }
    const flags = b[p]!;
    const type = b[p + 1]!;
    let hdr = 3;
    let len: number;
    if (flags & AttrFlag.EXTENDED_LENGTH) {
      if (a1 - p < 4) {
        overrun = true;
        break;
      }
      len = u16(b, p + 2);
      hdr = 4;
    } else {
      len = b[p + 2]!;
    }
    const at = p;
    const v = p + hdr;
    const ve = v + len;
    if (ve > a1) {
      overrun = true;
      break;
    }
    p = ve;

    if (seen[type]) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        throw sessionReset(UpdateSub.MALFORMED_ATTRIBUTE_LIST, b, 0, 0, 'MP_REACH_NLRI or MP_UNREACH_NLRI appears twice'); // RFC 7606 §3.g
      }
      view.discarded.push(`duplicate attribute ${type}`); // RFC 7606 §3.g: keep the first
      continue;
    }
    seen[type] = 1;

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if (!(flags & AttrFlag.OPTIONAL)) {
        // RFC 4271 §6.3: an unrecognized well-known attribute.
        throw sessionReset(UpdateSub.UNRECOGNIZED_WELL_KNOWN, b, at, ve, `unrecognized well-known attribute ${type}`);
      }
      if (flags & AttrFlag.TRANSITIVE) {
        const u: UnknownAttr = { flags: flags & (OPT_TRANS | AttrFlag.PARTIAL), type, value: copyBytes(b, v, ve) };
        (attrs.unknown ??= []).push(u);
      }
      continue; // optional non-transitive and unknown: quietly ignored
    }
    const flagsBad =
      (flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== expected || ((flags & AttrFlag.PARTIAL) !== 0 && expected !== OPT_TRANS);
    if (flagsBad) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        throw sessionReset(UpdateSub.ATTRIBUTE_FLAGS, b, at, ve, `attribute flags error on attribute ${type}`);
      }
      if (DISCARD_CLASS.has(type)) view.discarded.push(`attribute ${type}: flags error`);
      else taw ??= `attribute ${type}: flags error`; // RFC 7606 §3.c
      continue;
    }

    switch (type) {
      case AttrType.ORIGIN:
        if (len !== 1 || b[v]! > 2) taw ??= 'malformed ORIGIN'; // RFC 7606 §7.1
        else attrs.origin = b[v]!;
        break;
      case AttrType.AS_PATH: {
        const path = parseAsPath(b, v, ve, ctx.as4 ? 4 : 2);
        hasAsPath = true;
        if (!path) {
          taw ??= 'malformed AS_PATH'; // RFC 7606 §7.2
          break;
        }
        if (ctx.ebgp && path.some((s) => s.type === AsPathSegment.AS_CONFED_SEQUENCE || s.type === AsPathSegment.AS_CONFED_SET)) {
          taw ??= 'AS_PATH from an external peer contains confederation segments'; // RFC 7606 §7.2
          break;
        }
        attrs.asPath = path;
        break;
      }
      case AttrType.NEXT_HOP:
        if (len !== 4) taw ??= 'malformed NEXT_HOP'; // RFC 7606 §7.3
        else attrs.nextHop = u32(b, v);
        break;
      case AttrType.MULTI_EXIT_DISC:
        if (len !== 4) taw ??= 'malformed MULTI_EXIT_DISC'; // RFC 7606 §7.4
        else attrs.med = u32(b, v);
        break;
      case AttrType.LOCAL_PREF:
        if (ctx.ebgp) view.discarded.push('LOCAL_PREF from an external peer'); // RFC 7606 §7.5
        else if (len !== 4) taw ??= 'malformed LOCAL_PREF';
        else attrs.localPref = u32(b, v);
        break;
      case AttrType.ATOMIC_AGGREGATE:
        if (len !== 0) view.discarded.push('malformed ATOMIC_AGGREGATE'); // RFC 7606 §7.6
        else attrs.atomicAggregate = true;
        break;
      case AttrType.AGGREGATOR: {
        const want = ctx.as4 ? 8 : 6;
        if (len !== want) {
          view.discarded.push('malformed AGGREGATOR'); // RFC 7606 §7.7
          break;
        }
        attrs.aggregator = ctx.as4 ? { asn: u32(b, v), addr: u32(b, v + 4) } : { asn: u16(b, v), addr: u32(b, v + 2) };
        break;
      }
      case AttrType.COMMUNITIES: {
        if (len === 0 || len % 4 !== 0) {
          taw ??= 'malformed COMMUNITIES'; // RFC 7606 §7.8
          break;
        }
        const list: number[] = [];
        for (let q = v; q < ve; q += 4) list.push(u32(b, q));
        attrs.communities = list;
        break;
      }
      case AttrType.ORIGINATOR_ID:
        if (len !== 4) taw ??= 'malformed ORIGINATOR_ID'; // RFC 7606 §7.9
        else attrs.originatorId = u32(b, v);
        break;
      case AttrType.CLUSTER_LIST: {
        if (len === 0 || len % 4 !== 0) {
          taw ??= 'malformed CLUSTER_LIST'; // RFC 7606 §7.10
          break;
        }
        const list: number[] = [];
        for (let q = v; q < ve; q += 4) list.push(u32(b, q));
        attrs.clusterList = list;
        break;
      }
      case AttrType.MP_REACH_NLRI:
        mpSeen = true;
        view.mpReach = decodeMpReach(b, at, v, ve, ctx);
        break;
      case AttrType.MP_UNREACH_NLRI:
        mpSeen = true;
        view.mpUnreach = decodeMpUnreach(b, at, v, ve, ctx);
        break;
      case AttrType.EXTENDED_COMMUNITIES:
        if (len % 8 !== 0) taw ??= 'malformed EXTENDED_COMMUNITIES'; // RFC 7606 §7.14
        else if (len > 0) attrs.extCommunities = copyBytes(b, v, ve);
        break;
      case AttrType.AS4_PATH: {
        if (ctx.as4) break; // RFC 6793 §4.1: a NEW speaker ignores AS4_PATH from a NEW speaker
        const path = parseAsPath(b, v, ve, 4);
        if (!path || path.some((s) => s.type === AsPathSegment.AS_CONFED_SEQUENCE || s.type === AsPathSegment.AS_CONFED_SET)) {
          view.discarded.push('malformed AS4_PATH'); // RFC 6793 §6
        } else {
          as4Path = path;
        }
        break;
      }
      case AttrType.AS4_AGGREGATOR:
        if (ctx.as4) break;
        if (len !== 8) view.discarded.push('malformed AS4_AGGREGATOR');
        else as4Aggregator = { asn: u32(b, v), addr: u32(b, v + 4) };
        break;
      case AttrType.LARGE_COMMUNITY: {
        if (len === 0 || len % 12 !== 0) {
          taw ??= 'malformed LARGE_COMMUNITY'; // RFC 8092 §6
          break;
        }
        const list: number[] = [];
        const dedupe = new Set<string>();
        for (let q = v; q < ve; q += 12) {
          const g = u32(b, q);
          const l1 = u32(b, q + 4);
          const l2 = u32(b, q + 8);
          const key = `${g}:${l1}:${l2}`;
          if (dedupe.has(key)) continue; // RFC 8092 §5: duplicates are not an error; drop them
          dedupe.add(key);
          list.push(g, l1, l2);
        }
        attrs.largeCommunities = list;
        break;
      }
      default:
        break;
    }
  }

  if (overrun) {
    // RFC 7606 §3 (end): treat-as-withdraw needs every NLRI; with no MP attribute found and no
    // NLRI field, the reachability may sit in an attribute we could not reach.
    if (!mpSeen && a1 === end) {
      throw sessionReset(UpdateSub.MALFORMED_ATTRIBUTE_LIST, b, 0, 0, 'attribute overruns the path attributes');
    }
    taw ??= 'attribute length overruns the path attributes';
  }

  // RFC 6793 §4.2.3: an AGGREGATOR with a real ASN makes AS4_PATH and AS4_AGGREGATOR void.
  if (as4Aggregator && attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) {
    as4Aggregator = undefined;
    as4Path = undefined;
  }
  if (as4Aggregator && attrs.aggregator) attrs.aggregator = as4Aggregator;
  if (as4Path && hasAsPath) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);

  const announces = a1 < end || (view.mpReach !== undefined && view.mpReach.nlriEnd > view.mpReach.nlriStart);
  if (announces && !taw) {
    // RFC 7606 §3.d: missing well-known mandatory attributes (NEXT_HOP only for the NLRI field).
    const missing: string[] = [];
    if (!seen[AttrType.ORIGIN]) missing.push('ORIGIN');
    if (!seen[AttrType.AS_PATH]) missing.push('AS_PATH');
    if (a1 < end && !seen[AttrType.NEXT_HOP]) missing.push('NEXT_HOP');
    if (missing.length > 0) taw ??= `missing well-known attribute ${missing.join(', ')}`;
  }
  if (announces && !taw && ctx.ebgp && ctx.firstAs !== 0) {
    const head = attrs.asPath[0];
    if (!head || head.type !== AsPathSegment.AS_SEQUENCE || head.asns[0] !== ctx.firstAs) {
      taw ??= `AS_PATH does not start with the peer's AS ${ctx.firstAs}`; // RFC 4271 §6.3, RFC 7606 §3.a
    }
  }
  if (taw) view.treatAsWithdraw = taw;

  // RFC 4724 §2: an UPDATE with only an empty MP_UNREACH_NLRI is the End-of-RIB of that family.
  if (wlen === 0 && a1 === end && !view.mpReach && view.mpUnreach && view.mpUnreach.nlriStart === view.mpUnreach.nlriEnd) {
    const onlyAttr = seen.reduce((n, x) => n + x, 0) === 1;
    if (onlyAttr && view.mpUnreach.family) view.endOfRib = view.mpUnreach.family;
  }
  return view;
}

function decodeMpReach(b: Uint8Array, at: number, v: number, ve: number, ctx: DecodeContext): MpReach {
  const bad = (why: string) => sessionReset(UpdateSub.OPTIONAL_ATTRIBUTE, b, at, ve, `MP_REACH_NLRI: ${why}`); // RFC 7606 §7.11
  if (ve - v < 5) throw bad('too short');
  const afi = u16(b, v);
  const safi = b[v + 2]!;
  const nhLen = b[v + 3]!;
  const nh0 = v + 4;
  if (nh0 + nhLen + 1 > ve) throw bad('next hop overruns the attribute');
  const family = familyKey(afi, safi);
  const nlriStart = nh0 + nhLen + 1; // one reserved octet (RFC 4760 §3)
  const reach: MpReach = { afi, safi, family, nextHop: copyBytes(b, nh0, nh0 + nhLen), nlriStart, nlriEnd: ve };
  if (!family) return reach; // a family we do not speak: ignored
  if (afi === Afi.IPV6 && nhLen !== 16 && nhLen !== 32) throw bad(`IPv6 next hop length ${nhLen}`); // RFC 2545 §3
  if (afi === Afi.IPV4 && nhLen !== 4) throw bad(`IPv4 next hop length ${nhLen}`);
  const bits = afi === Afi.IPV4 ? 32 : 128;
  const addPath = afi === Afi.IPV4 ? ctx.addPath4 : ctx.addPath6;
  if (!nlriValid(b, nlriStart, ve, bits, addPath)) throw bad('malformed NLRI');
  return reach;
}

function decodeMpUnreach(b: Uint8Array, at: number, v: number, ve: number, ctx: DecodeContext): MpUnreach {
  if (ve - v < 3) throw sessionReset(UpdateSub.OPTIONAL_ATTRIBUTE, b, at, ve, 'MP_UNREACH_NLRI: too short');
  const afi = u16(b, v);
  const safi = b[v + 2]!;
  const family = familyKey(afi, safi);
  const un: MpUnreach = { afi, safi, family, nlriStart: v + 3, nlriEnd: ve };
  if (!family) return un;
  const bits = afi === Afi.IPV4 ? 32 : 128;
  const addPath = afi === Afi.IPV4 ? ctx.addPath4 : ctx.addPath6;
  if (!nlriValid(b, v + 3, ve, bits, addPath)) {
    throw sessionReset(UpdateSub.OPTIONAL_ATTRIBUTE, b, at, ve, 'MP_UNREACH_NLRI: malformed NLRI');
  }
  return un;
}

// ---------------------------------------------------------------- plain form (tests, small messages)

export interface Nlri4 {
  addr: number;
  len: number;
  pathId: number;
}

export interface Nlri6 {
  addr: bigint;
  len: number;
  pathId: number;
}

export interface UpdateMessage {
  withdrawn: Nlri4[];
  attrs?: PathAttrs;
  nlri: Nlri4[];
  mpReach?: { afi: number; safi: number; nextHop: Uint8Array; nlri4?: Nlri4[]; nlri6?: Nlri6[] };
  mpUnreach?: { afi: number; safi: number; nlri4?: Nlri4[]; nlri6?: Nlri6[] };
}

export interface UpdateEncodeContext {
  as4: boolean;
  addPath4: boolean;
  addPath6: boolean;
}

function writeNlriList4(w: Writer, list: Nlri4[], addPath: boolean): void {
  const tmp = new Uint8Array(9);
  for (const n of list) {
    let q = 0;
    if (addPath) q = writePathId(tmp, q, n.pathId);
    q = writePrefix4(tmp, q, n.addr, n.len);
    w.bytes(tmp.subarray(0, q));
  }
}

function writeNlriList6(w: Writer, list: Nlri6[], addPath: boolean): void {
  const tmp = new Uint8Array(21);
  for (const n of list) {
    let q = 0;
    if (addPath) q = writePathId(tmp, q, n.pathId);
    q = writePrefix6(tmp, q, n.addr, n.len);
    w.bytes(tmp.subarray(0, q));
  }
}

function writeMpAttr(w: Writer, type: number, body: Buffer): void {
  if (body.length > 255) w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(type).u16(body.length);
  else w.u8(AttrFlag.OPTIONAL).u8(type).u8(body.length);
  w.bytes(body);
}

/** Encodes one UPDATE from the plain form (the caller keeps it within the negotiated size). */
export function encodeUpdate(m: UpdateMessage, ctx: UpdateEncodeContext): Buffer {
  const w = new Writer(256);
  const wl = w.reserve(2);
  writeNlriList4(w, m.withdrawn, ctx.addPath4);
  w.setU16(wl, w.pos - wl - 2);
  const al = w.reserve(2);
  const a0 = w.pos;
  if (m.mpReach) {
    const r = m.mpReach;
    const body = new Writer(64);
    body.u16(r.afi).u8(r.safi).u8(r.nextHop.length).bytes(r.nextHop).u8(0);
    if (r.nlri4) writeNlriList4(body, r.nlri4, ctx.addPath4);
    if (r.nlri6) writeNlriList6(body, r.nlri6, ctx.addPath6);
    writeMpAttr(w, AttrType.MP_REACH_NLRI, body.result());
  }
  if (m.mpUnreach) {
    const u = m.mpUnreach;
    const body = new Writer(64);
    body.u16(u.afi).u8(u.safi);
    if (u.nlri4) writeNlriList4(body, u.nlri4, ctx.addPath4);
    if (u.nlri6) writeNlriList6(body, u.nlri6, ctx.addPath6);
    writeMpAttr(w, AttrType.MP_UNREACH_NLRI, body.result());
  }
  if (m.attrs) w.bytes(encodeAttrs(m.attrs, ctx));
  w.setU16(al, w.pos - a0);
  writeNlriList4(w, m.nlri, ctx.addPath4);
  return frame(MsgType.UPDATE, w.result());
}

/** End-of-RIB marker for a family (RFC 4724 §2). */
export function encodeEndOfRib(f: FamilyKey): Buffer {
  if (f === 'ipv4-unicast') return frame(MsgType.UPDATE, new Uint8Array(4));
  return frame(MsgType.UPDATE, Uint8Array.of(0, 0, 0, 6, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, 3, 0, Afi.IPV6, Safi.UNICAST));
}

/** Turns a decoded view back into the plain form (tests and tools). */
export function viewToMessage(v: UpdateView, ctx: DecodeContext): UpdateMessage {
  const collect4 = (s: number, e: number, ap: boolean) => {
    const out: Nlri4[] = [];
    forEachNlri4(v.buf, s, e, ap, (addr, len, pathId) => out.push({ addr, len, pathId }));
    return out;
  };
  const collect6 = (s: number, e: number, ap: boolean) => {
    const out: Nlri6[] = [];
    forEachNlri6(v.buf, s, e, ap, (addr, len, pathId) => out.push({ addr, len, pathId }));
    return out;
  };
  const m: UpdateMessage = {
    withdrawn: collect4(v.withdrawnStart, v.withdrawnEnd, ctx.addPath4),
    nlri: collect4(v.nlriStart, v.nlriEnd, ctx.addPath4),
  };
  if (v.attrs) m.attrs = v.attrs;
  if (v.mpReach) {
    const r = v.mpReach;
    m.mpReach = { afi: r.afi, safi: r.safi, nextHop: r.nextHop };
    if (r.afi === Afi.IPV4) m.mpReach.nlri4 = collect4(r.nlriStart, r.nlriEnd, ctx.addPath4);
    else if (r.afi === Afi.IPV6) m.mpReach.nlri6 = collect6(r.nlriStart, r.nlriEnd, ctx.addPath6);
  }
  if (v.mpUnreach) {
    const u = v.mpUnreach;
    m.mpUnreach = { afi: u.afi, safi: u.safi };
    if (u.afi === Afi.IPV4) m.mpUnreach.nlri4 = collect4(u.nlriStart, u.nlriEnd, ctx.addPath4);
    else if (u.afi === Afi.IPV6) m.mpUnreach.nlri6 = collect6(u.nlriStart, u.nlriEnd, ctx.addPath6);
  }
  return m;
}
