// Record framing for the write-ahead log and snapshots:
//   u32 LE payload length | u32 LE CRC-32 (zlib polynomial) of the payload | payload (a UTF-8 JSON object)
// and a scanner that tells a torn tail (a write cut short by a crash) from corruption in the middle.

import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 8;
/** Larger declared lengths are treated as garbage rather than allocated. */
export const MAX_RECORD_BYTES = 1 << 30;

export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

export interface ScannedRecord {
  offset: number;
  payload: Buffer;
}

export interface BadRecord {
  offset: number;
  reason: string;
  /**
   * Where the next intact record starts, if any. None means this is the end of an interrupted
   * append (a crash leaves a prefix of what was written; some filesystems add zeros after a power
   * cut) and the tail can be dropped; one means corruption with data after it.
   */
  nextIntact?: number;
}

export interface ScanResult {
  records: ScannedRecord[];
  bad?: BadRecord;
}

const JSON_OBJECT_START = 0x7b; // '{'

/** Whether an intact record (plausible length, payload starting like a JSON object, CRC matching) starts at i. */
function intactAt(buf: Buffer, i: number): boolean {
  if (buf.length - i <= HEADER_BYTES) return false;
  const len = buf.readUInt32LE(i);
  if (len === 0 || len > buf.length - i - HEADER_BYTES || buf[i + HEADER_BYTES] !== JSON_OBJECT_START) return false;
  return crc32(buf.subarray(i + HEADER_BYTES, i + HEADER_BYTES + len)) === buf.readUInt32LE(i + 4);
}

function badAt(buf: Buffer, offset: number, reason: string): BadRecord {
  for (let i = offset + 1; i + HEADER_BYTES < buf.length; i++) if (intactAt(buf, i)) return { offset, reason, nextIntact: i };
  return { offset, reason };
}

export function scanRecords(buf: Buffer): ScanResult {
  const records: ScannedRecord[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < HEADER_BYTES) return { records, bad: badAt(buf, off, 'incomplete record header') };
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    if (len === 0 || len > MAX_RECORD_BYTES) return { records, bad: badAt(buf, off, `impossible record length ${len}`) };
    const end = off + HEADER_BYTES + len;
    if (end > buf.length) return { records, bad: badAt(buf, off, `record length ${len} runs past the end of the file`) };
    const payload = buf.subarray(off + HEADER_BYTES, end);
    if (crc32(payload) !== crc) return { records, bad: badAt(buf, off, 'CRC mismatch') };
    records.push({ offset: off, payload });
    off = end;
  }
  return { records };
}
