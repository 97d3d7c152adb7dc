// Message framing: the 19-byte header (RFC 4271 §4.1) and its error checks (§6.1).

import { ErrCode, HEADER_LEN, HeaderSub, MARKER_LEN, MAX_MESSAGE_LEN, MsgType } from './constants.ts';
import { BgpError } from './errors.ts';

/** Minimum total length per message type (RFC 4271 §4, RFC 2918 §3). */
const MIN_LEN: Record<number, number> = {
  [MsgType.OPEN]: 29,
  [MsgType.UPDATE]: 23,
  [MsgType.NOTIFICATION]: 21,
  [MsgType.KEEPALIVE]: 19,
  [MsgType.ROUTE_REFRESH]: 23,
};

export const KEEPALIVE_MESSAGE: Buffer = frame(MsgType.KEEPALIVE, new Uint8Array(0));

/** Writes a header in front of `body`. */
export function frame(type: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LEN + body.length);
  out.fill(0xff, 0, MARKER_LEN);
  out.writeUInt16BE(HEADER_LEN + body.length, 16);
  out[18] = type;
  out.set(body, HEADER_LEN);
  return out;
}

/** Writes a header at `at` for a message of total length `len` (the body is already in place). */
export function writeHeader(buf: Uint8Array, at: number, len: number, type: number): void {
  buf.fill(0xff, at, at + MARKER_LEN);
  buf[at + 16] = len >>> 8;
  buf[at + 17] = len & 0xff;
  buf[at + 18] = type;
}

export type MessageHandler = (type: number, buf: Buffer, start: number, end: number) => void;

/**
 * Splits a byte stream into messages. `start..end` passed to the handler is the body (after the
 * header). Whole messages inside one chunk are handed over without copying.
 */
export class Framer {
  maxLength = MAX_MESSAGE_LEN;
  private pending: Buffer | undefined;

  /** Feeds one chunk; throws BgpError on a header error (the caller answers with a NOTIFICATION). */
  push(chunk: Buffer, onMessage: MessageHandler): void {
    let buf = chunk;
    if (this.pending) {
      // complete the held-back message with just the bytes it needs, then go on in place
      const held = this.pending;
      const need = held.length >= HEADER_LEN ? checkHeader(held, 0, this.maxLength) - held.length : HEADER_LEN - held.length;
      if (chunk.length < need) {
        this.pending = Buffer.concat([held, chunk]);
        return;
      }
      this.pending = undefined;
      const joined = Buffer.concat([held, chunk.subarray(0, need)]);
      if (held.length < HEADER_LEN) {
        // the header was incomplete: now it is whole, and the rest of the message follows
        this.push(Buffer.concat([joined, chunk.subarray(need)]), onMessage);
        return;
      }
      onMessage(joined[18]!, joined, HEADER_LEN, joined.length);
      buf = chunk.subarray(need);
    }
    let off = 0;
    const n = buf.length;
    while (n - off >= HEADER_LEN) {
      const len = checkHeader(buf, off, this.maxLength);
      if (n - off < len) break;
      onMessage(buf[off + 18]!, buf, off + HEADER_LEN, off + len);
      off += len;
    }
    if (off < n) this.pending = Buffer.from(buf.subarray(off));
  }

  /** Bytes held back waiting for the rest of a message. */
  buffered(): number {
    return this.pending?.length ?? 0;
  }
}

/** Validates the header at `off` and returns the message length. */
export function checkHeader(buf: Uint8Array, off: number, maxLength: number): number {
  for (let i = 0; i < MARKER_LEN; i++) {
    if (buf[off + i] !== 0xff) throw new BgpError(ErrCode.MESSAGE_HEADER, HeaderSub.CONNECTION_NOT_SYNCHRONIZED);
  }
  const len = (buf[off + 16]! << 8) | buf[off + 17]!;
  const type = buf[off + 18]!;
  if (len < HEADER_LEN || len > maxLength) throw badLength(len);
  const min = MIN_LEN[type];
  if (min === undefined) throw new BgpError(ErrCode.MESSAGE_HEADER, HeaderSub.BAD_MESSAGE_TYPE, Uint8Array.of(type));
  // RFC 4271 §6.1: too short for its type, or a KEEPALIVE that is not exactly 19 bytes.
  if (len < min || (type === MsgType.KEEPALIVE && len !== HEADER_LEN)) throw badLength(len);
  return len;
}

function badLength(len: number): BgpError {
  return new BgpError(ErrCode.MESSAGE_HEADER, HeaderSub.BAD_MESSAGE_LENGTH, Uint8Array.of(len >> 8, len & 0xff));
}
