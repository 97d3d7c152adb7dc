// Packs prefixes that share attributes into as few UPDATEs as fit (RFC 4271 §4.3, RFC 4760 §3/§4),
// writing straight from the table's typed arrays into large output chunks.

import { Afi, AttrFlag, AttrType, HEADER_LEN, MsgType, Safi } from '../wire/constants.ts';
import { writeHeader } from '../wire/message.ts';
import { encodeEndOfRib } from '../wire/update.ts';
import type { RibTable } from './table.ts';

const CHUNK = 1 << 18;
/** One scratch area for every writer (messages are built, then copied out at exact size). */
let scratch: Buffer = Buffer.allocUnsafe(CHUNK);

export class UpdateWriter {
  private chunks: Buffer[] = [];
  private buf: Buffer = scratch;
  private pos = 0;
  /** UPDATE messages written since the last take(). */
  messages = 0;

  constructor(readonly maxLen: number) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.spill();
    if (n > scratch.length) scratch = Buffer.allocUnsafe(n);
    this.buf = scratch;
  }

  /** Copies what is in the scratch area out (writers never interleave: all of this is synchronous). */
  private spill(): void {
    if (this.pos === 0) return;
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.chunks.push(out);
    this.pos = 0;
  }

  /** Everything written so far, as buffers ready for the socket. */
  take(): Buffer[] {
    this.spill();
    const out = this.chunks;
    this.chunks = [];
    return out;
  }

  private put4(b: Buffer, p: number, t: RibTable, d: number): number {
    const len = t.dLen[d]!;
    const a = t.dAddr[d]!;
    b[p++] = len;
    if (len > 0) b[p++] = a >>> 24;
    if (len > 8) b[p++] = (a >>> 16) & 0xff;
    if (len > 16) b[p++] = (a >>> 8) & 0xff;
    if (len > 24) b[p++] = a & 0xff;
    return p;
  }

  private put6(b: Buffer, p: number, t: RibTable, d: number): number {
    const len = t.dLen[d]!;
    const a = t.dAddr6[d]!;
    b[p++] = len;
    const nb = (len + 7) >> 3;
    for (let i = 0; i < nb; i++) b[p++] = Number((a >> BigInt(120 - 8 * i)) & 0xffn);
    return p;
  }

  private static size(t: RibTable, d: number): number {
    return 1 + ((t.dLen[d]! + 7) >> 3);
  }

  /** IPv4 announcements sharing one encoded attribute block (NEXT_HOP included). */
  announce4(attrs: Buffer, t: RibTable, dests: ArrayLike<number>, count: number): void {
    let i = 0;
    while (i < count) {
      this.room(this.maxLen);
      const b = this.buf;
      const start = this.pos;
      const limit = start + this.maxLen;
      let p = start + HEADER_LEN;
      b[p++] = 0;
      b[p++] = 0;
      b[p++] = attrs.length >> 8;
      b[p++] = attrs.length & 0xff;
      attrs.copy(b, p);
      p += attrs.length;
      while (i < count) {
        const d = dests[i]!;
        if (p + UpdateWriter.size(t, d) > limit) break;
        p = this.put4(b, p, t, d);
        i++;
      }
      writeHeader(b, start, p - start, MsgType.UPDATE);
      this.pos = p;
      this.messages++;
    }
  }

  withdraw4(t: RibTable, dests: ArrayLike<number>, count: number): void {
    let i = 0;
    while (i < count) {
      this.room(this.maxLen);
      const b = this.buf;
      const start = this.pos;
      const limit = start + this.maxLen - 2; // the empty attribute length follows
      let p = start + HEADER_LEN + 2;
      while (i < count) {
        const d = dests[i]!;
        if (p + UpdateWriter.size(t, d) > limit) break;
        p = this.put4(b, p, t, d);
        i++;
      }
      const wlen = p - (start + HEADER_LEN + 2);
      b[start + HEADER_LEN] = wlen >> 8;
      b[start + HEADER_LEN + 1] = wlen & 0xff;
      b[p++] = 0;
      b[p++] = 0;
      writeHeader(b, start, p - start, MsgType.UPDATE);
      this.pos = p;
      this.messages++;
    }
  }

  /** IPv6 announcements: MP_REACH_NLRI first (as FRR orders it), then the other attributes. */
  announce6(attrs: Buffer, nextHop: Uint8Array, t: RibTable, dests: ArrayLike<number>, count: number): void {
    let i = 0;
    while (i < count) {
      this.room(this.maxLen);
      const b = this.buf;
      const start = this.pos;
      const limit = start + this.maxLen - attrs.length;
      let p = start + HEADER_LEN + 2;
      b[start + HEADER_LEN] = 0;
      b[start + HEADER_LEN + 1] = 0;
      const alenAt = p;
      p += 2;
      const mpAt = p;
      b[p++] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      b[p++] = AttrType.MP_REACH_NLRI;
      p += 2;
      const mpBody = p;
      b[p++] = 0;
      b[p++] = Afi.IPV6;
      b[p++] = Safi.UNICAST;
      b[p++] = nextHop.length;
      b.set(nextHop, p);
      p += nextHop.length;
      b[p++] = 0;
      while (i < count) {
        const d = dests[i]!;
        if (p + UpdateWriter.size(t, d) > limit) break;
        p = this.put6(b, p, t, d);
        i++;
      }
      const mpLen = p - mpBody;
      b[mpAt + 2] = mpLen >> 8;
      b[mpAt + 3] = mpLen & 0xff;
      attrs.copy(b, p);
      p += attrs.length;
      const alen = p - mpAt;
      b[alenAt] = alen >> 8;
      b[alenAt + 1] = alen & 0xff;
      writeHeader(b, start, p - start, MsgType.UPDATE);
      this.pos = p;
      this.messages++;
    }
  }

  withdraw6(t: RibTable, dests: ArrayLike<number>, count: number): void {
    let i = 0;
    while (i < count) {
      this.room(this.maxLen);
      const b = this.buf;
      const start = this.pos;
      const limit = start + this.maxLen;
      let p = start + HEADER_LEN;
      b[p++] = 0;
      b[p++] = 0;
      const alenAt = p;
      p += 2;
      const mpAt = p;
      b[p++] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      b[p++] = AttrType.MP_UNREACH_NLRI;
      p += 2;
      const body = p;
      b[p++] = 0;
      b[p++] = Afi.IPV6;
      b[p++] = Safi.UNICAST;
      while (i < count) {
        const d = dests[i]!;
        if (p + UpdateWriter.size(t, d) > limit) break;
        p = this.put6(b, p, t, d);
        i++;
      }
      const len = p - body;
      b[mpAt + 2] = len >> 8;
      b[mpAt + 3] = len & 0xff;
      const alen = p - mpAt;
      b[alenAt] = alen >> 8;
      b[alenAt + 1] = alen & 0xff;
      writeHeader(b, start, p - start, MsgType.UPDATE);
      this.pos = p;
      this.messages++;
    }
  }

  endOfRib(family: 'ipv4-unicast' | 'ipv6-unicast'): void {
    const m = encodeEndOfRib(family);
    this.room(m.length);
    m.copy(this.buf, this.pos);
    this.pos += m.length;
    this.messages++;
  }
}
