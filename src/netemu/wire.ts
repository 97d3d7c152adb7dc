// Packets to bytes, for pcap files: Ethernet, ARP, IPv4 (with header checksum), IPv6, TCP/UDP/ICMP
// (with pseudo-header checksums), ICMPv6 incl. neighbour discovery, VXLAN and Geneve with their
// inner frames. Only captures serialise; the forwarding path never does.

import { macBytes } from './mac.ts';
import {
  type ArpPacket,
  type Encap,
  type EthFrame,
  type IcmpMessage,
  type IpPacket,
  type TcpOptions,
  type TcpSegment,
  type UdpDatagram,
  ipLen,
} from './packet.ts';

class Buf {
  b: Uint8Array;
  n = 0;
  constructor(size: number) {
    this.b = new Uint8Array(size);
  }
  u8(v: number): void {
    this.b[this.n++] = v & 0xff;
  }
  u16(v: number): void {
    this.b[this.n++] = (v >>> 8) & 0xff;
    this.b[this.n++] = v & 0xff;
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  bytes(x: ArrayLike<number>): void {
    this.b.set(x, this.n);
    this.n += x.length;
  }
  mac(m: number): void {
    this.bytes(macBytes(m));
  }
  addr(a: number | bigint): void {
    if (typeof a === 'number') this.u32(a);
    else for (let i = 7; i >= 0; i--) this.u16(Number((a >> BigInt(i * 16)) & 0xffffn));
  }
}

/** RFC 1071 one's-complement sum (not yet complemented), continuing from `start`. */
function sum16(b: Uint8Array, from: number, to: number, start = 0): number {
  let s = start;
  for (let i = from; i + 1 < to; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if ((to - from) & 1) s += b[to - 1]! << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

function pseudoSum(ip: IpPacket, len: number): number {
  const b = new Buf(40);
  b.addr(ip.src);
  b.addr(ip.dst);
  let s = sum16(b.b, 0, b.n);
  s += len + ip.proto;
  return s;
}

function writeTcpOptions(b: Buf, o: TcpOptions): void {
  const start = b.n;
  if (o.mss !== undefined) {
    // Linux SYN layout: mss, sackOK, TS, nop, wscale
    b.bytes([2, 4]);
    b.u16(o.mss);
    if (o.sackOk) b.bytes([4, 2]);
    if (o.ts) {
      b.bytes([8, 10]);
      b.u32(o.ts.val);
      b.u32(o.ts.ecr);
    } else if (o.sackOk) b.bytes([1, 1]);
    if (o.wscale !== undefined) b.bytes([1, 3, 3, o.wscale]);
  } else if (o.ts) {
    b.bytes([1, 1, 8, 10]);
    b.u32(o.ts.val);
    b.u32(o.ts.ecr);
  }
  while ((b.n - start) % 4 !== 0) b.u8(1);
}

function writeL4(b: Buf, ip: IpPacket): void {
  const start = b.n;
  const l4 = ip.l4;
  switch (l4.kind) {
    case 'tcp':
      writeTcp(b, l4);
      break;
    case 'udp':
      writeUdp(b, l4);
      break;
    case 'icmp':
      writeIcmp(b, ip, l4);
      break;
    case 'raw':
      b.bytes(l4.data);
      return;
  }
  const len = b.n - start;
  const csumAt = l4.kind === 'tcp' ? start + 16 : l4.kind === 'udp' ? start + 6 : start + 2;
  if (l4.kind === 'udp' && !(l4.data instanceof Uint8Array)) {
    // tunnel UDP: zero checksum (Linux vxlan/geneve default over IPv4, udpcsum off)
    if (ip.v === 4) return;
  }
  const pseudo = l4.kind === 'icmp' && ip.v === 4 ? 0 : pseudoSum(ip, len);
  let c = fold(sum16(b.b, start, b.n, pseudo));
  if (l4.kind === 'udp' && c === 0) c = 0xffff;
  b.b[csumAt] = c >>> 8;
  b.b[csumAt + 1] = c & 0xff;
}

function writeTcp(b: Buf, t: TcpSegment): void {
  b.u16(t.sport);
  b.u16(t.dport);
  b.u32(t.seq);
  b.u32(t.ack);
  const hdrAt = b.n;
  b.u16(0);
  b.u16(t.win);
  b.u16(0);
  b.u16(0);
  const optStart = b.n;
  writeTcpOptions(b, t.opts);
  const hlen = 20 + (b.n - optStart);
  b.b[hdrAt] = (hlen / 4) << 4;
  b.b[hdrAt + 1] = t.flags;
  b.bytes(t.data);
}

function writeUdp(b: Buf, u: UdpDatagram): void {
  const start = b.n;
  b.u16(u.sport);
  b.u16(u.dport);
  b.u16(0);
  b.u16(0);
  if (u.data instanceof Uint8Array) b.bytes(u.data);
  else writeEncap(b, u.data);
  const len = b.n - start;
  b.b[start + 4] = len >>> 8;
  b.b[start + 5] = len & 0xff;
}

function writeEncap(b: Buf, e: Encap): void {
  if (e.kind === 'vxlan') {
    b.u8(0x08);
    b.bytes([0, 0, 0]);
    b.u16(e.vni >>> 8);
    b.u8(e.vni & 0xff);
    b.u8(0);
  } else {
    const opts = e.options ?? new Uint8Array(0);
    b.u8(opts.length / 4);
    b.u8(0);
    b.u16(0x6558);
    b.u16(e.vni >>> 8);
    b.u8(e.vni & 0xff);
    b.u8(0);
    b.bytes(opts);
  }
  writeFrame(b, e.inner);
}

function writeIcmp(b: Buf, ip: IpPacket, m: IcmpMessage): void {
  b.u8(m.type);
  b.u8(m.code);
  b.u16(0);
  if (m.orig) {
    if (ip.v === 4) {
      b.u16(0);
      b.u16(m.type === 3 && m.code === 4 ? (m.mtu ?? 0) : 0);
    } else b.u32(m.type === 2 ? (m.mtu ?? 0) : 0);
    const orig = serializeIp(m.orig);
    b.bytes(orig.subarray(0, Math.min(orig.length, m.quoteLen ?? orig.length)));
    return;
  }
  if (m.target !== undefined) {
    // neighbour solicitation / advertisement
    b.u32(m.type === 136 ? (m.ndFlags ?? 0) << 24 : 0);
    b.addr(m.target);
    if (m.lladdr !== undefined) {
      b.u8(m.type === 135 ? 1 : 2);
      b.u8(1);
      b.mac(m.lladdr);
    }
    return;
  }
  b.u16(m.id);
  b.u16(m.seq);
  b.bytes(m.data);
}

/** The bytes of an IP packet (header + payload). */
export function serializeIp(ip: IpPacket): Uint8Array {
  const total = ipLen(ip);
  const b = new Buf(total);
  writeIpInto(b, ip, total);
  return b.b.subarray(0, b.n);
}

function writeIpInto(b: Buf, ip: IpPacket, total: number): void {
  const start = b.n;
  if (ip.v === 4) {
    const opts = ip.options ?? new Uint8Array(0);
    b.u8(0x40 | ((20 + opts.length) / 4));
    b.u8(ip.tos);
    b.u16(total);
    b.u16(ip.id);
    b.u16(ip.df ? 0x4000 : 0);
    b.u8(ip.ttl);
    b.u8(ip.proto);
    b.u16(0);
    b.addr(ip.src);
    b.addr(ip.dst);
    b.bytes(opts);
    const c = fold(sum16(b.b, start, b.n));
    b.b[start + 10] = c >>> 8;
    b.b[start + 11] = c & 0xff;
  } else {
    b.u32((6 << 28) | ((ip.tos & 0xff) << 20) | (ip.flowLabel & 0xfffff));
    b.u16(total - 40);
    b.u8(ip.proto);
    b.u8(ip.ttl);
    b.addr(ip.src);
    b.addr(ip.dst);
  }
  writeL4(b, ip);
}

function writeArp(b: Buf, a: ArpPacket): void {
  b.u16(1);
  b.u16(0x0800);
  b.u8(6);
  b.u8(4);
  b.u16(a.op);
  b.mac(a.sha);
  b.u32(a.spa);
  b.mac(a.tha);
  b.u32(a.tpa);
}

function writeFrame(b: Buf, f: EthFrame): void {
  b.mac(f.dst);
  b.mac(f.src);
  b.u16(f.type);
  if (f.payload.kind === 'arp') writeArp(b, f.payload);
  else writeIpInto(b, f.payload, ipLen(f.payload));
}

/** The Ethernet frame's bytes; `pad` adds the padding a received short frame carries (60 bytes). */
export function serializeFrame(f: EthFrame, pad = false): Uint8Array {
  const len = 14 + (f.payload.kind === 'arp' ? 28 : ipLen(f.payload));
  const b = new Buf(Math.max(len, 60));
  writeFrame(b, f);
  if (pad && b.n < 60) b.n = 60;
  return b.b.subarray(0, b.n);
}
