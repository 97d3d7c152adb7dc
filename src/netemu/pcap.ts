// Classic pcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html): LINKTYPE_ETHERNET
// for one interface, LINKTYPE_LINUX_SLL2 for `-i any` (direction, ifindex and source MAC
// per packet, like Linux's cooked v2 capture).

import type { Iface } from './iface.ts';
import { macBytes } from './mac.ts';
import type { Skb } from './packet.ts';
import { serializeFrame } from './wire.ts';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL2 = 276;
export const SNAPLEN = 262144;

export class PcapWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  count = 0;

  constructor(readonly linktype: number) {
    const h = new DataView(new ArrayBuffer(24));
    h.setUint32(0, 0xa1b2c3d4, true);
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setInt32(8, 0, true);
    h.setUint32(12, 0, true);
    h.setUint32(16, SNAPLEN, true);
    h.setUint32(20, linktype, true);
    this.push(new Uint8Array(h.buffer));
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  /** The file header (what a capture file starts with). */
  header(): Uint8Array {
    return this.parts[0]!;
  }

  /** Adds a captured packet at modelled time `t` (ms); returns the record's bytes. */
  add(dev: Iface, skb: Skb, dir: 'In' | 'Out', t: number): Uint8Array {
    const received = dir === 'In' && dev.kind === 'ether';
    const frame = serializeFrame(skb.frame, received);
    let data: Uint8Array;
    if (this.linktype === LINKTYPE_LINUX_SLL2) {
      const payload = frame.subarray(14);
      const hdr = new Uint8Array(20);
      const v = new DataView(hdr.buffer);
      v.setUint16(0, skb.frame.type);
      v.setUint32(4, dev.index);
      v.setUint16(8, dev.kind === 'loopback' ? 772 : 1);
      const dst = skb.frame.dst;
      hdr[10] = dir === 'Out' ? 4 : dst === 0xffffffffffff ? 1 : Math.floor(dst / 2 ** 40) & 1 ? 2 : dst === dev.mac || dev.kind === 'loopback' ? 0 : 3;
      hdr[11] = 6;
      hdr.set(macBytes(skb.frame.src), 12);
      data = new Uint8Array(20 + payload.length);
      data.set(hdr);
      data.set(payload, 20);
    } else data = frame;
    const rec = new DataView(new ArrayBuffer(16));
    const us = Math.round(t * 1000);
    rec.setUint32(0, Math.floor(us / 1e6), true);
    rec.setUint32(4, us % 1e6, true);
    rec.setUint32(8, Math.min(data.length, SNAPLEN), true);
    rec.setUint32(12, data.length, true);
    const body = data.length > SNAPLEN ? data.subarray(0, SNAPLEN) : data;
    const record = new Uint8Array(16 + body.length);
    record.set(new Uint8Array(rec.buffer));
    record.set(body, 16);
    this.push(record);
    this.count++;
    return record;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}
