// NOTIFICATION (RFC 4271 §4.5) with the shutdown communication of RFC 8203 / RFC 9003.

import { MsgType } from './constants.ts';
import { isShutdownSubcode, notificationText } from './errors.ts';
import { frame } from './message.ts';
import { copyBytes } from './prefix.ts';

export interface Notification {
  code: number;
  subcode: number;
  data: Uint8Array;
  /** RFC 9003 shutdown communication, when present and well formed. */
  shutdownMessage?: string;
}

const MAX_SHUTDOWN_LEN = 255; // RFC 9003 §2

export function encodeNotification(n: { code: number; subcode: number; data?: Uint8Array; shutdownMessage?: string }): Buffer {
  let data = n.data ?? new Uint8Array(0);
  if (n.shutdownMessage !== undefined && isShutdownSubcode(n.code, n.subcode)) {
    let text: Buffer = Buffer.from(n.shutdownMessage, 'utf8');
    if (text.length > MAX_SHUTDOWN_LEN) text = truncateUtf8(text, MAX_SHUTDOWN_LEN);
    data = Buffer.concat([Uint8Array.of(text.length), text]);
  }
  const body = new Uint8Array(2 + data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(data, 2);
  return frame(MsgType.NOTIFICATION, body);
}

export function decodeNotification(buf: Uint8Array, start: number, end: number): Notification {
  const code = buf[start]!;
  const subcode = buf[start + 1]!;
  const data = copyBytes(buf, start + 2, end);
  const out: Notification = { code, subcode, data };
  if (isShutdownSubcode(code, subcode) && data.length >= 1) {
    const len = data[0]!;
    // RFC 9003 §2: a length that runs past the data means there is no usable message.
    if (len > 0 && 1 + len <= data.length) {
      const text = new TextDecoder('utf-8', { fatal: true });
      try {
        out.shutdownMessage = text.decode(data.subarray(1, 1 + len));
      } catch {
        // invalid UTF-8: RFC 8203 §3 says the message is ignored
      }
    }
  }
  return out;
}

export function describeNotification(n: Notification): string {
  const base = notificationText(n.code, n.subcode);
  return n.shutdownMessage !== undefined ? `${base} ("${n.shutdownMessage}")` : base;
}

/** Cuts at a character boundary so the result stays valid UTF-8. */
function truncateUtf8(b: Buffer, max: number): Buffer {
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}
