// Network devices: loopback, Ethernet ports on an L2 segment, veth pairs, dummies and
// VXLAN/Geneve tunnel devices. A device moves frames; the host's stack decides what they mean.
// tc programs (the Cilium datapath) attach at ingress/egress exactly where tc-BPF runs in Linux:
// ingress after the packet taps (tcpdump sees the packet as it arrived), egress before them
// (tcpdump sees what the program made of it).

import type { Addr } from './addr.ts';
import type { Host } from './host.ts';
import type { Mac } from './mac.ts';
import type { Skb } from './packet.ts';
import type { Segment } from './segment.ts';

export type IfKind = 'loopback' | 'ether' | 'veth' | 'dummy' | 'vxlan' | 'geneve';

export interface IfAddr {
  addr: Addr;
  len: number;
  /** IPv4 broadcast address, when configured (`brd +`). */
  brd?: number;
  /** 0 global, 253 link, 254 host. */
  scope: number;
  label?: string;
  /** Route metric of the prefix route (DHCP addresses: 100). */
  metric?: number;
  noprefixroute?: boolean;
  /** DHCP lease: start (ms) and length (s); the client renews at half-time. */
  lease?: { start: number; seconds: number };
  /** IPv6: address came from the kernel (link-local), prints without `noprefixroute`. */
  secondary?: boolean;
}

export type TcDirection = 'ingress' | 'egress';

export type TcVerdict =
  | { action: 'ok' }
  | { action: 'drop'; reason: string }
  | { action: 'stolen' }
  | { action: 'redirect'; to: Iface; mode: 'egress' | 'ingress' | 'peer' };

export const TC_OK: TcVerdict = { action: 'ok' };
export const TC_STOLEN: TcVerdict = { action: 'stolen' };

/** A program attached with tc to a device (Cilium's bpf_lxc, bpf_host, bpf_overlay...). */
export type TcProgram = (skb: Skb, dev: Iface, dir: TcDirection) => TcVerdict;

export interface TunnelConfig {
  /** UDP destination port (VXLAN 8472 in Cilium, IANA 4789; Geneve 6081). */
  port: number;
  /** collect_md ("external") mode: the remote and VNI come from the skb's tunnel key. */
  external: boolean;
  vni?: number;
  remote?: Addr;
  /** Source UDP port range for the flow hash (Linux default: the local port range). */
  srcPortMin: number;
  srcPortMax: number;
}

export type PacketTap = (dev: Iface, skb: Skb, dir: 'In' | 'Out') => void

export interface IfStats {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

export class Iface {
  readonly host: Host;
  name: string;
  readonly index: number;
  readonly kind: IfKind;
  mac: Mac;
  mtu: number;
  adminUp = false;
  addrs: IfAddr[] = [];
  segment: Segment | undefined;
  peer: Iface | undefined;
  noarp: boolean;
  qdisc: string;
  qlen: number;
  altnames: string[] = [];
  /** For veth ends whose peer lives in another namespace: `link-netns NAME` or `link-netnsid N`. */
  linkNetns: string | undefined;
  tunnel: TunnelConfig | undefined;
  tcIngress: TcProgram | undefined;
  tcEgress: TcProgram | undefined;
  readonly stats: IfStats = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  /** IPv6 enabled (link-local generated on up). */
  ipv6 = true;

  constructor(host: Host, name: string, index: number, kind: IfKind, mac: Mac, mtu: number) {
    this.host = host;
    this.name = name;
    this.index = index;
    this.kind = kind;
    this.mac = mac;
    this.mtu = mtu;
    this.noarp = kind === 'loopback' || kind === 'dummy';
    this.qdisc = kind === 'ether' ? 'fq_codel' : 'noqueue';
    this.qlen = kind === 'vxlan' || kind === 'geneve' ? 0 : 1000;
  }

  /** Lower layer present: cable plugged, veth peer up. */
  get carrier(): boolean {
    switch (this.kind) {
      case 'ether':
        return this.segment !== undefined && this.host.up;
      case 'veth':
        return this.peer?.adminUp === true && this.peer.host.up;
      default:
        return true;
    }
  }

  get running(): boolean {
    return this.adminUp && this.carrier && this.host.up;
  }

  /** iproute2's operstate word. */
  get operState(): 'UP' | 'DOWN' | 'UNKNOWN' | 'LOWERLAYERDOWN' {
    if (!this.adminUp) return 'DOWN';
    if (this.kind === 'loopback' || this.kind === 'dummy' || this.kind === 'vxlan' || this.kind === 'geneve') {
      return 'UNKNOWN';
    }
    if (!this.carrier) return this.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
    return 'UP';
  }

  /** `<BROADCAST,MULTICAST,UP,LOWER_UP>` flag words in the kernel's order. */
  flagWords(): string[] {
    const words: string[] = [];
    if (this.adminUp && !this.carrier) words.push('NO-CARRIER');
    if (this.kind === 'loopback') words.push('LOOPBACK');
    else words.push('BROADCAST', 'MULTICAST');
    if (this.noarp && this.kind !== 'loopback') words.push('NOARP');
    if (this.adminUp) words.push('UP');
    if (this.adminUp && this.carrier) words.push('LOWER_UP');
    return words;
  }

  v4Addrs(): IfAddr[] {
    return this.addrs.filter((a) => typeof a.addr === 'number');
  }

  v6Addrs(): IfAddr[] {
    return this.addrs.filter((a) => typeof a.addr === 'bigint');
  }

  /** Transmit (dev_queue_xmit): tc egress, then the taps, then the device's own transmit. */
  xmit(skb: Skb): void {
    this.host.net.xmit(this, skb);
  }

  /** Receive (netif_receive_skb): taps, then tc ingress, then the host's stack. */
  receive(skb: Skb): void {
    this.host.net.receive(this, skb);
  }
}
