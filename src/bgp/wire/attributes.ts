// Path attributes (RFC 4271 §4.3, §5) as values, and their wire encoding.

import { AS_TRANS, AsPathSegment, AttrFlag, AttrType } from './constants.ts';
import { Writer } from './writer.ts';

export interface AsSegment {
  type: number;
  asns: number[];
}

export interface UnknownAttr {
  flags: number;
  type: number;
  value: Uint8Array;
}

/** One set of path attributes. Numbers that may be absent use -1. */
export interface PathAttrs {
  origin: number;
  asPath: AsSegment[];
  /** IPv4 NEXT_HOP as an unsigned number, -1 when absent. */
  nextHop: number;
  /** IPv6 next hop from MP_REACH_NLRI: 16 octets (global) or 32 (global + link-local). */
  nextHop6?: Uint8Array;
  med: number;
  localPref: number;
  atomicAggregate: boolean;
  aggregator?: { asn: number; addr: number };
  communities?: number[];
  /** Flattened (global admin, local 1, local 2) triples. */
  largeCommunities?: number[];
  /** 8-octet extended communities, kept as bytes. */
  extCommunities?: Uint8Array;
  originatorId: number;
  clusterList?: number[];
  /** Optional transitive attributes this speaker does not know, passed on with the partial bit. */
  unknown?: UnknownAttr[];
}

export function emptyAttrs(): PathAttrs {
  return { origin: -1, asPath: [], nextHop: -1, med: -1, localPref: -1, atomicAggregate: false, originatorId: -1 };
}

export function cloneAttrs(a: PathAttrs): PathAttrs {
  const c: PathAttrs = { ...a, asPath: a.asPath.map((s) => ({ type: s.type, asns: [...s.asns] })) };
  if (a.communities) c.communities = [...a.communities];
  if (a.largeCommunities) c.largeCommunities = [...a.largeCommunities];
  if (a.clusterList) c.clusterList = [...a.clusterList];
  if (a.unknown) c.unknown = a.unknown.map((u) => ({ ...u }));
  return c;
}

/** AS_PATH length for best-path selection: an AS_SET counts 1, confederation segments 0 (RFC 4271 §9.1.2.2, RFC 5065 §5.3). */
export function asPathLength(path: AsSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegment.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegment.AS_SET) n += 1;
  }
  return n;
}

/** The neighbouring AS a path was learnt from: the first AS of a leading AS_SEQUENCE (0 if none). */
export function firstAs(path: AsSegment[]): number {
  for (const s of path) {
    if (s.type === AsPathSegment.AS_CONFED_SEQUENCE || s.type === AsPathSegment.AS_CONFED_SET) continue;
    if (s.type === AsPathSegment.AS_SEQUENCE && s.asns.length > 0) return s.asns[0]!;
    return 0;
  }
  return 0;
}

export function asPathContains(path: AsSegment[], asn: number): boolean {
  for (const s of path) if (s.asns.includes(asn)) return true;
  return false;
}

/** Prepends `asn` to the path as an eBGP speaker does (RFC 4271 §5.1.2). */
export function prependAs(path: AsSegment[], asn: number, times = 1): AsSegment[] {
  const head = path[0];
  const joined = head !== undefined && head.type === AsPathSegment.AS_SEQUENCE && head.asns.length + times <= 255;
  // concat allocates the result once, in the element kind it needs (ASNs above 2^31 are doubles)
  const lead = times === 1 ? [asn] : new Array<number>(times).fill(asn);
  const asns = joined ? lead.concat(head.asns) : lead;
  const skip = joined ? 1 : 0;
  const out = new Array<AsSegment>(path.length - skip + 1);
  out[0] = { type: AsPathSegment.AS_SEQUENCE, asns };
  for (let i = skip; i < path.length; i++) out[i - skip + 1] = path[i]!;
  return out;
}

/** "65001 65002 {65003,65004}" as FRR and GoBGP print paths. */
export function formatAsPath(path: AsSegment[]): string {
  const parts: string[] = [];
  for (const s of path) {
    switch (s.type) {
      case AsPathSegment.AS_SET:
        parts.push(`{${s.asns.join(',')}}`);
        break;
      case AsPathSegment.AS_CONFED_SEQUENCE:
        parts.push(`(${s.asns.join(' ')})`);
        break;
      case AsPathSegment.AS_CONFED_SET:
        parts.push(`[${s.asns.join(',')}]`);
        break;
      default:
        parts.push(s.asns.join(' '));
    }
  }
  return parts.join(' ');
}

export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

export function formatLargeCommunity(l: number[], i: number): string {
  return `${l[i]}:${l[i + 1]}:${l[i + 2]}`;
}

export interface EncodeContext {
  /** 4-octet AS numbers negotiated with the receiver (RFC 6793). */
  as4: boolean;
}

function writeAttrHeader(w: Writer, flags: number, type: number, len: number): void {
  if (len > 255) w.u8(flags | AttrFlag.EXTENDED_LENGTH).u8(type).u16(len);
  else w.u8(flags & ~AttrFlag.EXTENDED_LENGTH).u8(type).u8(len);
}

function asPathBytes(path: AsSegment[], four: boolean): number {
  let n = 0;
  for (const s of path) {
    const full = Math.floor(s.asns.length / 255);
    const rest = s.asns.length % 255;
    n += full * (2 + 255 * (four ? 4 : 2)) + (rest > 0 ? 2 + rest * (four ? 4 : 2) : 0);
  }
  return n;
}

function writeAsPath(w: Writer, flags: number, type: number, path: AsSegment[], four: boolean): void {
  writeAttrHeader(w, flags, type, asPathBytes(path, four));
  for (const s of path) {
    // a segment holds at most 255 ASNs; longer ones are split (RFC 4271 §4.3)
    for (let i = 0; i < s.asns.length; i += 255) {
      const end = Math.min(s.asns.length, i + 255);
      w.u8(s.type).u8(end - i);
      for (let j = i; j < end; j++) {
        const a = s.asns[j]!;
        if (four) w.u32(a);
        else w.u16(a > 0xffff ? AS_TRANS : a);
      }
    }
  }
}

function needsAs4(path: AsSegment[]): boolean {
  for (const s of path) for (const a of s.asns) if (a > 0xffff) return true;
  return false;
}

const scratch = new Writer(4096);

/**
 * Encodes every attribute except MP_REACH_NLRI / MP_UNREACH_NLRI (those carry NLRI and are
 * written by the UPDATE encoder). Attributes come out in type-code order.
 */
export function encodeAttrs(a: PathAttrs, ctx: EncodeContext): Buffer {
  const n = encodeAttrsScratch(a, ctx);
  return Buffer.from(scratch.buf.subarray(0, n));
}

/** The 4-octet encoding as a latin1 string: an interning key without an intermediate Buffer. */
export function attrsKey(a: PathAttrs): string {
  const n = encodeAttrsScratch(a, { as4: true });
  return scratch.buf.toString('latin1', 0, n);
}

/** Like encodeAttrs, into the shared scratch buffer; returns the length written. */
function encodeAttrsScratch(a: PathAttrs, ctx: EncodeContext): number {
  const w = scratch;
  w.pos = 0;
  if (a.origin >= 0) {
    writeAttrHeader(w, AttrFlag.TRANSITIVE, AttrType.ORIGIN, 1);
    w.u8(a.origin);
  }
  writeAsPath(w, AttrFlag.TRANSITIVE, AttrType.AS_PATH, a.asPath, ctx.as4);
  if (a.nextHop >= 0) {
    writeAttrHeader(w, AttrFlag.TRANSITIVE, AttrType.NEXT_HOP, 4);
    w.u32(a.nextHop);
  }
  if (a.med >= 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL, AttrType.MULTI_EXIT_DISC, 4);
    w.u32(a.med);
  }
  if (a.localPref >= 0) {
    writeAttrHeader(w, AttrFlag.TRANSITIVE, AttrType.LOCAL_PREF, 4);
    w.u32(a.localPref);
  }
  if (a.atomicAggregate) writeAttrHeader(w, AttrFlag.TRANSITIVE, AttrType.ATOMIC_AGGREGATE, 0);
  if (a.aggregator) {
    const ag = a.aggregator;
    writeAttrHeader(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AGGREGATOR, ctx.as4 ? 8 : 6);
    if (ctx.as4) w.u32(ag.asn);
    else w.u16(ag.asn > 0xffff ? AS_TRANS : ag.asn);
    w.u32(ag.addr);
  }
  if (a.communities && a.communities.length > 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.COMMUNITIES, a.communities.length * 4);
    for (const c of a.communities) w.u32(c);
  }
  if (a.originatorId >= 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL, AttrType.ORIGINATOR_ID, 4);
    w.u32(a.originatorId);
  }
  if (a.clusterList && a.clusterList.length > 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL, AttrType.CLUSTER_LIST, a.clusterList.length * 4);
    for (const c of a.clusterList) w.u32(c);
  }
  if (a.extCommunities && a.extCommunities.length > 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.EXTENDED_COMMUNITIES, a.extCommunities.length);
    w.bytes(a.extCommunities);
  }
  if (!ctx.as4 && needsAs4(a.asPath)) {
    // RFC 6793 §4.2.2: a NEW speaker sends AS4_PATH to an OLD one when the path has 4-octet ASNs.
    const plain = a.asPath.filter((s) => s.type === AsPathSegment.AS_SEQUENCE || s.type === AsPathSegment.AS_SET);
    writeAsPath(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AS4_PATH, plain, true);
  }
  if (!ctx.as4 && a.aggregator && a.aggregator.asn > 0xffff) {
    writeAttrHeader(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.AS4_AGGREGATOR, 8);
    w.u32(a.aggregator.asn).u32(a.aggregator.addr);
  }
  if (a.largeCommunities && a.largeCommunities.length > 0) {
    writeAttrHeader(w, AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE, AttrType.LARGE_COMMUNITY, a.largeCommunities.length * 4);
    for (const c of a.largeCommunities) w.u32(c);
  }
  if (a.unknown) {
    for (const u of a.unknown) {
      // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with Partial set.
      writeAttrHeader(w, u.flags | AttrFlag.PARTIAL, u.type, u.value.length);
      w.bytes(u.value);
    }
  }
  return w.pos;
}
