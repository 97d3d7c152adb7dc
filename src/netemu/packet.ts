// Packets as plain structured objects. Nothing on the forwarding path serialises; bytes are made
// only for pcap (wire.ts). Headers are mutable: a router decrements ttl in place, a NAT rewrites
// addresses in place, and whoever needs a second copy calls clone*().

import type { Addr } from './addr.ts';
import type { Mac } from './mac.ts';

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_TEB = 0x6558;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export interface EthFrame {
  dst: Mac;
  src: Mac;
  type: number;
  payload: ArpPacket | IpPacket;
}

export interface ArpPacket {
  kind: 'arp';
  op: number;
  sha: Mac;
  spa: number;
  tha: Mac;
  tpa: number;
}

export interface TcpOptions {
  mss?: number;
  sackOk?: boolean;
  ts?: { val: number; ecr: number };
  wscale?: number;
}

export interface TcpSegment {
  kind: 'tcp';
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  opts: TcpOptions;
  data: Uint8Array;
}

/** A VXLAN or Geneve header carrying an inner Ethernet frame. */
export interface Encap {
  kind: 'vxlan' | 'geneve';
  vni: number;
  /** Geneve options (TLVs), kept as bytes. */
  options?: Uint8Array;
  inner: EthFrame;
}

export interface UdpDatagram {
  kind: 'udp';
  sport: number;
  dport: number;
  data: Uint8Array | Encap;
}

export interface IcmpMessage {
  kind: 'icmp';
  type: number;
  code: number;
  /** Echo identifier / sequence (0 for other types). */
  id: number;
  seq: number;
  data: Uint8Array;
  /** For errors: the offending packet as it was received (quoted up to `quoteLen` bytes). */
  orig?: IpPacket;
  quoteLen?: number;
  /** Fragmentation needed: next-hop MTU. */
  mtu?: number;
  /** ICMPv6 neighbour discovery: target address and link-layer address option. */
  target?: bigint;
  lladdr?: Mac;
  /** ND advertisement flags (router, solicited, override). */
  ndFlags?: number;
}

export interface RawL4 {
  kind: 'raw';
  data: Uint8Array;
}

export type L4 = TcpSegment | UdpDatagram | IcmpMessage | RawL4;

export interface IpPacket {
  kind: 'ip';
  v: 4 | 6;
  src: Addr;
  dst: Addr;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** TOS (IPv4) or traffic class (IPv6). */
  tos: number;
  id: number;
  df: boolean;
  flowLabel: number;
  /** IPv4 options, as bytes (e.g. Cilium's DSR option). */
  options?: Uint8Array;
  proto: number;
  l4: L4;
}

/** Per-packet metadata that is not on the wire (the skb). */
export interface Skb {
  frame: EthFrame;
  /** Modelled time (ms since the epoch) at which the packet is where it currently is. */
  t: number;
  mark: number;
  /** Tunnel key set by a BPF program (collect_md) or learned on decapsulation; Geneve options as TLV bytes. */
  tunnel?: { remote: Addr; vni: number; local?: Addr; options?: Uint8Array };
  /** Redirect/forward count, to stop loops the way the kernel's recursion limit does. */
  hops: number;
  /** Host that originated the packet (for local-out sockets), for diagnostics. */
  origin?: string;
}

const EMPTY = new Uint8Array(0);

export function tcpOptionsLen(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.sackOk) n += 2;
  if (o.ts) n += 10;
  if (o.wscale !== undefined) n += 3;
  // Linux pads with NOPs to a multiple of 4 (SYN: mss,sackOK,TS,nop,wscale = 20; data: nop,nop,TS = 12)
  return (n + 3) & ~3;
}

export function l4Len(l4: L4): number {
  switch (l4.kind) {
    case 'tcp':
      return 20 + tcpOptionsLen(l4.opts) + l4.data.length;
    case 'udp':
      return 8 + (l4.data instanceof Uint8Array ? l4.data.length : encapLen(l4.data));
    case 'icmp': {
      if (l4.orig) return 8 + Math.min(ipLen(l4.orig), l4.quoteLen ?? ipLen(l4.orig));
      if (l4.target !== undefined) return 24 + (l4.lladdr !== undefined ? 8 : 0);
      return 8 + l4.data.length;
    }
    case 'raw':
      return l4.data.length;
  }
}

export function encapLen(e: Encap): number {
  return 8 + (e.options?.length ?? 0) + ethLen(e.inner);
}

/** Bytes of the IP packet (header + payload). */
export function ipLen(p: IpPacket): number {
  const hdr = p.v === 4 ? 20 + (p.options?.length ?? 0) : 40;
  return hdr + l4Len(p.l4);
}

/** Bytes of the Ethernet frame without FCS or padding. */
export function ethLen(f: EthFrame): number {
  return 14 + (f.payload.kind === 'arp' ? 28 : ipLen(f.payload));
}

export function cloneFrame(f: EthFrame): EthFrame {
  return { dst: f.dst, src: f.src, type: f.type, payload: f.payload.kind === 'arp' ? { ...f.payload } : cloneIp(f.payload) };
}

export function cloneIp(p: IpPacket): IpPacket {
  return { ...p, l4: cloneL4(p.l4) };
}

function cloneL4(l4: L4): L4 {
  switch (l4.kind) {
    case 'tcp':
      return { ...l4, opts: { ...l4.opts, ts: l4.opts.ts ? { ...l4.opts.ts } : undefined } };
    case 'udp':
      return {
        ...l4,
        data: l4.data instanceof Uint8Array ? l4.data : { ...l4.data, inner: cloneFrame(l4.data.inner) },
      };
    case 'icmp':
      return { ...l4, orig: l4.orig ? cloneIp(l4.orig) : undefined };
    case 'raw':
      return { ...l4 };
  }
}

export function cloneSkb(s: Skb): Skb {
  return { ...s, frame: cloneFrame(s.frame), tunnel: s.tunnel ? { ...s.tunnel } : undefined };
}

export function ipOf(f: EthFrame): IpPacket | undefined {
  return f.payload.kind === 'ip' ? f.payload : undefined;
}

/** Source and destination ports of TCP/UDP (ICMP echo: identifier as both, as flow hashing does). */
export function portsOf(p: IpPacket): [number, number] {
  const l4 = p.l4;
  if (l4.kind === 'tcp' || l4.kind === 'udp') return [l4.sport, l4.dport];
  if (l4.kind === 'icmp' && (l4.type === 8 || l4.type === 0 || l4.type === 128 || l4.type === 129)) return [l4.id, 0];
  return [0, 0];
}

export function makeIp(
  src: Addr,
  dst: Addr,
  proto: number,
  l4: L4,
  opts: { ttl?: number; tos?: number; id?: number; df?: boolean; flowLabel?: number } = {},
): IpPacket {
  return {
    kind: 'ip',
    v: typeof src === 'number' ? 4 : 6,
    src,
    dst,
    ttl: opts.ttl ?? 64,
    tos: opts.tos ?? 0,
    id: opts.id ?? 0,
    df: opts.df ?? true,
    flowLabel: opts.flowLabel ?? 0,
    proto,
    l4,
  };
}

export function emptyData(): Uint8Array {
  return EMPTY;
}
