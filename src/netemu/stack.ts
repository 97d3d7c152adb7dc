// The IPv4/IPv6 stack of one host: L2 input (MAC filter, ARP, ND), IP input (local delivery or
// forwarding with TTL and ICMP errors), local output (route, source selection, neighbour
// resolution), ICMP echo and error handling, and UDP tunnel decapsulation.

import { type Addr, V4_ANY, isLinkLocal6, isMulticast } from './addr.ts';
import type { Host } from './host.ts';
import type { Iface } from './iface.ts';
import { BROADCAST_MAC, type Mac, ZERO_MAC, isMulticastMac, multicastMac6 } from './mac.ts';
import type { NeighEntry } from './neigh.ts';
import {
  ARP_REPLY,
  ARP_REQUEST,
  type ArpPacket,
  ETH_P_ARP,
  ETH_P_IP,
  ETH_P_IPV6,
  type IcmpMessage,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  type IpPacket,
  type Skb,
  type UdpDatagram,
  cloneIp,
  emptyData,
  ipLen,
  makeIp,
  portsOf,
} from './packet.ts';
import {
  type FlowKeys,
  type NextHop,
  RT_TABLE_DEFAULT,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  type Route,
  RouteError,
  multipathHash,
  selectNexthop,
} from './route.ts';

export interface RouteResult {
  route: Route;
  nh: NextHop | undefined;
  /** Preferred source address for locally generated packets. */
  src: Addr | undefined;
  /** Effective MTU of the path (route mtu, else the device's). */
  mtu: number;
}

export type LocalErrno = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EMSGSIZE' | 'ENETDOWN';

/** What a ping socket hears. */
export type PingEvent =
  | { kind: 'reply'; ip: IpPacket; icmp: IcmpMessage; t: number }
  | { kind: 'error'; from: Addr; type: number; code: number; seq: number; t: number };

export type UdpEncapHandler = (dev: Iface, skb: Skb, ip: IpPacket, udp: UdpDatagram) => void;

/** ICMP types (IPv4 / ICMPv6). */
export const ICMP = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  V6_DEST_UNREACH: 1,
  V6_PKT_TOO_BIG: 2,
  V6_TIME_EXCEEDED: 3,
  V6_ECHO_REQUEST: 128,
  V6_ECHO_REPLY: 129,
  V6_NS: 135,
  V6_NA: 136,
} as const;

/** RFC 4861 solicited-node multicast address ff02::1:ffXX:XXXX. */
export function solicitedNode(a: bigint): bigint {
  return 0xff020000000000000000000000000000n | 0x1ff000000n | (a & 0xffffffn);
}

export class IpStack {
  private readonly host: Host;
  readonly pingHandlers = new Map<number, (ev: PingEvent) => void>();
  readonly udpEncap = new Map<number, UdpEncapHandler>();

  constructor(host: Host) {
    this.host = host;
  }

  // ---- routing ------------------------------------------------------------------------------

  /** fib_lookup in rule order (local, main, default) with multipath selection by flow hash. */
  lookupRoute(dst: Addr, opts: { oif?: Iface; flow?: FlowKeys; src?: Addr } = {}): RouteResult | RouteError {
    const accept = opts.oif
      ? (r: Route) => r.type !== 'unicast' || r.nexthops.some((nh) => nh.dev === opts.oif)
      : undefined;
    let route: Route | undefined;
    for (const id of [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT]) {
      route = this.host.tables.get(id)?.lookup(dst, accept);
      if (route) break;
    }
    if (!route) {
      // a link-local IPv6 destination with an explicit interface is on-link
      if (opts.oif && typeof dst === 'bigint' && isLinkLocal6(dst)) {
        const r: Route = {
          table: RT_TABLE_MAIN,
          type: 'unicast',
          dst: { addr: dst, len: 128 },
          protocol: 2,
          scope: 253,
          metric: 0,
          nexthops: [{ dev: opts.oif, weight: 1 }],
        };
        return { route: r, nh: r.nexthops[0], src: this.host.selectSource(opts.oif, dst), mtu: opts.oif.mtu };
      }
      return new RouteError('ENETUNREACH', 'Network is unreachable');
    }
    if (route.type === 'unreachable') return new RouteError('EHOSTUNREACH', 'No route to host');
    if (route.type === 'prohibit') return new RouteError('EACCES', 'Permission denied');
    if (route.type === 'blackhole') return new RouteError('EINVAL', 'Invalid argument');
    let nh: NextHop | undefined;
    if (route.nexthops.length > 1) {
      const policy = this.host.sysctl.getInt(
        typeof dst === 'number' ? 'net.ipv4.fib_multipath_hash_policy' : 'net.ipv6.fib_multipath_hash_policy',
      );
      const flow = opts.flow ?? { src: opts.src ?? V4_ANY, dst, proto: 0, sport: 0, dport: 0 };
      nh = selectNexthop(route, multipathHash(policy, flow, this.host.hashSeed));
    } else {
      nh = route.nexthops.find((x) => opts.oif === undefined || x.dev === opts.oif) ?? route.nexthops[0];
    }
    let src = route.prefsrc;
    if (src === undefined && route.type === 'local') src = dst;
    if (src === undefined) src = this.host.selectSource(nh?.dev, nh?.gw ?? dst);
    const mtu = route.mtu ?? nh?.dev.mtu ?? 1500;
    return { route, nh, src, mtu };
  }

  // ---- input --------------------------------------------------------------------------------

  /** A frame passed the device's ingress: accept it by destination MAC and dispatch. */
  l2Input(dev: Iface, skb: Skb): void {
    const f = skb.frame;
    if (dev.kind !== 'loopback' && f.dst !== dev.mac && f.dst !== BROADCAST_MAC && !isMulticastMac(f.dst)) {
      return; // PACKET_OTHERHOST
    }
    if (f.type === ETH_P_ARP && f.payload.kind === 'arp') this.arpInput(dev, skb, f.payload);
    else if ((f.type === ETH_P_IP || f.type === ETH_P_IPV6) && f.payload.kind === 'ip') this.ipInput(dev, skb, f.payload);
  }

  private arpInput(dev: Iface, skb: Skb, arp: ArpPacket): void {
    if (dev.noarp) return;
    const host = this.host;
    const isGarp = arp.spa === arp.tpa;
    const broadcast = skb.frame.dst === BROADCAST_MAC;
    if (arp.spa !== V4_ANY) {
      const forUs = arp.op === ARP_REQUEST && host.isLocal(arp.tpa) && !isGarp;
      // arp_process: replies to us confirm (REACHABLE); requests for us create a STALE entry;
      // anything else (incl. gratuitous ARP) only updates an existing entry (arp_accept=0)
      host.neigh.learn(dev, arp.spa, arp.sha, {
        solicited: arp.op === ARP_REPLY && !broadcast && !isGarp,
        create: forUs,
        override: isGarp,
      });
    }
    if (arp.op !== ARP_REQUEST || isGarp || !host.isLocal(arp.tpa)) return;
    const reply: ArpPacket = { kind: 'arp', op: ARP_REPLY, sha: dev.mac, spa: arp.tpa, tha: arp.sha, tpa: arp.spa };
    dev.xmit({ frame: { dst: arp.sha, src: dev.mac, type: ETH_P_ARP, payload: reply }, t: skb.t, mark: 0, hops: 0 });
  }

  ipInput(dev: Iface, skb: Skb, ip: IpPacket): void {
    const host = this.host;
    if (ip.v === 6 && ip.l4.kind === 'icmp' && (ip.l4.type === ICMP.V6_NS || ip.l4.type === ICMP.V6_NA)) {
      this.ndInput(dev, skb, ip, ip.l4);
      return;
    }
    if (isMulticast(ip.dst)) {
      // only the all-nodes group is joined
      if (ip.dst === 0xff020000000000000000000000000001n) this.localDeliver(dev, skb, ip);
      return;
    }
    const local = host.tables.get(RT_TABLE_LOCAL)!.lookup(ip.dst);
    if (local && (local.type === 'local' || local.type === 'broadcast')) {
      this.localDeliver(dev, skb, ip, local.type === 'broadcast');
      return;
    }
    const fwdKey = ip.v === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding';
    if (host.sysctl.get(fwdKey) !== '1') return;
    this.forward(skb, ip);
  }

  private forward(skb: Skb, ip: IpPacket): void {
    if (ip.v === 6 && isLinkLocal6(ip.src)) return; // never forwarded off-link
    if (ip.ttl <= 1) {
      this.icmpError(ip, skb, ip.v === 4 ? ICMP.TIME_EXCEEDED : ICMP.V6_TIME_EXCEEDED, 0);
      return;
    }
    const [sport, dport] = portsOf(ip);
    const res = this.lookupRoute(ip.dst, { flow: { src: ip.src, dst: ip.dst, proto: ip.proto, sport, dport } });
    if (res instanceof RouteError) {
      const code = ip.v === 4 ? (res.errno === 'EACCES' ? 13 : res.errno === 'EHOSTUNREACH' ? 1 : 0) : 0;
      if (res.errno !== 'EINVAL') this.icmpError(ip, skb, ip.v === 4 ? ICMP.DEST_UNREACH : ICMP.V6_DEST_UNREACH, code);
      return;
    }
    if (res.route.type !== 'unicast' || !res.nh) return;
    ip.ttl--;
    if (ipLen(ip) > res.mtu && (ip.df || ip.v === 6)) {
      ip.ttl++; // the quoted packet is the one received
      if (ip.v === 4) this.icmpError(ip, skb, ICMP.DEST_UNREACH, 4, res.mtu);
      else this.icmpError(ip, skb, ICMP.V6_PKT_TOO_BIG, 0, res.mtu);
      return;
    }
    skb.hops++;
    skb.frame.src = res.nh.dev.mac;
    this.neighOutput(res.nh, skb, ip);
  }

  private localDeliver(dev: Iface, skb: Skb, ip: IpPacket, broadcast = false): void {
    const host = this.host;
    const l4 = ip.l4;
    switch (l4.kind) {
      case 'tcp':
        if (!broadcast) host.tcp.input(ip, l4, skb, dev);
        return;
      case 'udp': {
        const encap = this.udpEncap.get(l4.dport);
        if (encap && !(l4.data instanceof Uint8Array)) {
          encap(dev, skb, ip, l4);
          return;
        }
        if (!host.udp.input(ip, l4, skb, dev) && !broadcast) {
          this.icmpError(ip, skb, ip.v === 4 ? ICMP.DEST_UNREACH : ICMP.V6_DEST_UNREACH, ip.v === 4 ? 3 : 4, undefined, true);
        }
        return;
      }
      case 'icmp':
        this.icmpInput(skb, ip, l4, broadcast);
        return;
      case 'raw':
        if (!broadcast && ip.v === 4) this.icmpError(ip, skb, ICMP.DEST_UNREACH, 2, undefined, true);
    }
  }

  private icmpInput(skb: Skb, ip: IpPacket, m: IcmpMessage, broadcast: boolean): void {
    const host = this.host;
    const v4 = ip.v === 4;
    if (m.type === (v4 ? ICMP.ECHO_REQUEST : ICMP.V6_ECHO_REQUEST)) {
      if (broadcast || host.sysctl.get('net.ipv4.icmp_echo_ignore_all') === '1') return;
      const reply: IcmpMessage = {
        kind: 'icmp',
        type: v4 ? ICMP.ECHO_REPLY : ICMP.V6_ECHO_REPLY,
        code: 0,
        id: m.id,
        seq: m.seq,
        data: m.data,
      };
      // a reply to a multicast echo gets its source from routing
      const src: Addr = isMulticast(ip.dst) ? (v4 ? V4_ANY : 0n) : ip.dst;
      const out = makeIp(src, ip.src, ip.proto, reply, { tos: ip.tos, df: ip.df, id: this.nextIpId() });
      this.output(out, { t: skb.t });
      return;
    }
    if (m.type === (v4 ? ICMP.ECHO_REPLY : ICMP.V6_ECHO_REPLY)) {
      this.pingHandlers.get(m.id)?.({ kind: 'reply', ip, icmp: m, t: skb.t });
      return;
    }
    const isError = v4
      ? m.type === ICMP.DEST_UNREACH || m.type === ICMP.TIME_EXCEEDED
      : m.type === ICMP.V6_DEST_UNREACH || m.type === ICMP.V6_TIME_EXCEEDED || m.type === ICMP.V6_PKT_TOO_BIG;
    if (!isError || !m.orig) return;
    const orig = m.orig;
    const ev = { from: ip.src, type: m.type, code: m.code, t: skb.t };
    switch (orig.l4.kind) {
      case 'tcp':
        host.tcp.icmpError(orig, orig.l4, ev);
        return;
      case 'udp':
        host.udp.icmpError(orig, orig.l4, ev);
        return;
      case 'icmp':
        if (orig.l4.type === (v4 ? ICMP.ECHO_REQUEST : ICMP.V6_ECHO_REQUEST)) {
          this.pingHandlers.get(orig.l4.id)?.({ kind: 'error', ...ev, seq: orig.l4.seq });
        }
        return;
      case 'raw':
        return;
    }
  }

  // ---- ICMP errors --------------------------------------------------------------------------

  /**
   * icmp_send: report a problem with `orig` to its source. The source address is the original
   * destination when the packet was for us, else whatever routing picks towards the sender.
   */
  icmpError(orig: IpPacket, skb: Skb, type: number, code: number, mtu?: number, forUs = false): void {
    if (orig.l4.kind === 'icmp' && !this.isInfoType(orig.v, orig.l4.type)) return; // never about errors
    if (isMulticast(orig.dst) || orig.src === V4_ANY || orig.src === 0n || isMulticast(orig.src)) return;
    let src: Addr | undefined;
    if (forUs) src = orig.dst;
    else {
      const back = this.lookupRoute(orig.src);
      if (back instanceof RouteError) return;
      src = back.src;
    }
    if (src === undefined) return;
    // RFC 1812 4.3.2.3 / RFC 4443 2.4(c): quote as much as fits in the minimum MTU
    const quoteMax = orig.v === 4 ? 576 - 28 : 1280 - 48;
    const msg: IcmpMessage = {
      kind: 'icmp',
      type,
      code,
      id: 0,
      seq: 0,
      data: emptyData(),
      orig: cloneIp(orig),
      quoteLen: Math.min(ipLen(orig), quoteMax),
      mtu,
    };
    const ip = makeIp(src, orig.src, orig.v === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, msg, {
      tos: orig.v === 4 ? 0xc0 : 0,
      df: false,
      id: this.nextIpId(),
    });
    this.output(ip, { t: skb.t });
  }

  private isInfoType(v: 4 | 6, type: number): boolean {
    return v === 4 ? type === ICMP.ECHO_REQUEST || type === ICMP.ECHO_REPLY : type >= 128;
  }

  private ipId = 0;
  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  // ---- output -------------------------------------------------------------------------------

  /**
   * Sends a locally generated packet. `ip.src` of 0/0n means "pick by routing". Returns an errno
   * when the packet cannot leave (no route, unreachable route, device down).
   */
  output(ip: IpPacket, opts: { oif?: Iface; t?: number; mark?: number; tunnel?: Skb['tunnel'] } = {}): LocalErrno | undefined {
    const [sport, dport] = portsOf(ip);
    const unset = ip.src === V4_ANY || ip.src === 0n;
    const res = this.lookupRoute(ip.dst, {
      oif: opts.oif,
      src: unset ? undefined : ip.src,
      flow: { src: ip.src, dst: ip.dst, proto: ip.proto, sport, dport },
    });
    if (res instanceof RouteError) return res.errno === 'EEXIST' || res.errno === 'ESRCH' ? 'EINVAL' : res.errno;
    if (unset) {
      if (res.src === undefined) return 'EINVAL';
      ip.src = res.src;
    }
    const skb: Skb = {
      frame: { dst: ZERO_MAC, src: ZERO_MAC, type: ip.v === 4 ? ETH_P_IP : ETH_P_IPV6, payload: ip },
      t: opts.t ?? this.host.net.now(),
      mark: opts.mark ?? 0,
      hops: 0,
      tunnel: opts.tunnel,
      origin: this.host.name,
    };
    if (res.route.type === 'local' || res.route.type === 'broadcast') {
      this.host.lo.xmit(skb);
      return undefined;
    }
    const nh = res.nh;
    if (!nh) return 'ENETUNREACH';
    if (!nh.dev.adminUp) return 'ENETDOWN';
    skb.frame.src = nh.dev.mac;
    this.neighOutput(nh, skb, ip);
    return undefined;
  }

  /** Resolves the next hop's link-layer address and transmits (ip_finish_output2). */
  neighOutput(nh: NextHop, skb: Skb, ip: IpPacket): void {
    const dev = nh.dev;
    if (dev.kind === 'loopback') {
      dev.xmit(skb);
      return;
    }
    if (dev.noarp) {
      // arp_constructor: NOARP devices address frames to themselves
      skb.frame.dst = dev.mac;
      dev.xmit(skb);
      return;
    }
    const target = nh.gw ?? ip.dst;
    const mac = this.host.neigh.resolve(dev, target, skb);
    if (mac === undefined) return;
    skb.frame.dst = mac;
    dev.xmit(skb);
  }

  /** Sends an ARP request or ND neighbour solicitation for a neighbour entry. */
  solicit(e: NeighEntry, unicast: Mac | undefined): void {
    const dev = e.dev;
    const now = this.host.net.now();
    if (typeof e.ip === 'number') {
      // arp_solicit with arp_announce=0: the source of the queued packet if it is ours
      const queued = e.queue[0]?.frame.payload;
      const qsrc = queued?.kind === 'ip' ? queued.src : undefined;
      const spa =
        typeof qsrc === 'number' && this.host.isLocal(qsrc) ? qsrc : ((this.host.selectSource(dev, e.ip) as number) ?? 0);
      const arp: ArpPacket = { kind: 'arp', op: ARP_REQUEST, sha: dev.mac, spa, tha: ZERO_MAC, tpa: e.ip };
      dev.xmit({
        frame: { dst: unicast ?? BROADCAST_MAC, src: dev.mac, type: ETH_P_ARP, payload: arp },
        t: now,
        mark: 0,
        hops: 0,
      });
      return;
    }
    const src = this.host.selectSource(dev, e.ip) ?? 0n;
    const dst = unicast !== undefined ? e.ip : solicitedNode(e.ip);
    const ns: IcmpMessage = {
      kind: 'icmp',
      type: ICMP.V6_NS,
      code: 0,
      id: 0,
      seq: 0,
      data: emptyData(),
      target: e.ip,
      lladdr: dev.mac,
    };
    const ip = makeIp(src, dst, IPPROTO_ICMPV6, ns, { ttl: 255 });
    dev.xmit({
      frame: { dst: unicast ?? multicastMac6(dst), src: dev.mac, type: ETH_P_IPV6, payload: ip },
      t: now,
      mark: 0,
      hops: 0,
    });
  }

  flushQueued(e: NeighEntry, queued: Skb[]): void {
    const now = this.host.net.now();
    for (const skb of queued) {
      // the packet leaves when resolution completes, not when it was queued
      if (skb.t < now) skb.t = now;
      skb.frame.dst = e.mac!;
      e.dev.xmit(skb);
    }
  }

  /** arp_error_report → dst_link_failure: host unreachable back to each queued packet's sender. */
  failQueued(_e: NeighEntry, queued: Skb[]): void {
    for (const skb of queued) {
      const ip = skb.frame.payload;
      if (ip.kind !== 'ip') continue;
      this.icmpError(ip, skb, ip.v === 4 ? ICMP.DEST_UNREACH : ICMP.V6_DEST_UNREACH, ip.v === 4 ? 1 : 3);
    }
  }

  // ---- IPv6 neighbour discovery -------------------------------------------------------------

  private ndInput(dev: Iface, skb: Skb, ip: IpPacket, m: IcmpMessage): void {
    const host = this.host;
    if (m.target === undefined || ip.ttl !== 255) return; // RFC 4861 7.1.1: hop limit must be 255
    if (m.type === ICMP.V6_NS) {
      if (m.lladdr !== undefined && ip.src !== 0n) {
        host.neigh.learn(dev, ip.src, m.lladdr, { solicited: false, create: host.isLocal(m.target), override: false });
      }
      if (!dev.addrs.some((a) => a.addr === m.target)) return;
      const na: IcmpMessage = {
        kind: 'icmp',
        type: ICMP.V6_NA,
        code: 0,
        id: 0,
        seq: 0,
        data: emptyData(),
        target: m.target,
        lladdr: dev.mac,
        ndFlags: 0x60, // solicited + override
      };
      const dst = ip.src === 0n ? 0xff020000000000000000000000000001n : ip.src;
      const out = makeIp(m.target, dst, IPPROTO_ICMPV6, na, { ttl: 255 });
      dev.xmit({
        frame: { dst: skb.frame.src, src: dev.mac, type: ETH_P_IPV6, payload: out },
        t: skb.t,
        mark: 0,
        hops: 0,
      });
      return;
    }
    if (m.lladdr === undefined) return;
    const solicited = ((m.ndFlags ?? 0) & 0x40) !== 0;
    host.neigh.learn(dev, m.target, m.lladdr, {
      solicited,
      create: false,
      override: ((m.ndFlags ?? 0) & 0x20) !== 0,
    });
  }
}
