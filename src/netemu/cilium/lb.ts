// Service load balancing in the emulated Cilium datapath: the decisions of src/datapath/lb
// applied to sockets and packets at the plug-in points of datapath.ts, over one node's LB maps
// (src/datapath/maps/lb.ts, written by the agent) and its conntrack/NAT maps.
//
//   socket hook     pod or host connect()/sendmsg() to a service → the backend (bpf_sock.c);
//                   the ClusterIP never reaches the wire, cilium_lb4_reverse_sk remembers it
//   from-container  a reply of a service flow whose backend lives here → reverse NAT (and, on
//                   the backend's node of a DSR flow, the VIP as source); else a packet to a
//                   service socket-LB left alone → DNAT (bpf_lxc lb4_local)
//   to-container    a reply reaching the client pod → reverse NAT (bpf_lxc ipv4_policy)
//   from-netdev     reverse SNAT of NodePort replies; DSR IPv4 option arriving at the backend's
//                   node; NodePort/LoadBalancer/externalIP frontends (bpf_host nodeport_lb4):
//                   local DNAT, SNAT, DSR (Geneve encapsulation or IPv4 option), drop + ICMP
//   from-overlay    reverse SNAT of replies in tunnel mode; the Geneve DSR option arriving at the
//                   backend's node
//   to-netdev       reverse NAT of replies from host-network backends of this node
//
// Conntrack: a new service connection leaves `newServiceFlowEntries` (SVC: which backend the
// client tuple chose; OUT: the connection to the backend, with the rev-NAT index); later packets
// of the connection find the SVC entry and keep its backend. SNAT adds `snatEntries`, DSR
// `dsrBackendEntries` on the backend's node. Entries whose lifetime ran out count as absent.

import type { Rng } from '../../controller/rng.ts';
import {
  type BackendLocator,
  type FlowKey,
  type LBDecision,
  type LBRuntime,
  SERVICE_LOOPBACK_IPV4,
  chooseSnatPort,
  decodeGeneveDsrOption,
  decodeIPv4DsrOption,
  dropReasonText,
  dsrBackendEntries,
  type DsrService,
  lookupService,
  newServiceFlowEntries,
  nodePortIngress,
  podServiceLB,
  reverseNat,
  snatEntries,
  sockConnect,
  sockRelease,
  sockSendmsg,
} from '../../datapath/lb/index.ts';
import { ctTimeout } from '../../datapath/maps/ct.ts';
import { ENDPOINT_F_HOST } from '../../datapath/maps/endpoints.ts';
import { IPCACHE_FLAG_HAS_TUNNEL } from '../../datapath/maps/ipcache.ts';
import { type LBMaps, PROTO_TCP, PROTO_UDP } from '../../datapath/maps/lb.ts';
import { CT_DSR_INTERNAL, CT_LB_LOOPBACK, CT_NODE_PORT, CT_TX_CLOSING, type LBCtEntry, type LBTuple } from '../../datapath/maps/lbct.ts';
import { type Addr, V4_LOOPBACK, V6_LOOPBACK } from '../addr.ts';
import type { Host, SockConnectCtx, SockReject, SockTranslation } from '../host.ts';
import { TC_OK, type TcVerdict } from '../iface.ts';
import { type IpPacket, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment, type UdpDatagram } from '../packet.ts';
import { RouteError } from '../route.ts';
import { type CiliumDatapath, IDENTITY_HOST, IDENTITY_KUBE_APISERVER, IDENTITY_REMOTE_NODE, type StageContext } from './datapath.ts';

type Ports = TcpSegment | UdpDatagram;

const drop = (reason: string): TcVerdict => ({ action: 'drop', reason });

/** The L4 header of a packet load balancing looks at (TCP and UDP), or undefined. */
function portsOf(ip: IpPacket): Ports | undefined {
  const l4 = ip.l4;
  return l4.kind === 'tcp' || (l4.kind === 'udp' && l4.data instanceof Uint8Array) ? l4 : undefined;
}

function tupleOf(ip: IpPacket, l4: Ports): LBTuple {
  return { proto: ip.proto, src: ip.src, sport: l4.sport, dst: ip.dst, dport: l4.dport };
}

function reversed(t: LBTuple): LBTuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

function isLoopback(a: Addr): boolean {
  return typeof a === 'number' ? a >>> 24 === V4_LOOPBACK >>> 24 : a === V6_LOOPBACK;
}

/** First socket cookie handed out (SO_COOKIE values are one counter per kernel). */
const FIRST_COOKIE = 4096;
/** First network-namespace cookie (init_net has the first one). */
const FIRST_NETNS_COOKIE = 4026531840;

/** Service load balancing of one node's datapath: attached on construction, `close()` detaches. */
export class ServiceLoadBalancer {
  readonly rt: LBRuntime;
  private readonly detach: (() => void)[] = [];
  /** Node-wide socket cookies for the (host, socket) pairs that have a socket-LB translation. */
  private readonly cookies = new WeakMap<Host, Map<number, number>>();
  private nextCookie = FIRST_COOKIE;
  private readonly netnsCookies = new WeakMap<Host, number>();
  private nextNetnsCookie = FIRST_NETNS_COOKIE;
  private readonly locator: BackendLocator;

  constructor(
    readonly dp: CiliumDatapath,
    readonly maps: LBMaps,
    rng: Rng,
  ) {
    const host = dp.host;
    this.rt = { maps, random: () => rng.uint32(), now: () => host.clock.now() };
    this.locator = {
      isLocal: (a) => dp.maps.lxc.get(a) !== undefined,
      nodeOf: (a) => {
        const info = dp.maps.ipcache.lookup(a);
        if (!info) return undefined;
        if (info.flags & IPCACHE_FLAG_HAS_TUNNEL) return info.tunnelEndpoint;
        const id = info.identity;
        return id === IDENTITY_REMOTE_NODE || id === IDENTITY_KUBE_APISERVER || id === IDENTITY_HOST ? a : undefined;
      },
    };
    this.detach.push(
      dp.addSockHook((ctx) => this.sockHook(ctx)),
      dp.addStage('from-container', (c) => this.fromContainer(c)),
      dp.addStage('to-container', (c) => this.toContainer(c)),
      dp.addStage('from-netdev', (c) => this.fromNetdev(c)),
      dp.addStage('from-overlay', (c) => this.fromOverlay(c)),
      dp.addStage('to-netdev', (c) => this.toNetdev(c)),
    );
  }

  /** Takes the hooks off the datapath. */
  close(): void {
    for (const fn of this.detach.splice(0)) fn();
  }

  private nowSec(): number {
    return this.dp.monoNow();
  }

  /** A conntrack entry that is still alive; an expired one is removed. */
  private live(dir: LBCtEntry['dir'], t: LBTuple): LBCtEntry | undefined {
    const ct = this.dp.maps.ct.of(t);
    const e = ct.get(dir, t);
    if (e && e.expires < this.nowSec()) {
      ct.delete(dir, t);
      return undefined;
    }
    return e;
  }

  // ---- socket LB (bpf_sock.c) ---------------------------------------------------------------

  private sockHook(ctx: SockConnectCtx): SockTranslation | SockReject | undefined {
    const host = ctx.host;
    const inHostNs = host === this.dp.host;
    let perHost = this.cookies.get(host);
    if (!perHost) this.cookies.set(host, (perHost = new Map()));
    const known = perHost.get(ctx.cookie);
    const cookie = known ?? this.nextCookie;
    let netns = this.netnsCookies.get(host);
    if (netns === undefined) this.netnsCookies.set(host, (netns = this.nextNetnsCookie++));
    // sock4_wildcard_lookup / sock4_skip_xlate: "local" is a host-identity address, or loopback in the host namespace
    const dstIsLocal = (inHostNs && isLoopback(ctx.dst)) || this.dp.maps.ipcache.lookup(ctx.dst)?.identity === IDENTITY_HOST;
    const s = { cookie, netnsCookie: netns, inHostNs, daddr: ctx.dst, dport: ctx.port, proto: ctx.proto === 'tcp' ? PROTO_TCP : PROTO_UDP, dstIsLocal };
    const d = ctx.proto === 'tcp' ? sockConnect(this.rt, s) : sockSendmsg(this.rt, s);
    if (d.kind === 'pass') return undefined;
    if (d.kind === 'reject') return { reject: d.errno };
    if (known === undefined) {
      this.nextCookie++;
      perHost.set(ctx.cookie, cookie);
    }
    return {
      addr: d.addr,
      port: d.port,
      release: () => {
        perHost.delete(ctx.cookie);
        sockRelease(this.rt, cookie);
      },
    };
  }

  // ---- replies ------------------------------------------------------------------------------

  /** The service connection `fwd` (client → backend) belongs to: an entry carrying a rev-NAT index. */
  private serviceEntry(fwd: LBTuple): LBCtEntry | undefined {
    const out = this.live('OUT', fwd);
    if (out && out.revNat !== 0) return out;
    const local = this.live('IN', fwd);
    return local && local.revNat !== 0 ? local : undefined;
  }

  /**
   * A reply of a load-balanced connection: conntrack on the packet as it is, then the frontend
   * address as source (lb4_rev_nat by the connection entry's rev-NAT index), or on the backend's
   * node of a DSR flow the VIP from the NAT entry (snat_v4_create_dsr's mapping). `leaving`: the
   * reply is on its way out of the node (from a backend here), so only connections of clients
   * elsewhere (NodePort) or of the backend itself (loopback) are translated here; a client pod of
   * this node translates at its own ingress, where its connection entry sees the reply.
   */
  private replyXlate(c: StageContext, dir: 'OUT' | 'IN', leaving: boolean): boolean {
    const ip = c.ip;
    const l4 = portsOf(ip);
    if (!l4) return false;
    const t = tupleOf(ip, l4);
    const fwd = reversed(t);
    const conn = this.serviceEntry(fwd);
    if (conn && (!leaving || conn.flags & (CT_NODE_PORT | CT_LB_LOOPBACK))) {
      const fe = reverseNat(this.rt, ip.v, conn.revNat);
      if (!fe) return false;
      this.dp.track(ip, dir, c.srcIdentity);
      c.tracked = true;
      ip.src = fe.addr;
      l4.sport = fe.port;
      // a pod that reached itself through the service gets its own address back
      if (conn.flags & CT_LB_LOOPBACK) ip.dst = conn.tuple.dst;
      return true;
    }
    const nat = this.dp.maps.nat(ip.src).get('OUT', t);
    if (!nat || nat.needsCT || !((this.live('IN', fwd)?.flags ?? 0) & CT_DSR_INTERNAL)) return false;
    this.dp.track(ip, dir, c.srcIdentity);
    c.tracked = true;
    ip.src = nat.addr;
    l4.sport = nat.port;
    return true;
  }

  /** nodeport_rev_snat: a backend's reply to a SNATed NodePort connection goes back to the client, from the frontend. */
  private revSnat(c: StageContext): boolean {
    const ip = c.ip;
    const l4 = portsOf(ip);
    if (!l4) return false;
    const t = tupleOf(ip, l4);
    const nat = this.dp.maps.nat(ip.dst).get('IN', t);
    if (!nat) return false;
    const out = this.live('OUT', { proto: t.proto, src: nat.addr, sport: nat.port, dst: t.src, dport: t.sport });
    // masquerading shares the NAT map; its replies are not ours
    if (!out || !(out.flags & CT_NODE_PORT) || out.revNat === 0) return false;
    const fe = reverseNat(this.rt, ip.v, out.revNat);
    if (!fe) return false;
    ip.dst = nat.addr;
    l4.dport = nat.port;
    this.dp.track(ip, 'IN', c.srcIdentity);
    ip.src = fe.addr;
    l4.sport = fe.port;
    return true;
  }

  // ---- programs -----------------------------------------------------------------------------

  private fromContainer(c: StageContext): TcVerdict | undefined {
    if (this.replyXlate(c, 'OUT', true)) return undefined;
    return this.podToService(c);
  }

  private toContainer(c: StageContext): TcVerdict | undefined {
    this.replyXlate(c, 'IN', false);
    return undefined;
  }

  private toNetdev(c: StageContext): TcVerdict | undefined {
    // translated here only when nothing earlier did (host-network backends); no masquerading after
    return this.replyXlate(c, 'OUT', true) ? TC_OK : undefined;
  }

  private fromOverlay(c: StageContext): TcVerdict | undefined {
    if (this.revSnat(c)) {
      // to the host stack, which forwards the reply to the client
      c.skb.frame.dst = c.dev.mac;
      return TC_OK;
    }
    const opt = c.skb.tunnel?.options;
    if (opt) {
      const svc = decodeGeneveDsrOption(opt);
      if (svc) this.dsrArrival(c, svc);
    }
    return undefined;
  }

  private fromNetdev(c: StageContext): TcVerdict | undefined {
    if (this.revSnat(c)) return TC_OK;
    const ip = c.ip;
    if (ip.v === 4 && ip.options) {
      const svc = decodeIPv4DsrOption(ip.options);
      if (svc) this.dsrArrival(c, svc);
    }
    return this.nodePort(c);
  }

  // ---- DSR on the backend's node ------------------------------------------------------------

  /** The request of a DSR connection reached the backend's node: its replies will leave from the VIP. */
  private dsrArrival(c: StageContext, svc: DsrService): void {
    const ip = c.ip;
    const l4 = portsOf(ip);
    const ep = this.dp.maps.lxc.get(ip.dst);
    if (!l4 || !ep || ep.flags & ENDPOINT_F_HOST) return;
    const t = tupleOf(ip, l4);
    if (this.live('IN', t)) return;
    const { ct, nat } = dsrBackendEntries({
      proto: ip.proto,
      client: ip.src,
      clientPort: l4.sport,
      frontend: svc.addr,
      frontendPort: svc.port,
      backend: ip.dst,
      backendPort: l4.dport,
      revNat: 0,
      backendId: 0,
      nodePort: true,
      nowSec: this.nowSec(),
    });
    ct.sourceSecurityId = c.srcIdentity;
    this.dp.maps.ct.of(t).set(ct);
    this.dp.maps.nat(ip.dst).set(nat);
  }

  // ---- new connections ----------------------------------------------------------------------

  /**
   * The conntrack step of lb4_local: the SVC entry of this client tuple gives the backend of an
   * established connection (its lifetime follows the client's TCP flags); undefined for a new one.
   */
  private established(t: LBTuple, l4: Ports): LBCtEntry | undefined {
    const e = this.live('SVC', t);
    if (!e) return undefined;
    const flags = l4.kind === 'tcp' ? l4.flags : 0;
    e.txFlagsSeen |= flags;
    e.lastTxReport = this.nowSec();
    if (flags & (TCP_FIN | TCP_RST)) e.flags |= CT_TX_CLOSING;
    e.expires = this.nowSec() + ctTimeout(t.proto, flags, (e.flags & CT_TX_CLOSING) !== 0);
    return e;
  }

  /** Records a new service connection (or one whose backend changed) in conntrack. */
  private remember(ip: IpPacket, l4: Ports, d: LBDecision & { backendId: number }, nodePort: boolean, srcIdentity: number, loopback: boolean): void {
    if (d.kind === 'pass' || d.kind === 'drop') return;
    const [svc, out] = newServiceFlowEntries({
      proto: ip.proto,
      client: ip.src,
      clientPort: l4.sport,
      frontend: ip.dst,
      frontendPort: l4.dport,
      backend: d.backend.addr,
      backendPort: d.backend.port,
      revNat: d.revNat,
      backendId: d.backendId,
      nodePort,
      nowSec: this.nowSec(),
    });
    svc!.sourceSecurityId = srcIdentity;
    out!.sourceSecurityId = srcIdentity;
    if (loopback) {
      out!.tuple = { ...out!.tuple, src: SERVICE_LOOPBACK_IPV4 };
      out!.flags |= CT_LB_LOOPBACK;
    }
    // a NodePort connection to a backend of this node is tracked at the backend's ingress
    if (nodePort && d.kind === 'dnat') out!.dir = 'IN';
    this.dp.maps.ct.of(svc!.tuple).set(svc!);
    this.dp.maps.ct.of(out!.tuple).set(out!);
  }

  /** Sends the ICMP error a drop decision asks for (service-no-backend-response=reject), from the service address. */
  private dropped(c: StageContext, d: LBDecision & { kind: 'drop' }): TcVerdict {
    if (d.icmp) this.dp.host.stack.icmpError(c.ip, c.skb, d.icmp.type, d.icmp.code, undefined, true);
    return drop(dropReasonText(d.reason));
  }

  /** bpf_lxc: a pod's packet to a service address (socket-LB off, or a path it does not cover). */
  private podToService(c: StageContext): TcVerdict | undefined {
    const ip = c.ip;
    const l4 = portsOf(ip);
    if (!l4 || !lookupService(this.maps, ip.dst, l4.dport, ip.proto, true)) return undefined;
    const t = tupleOf(ip, l4);
    const hit = this.established(t, l4);
    const pkt: FlowKey = { saddr: ip.src, daddr: ip.dst, sport: l4.sport, dport: l4.dport, proto: ip.proto };
    const d = podServiceLB(this.rt, pkt, hit?.backendId);
    if (d.kind === 'pass') return undefined;
    if (d.kind === 'drop') return this.dropped(c, d);
    if (d.kind !== 'dnat') return undefined;
    // the loopback source exists for IPv4 only (IPV4_LOOPBACK); an IPv6 pod keeps its own
    const loopback = d.loopback && ip.v === 4;
    if (hit?.backendId !== d.backendId) this.remember(ip, l4, d, false, c.srcIdentity, loopback);
    ip.dst = d.backend.addr;
    l4.dport = d.backend.port;
    if (loopback) ip.src = SERVICE_LOOPBACK_IPV4;
    return undefined;
  }

  /** bpf_host nodeport_lb4/6: a packet from outside for a NodePort, LoadBalancer or external IP. */
  private nodePort(c: StageContext): TcVerdict | undefined {
    const ip = c.ip;
    const l4 = portsOf(ip);
    if (!l4 || !lookupService(this.maps, ip.dst, l4.dport, ip.proto, false)) return undefined;
    const t = tupleOf(ip, l4);
    const hit = this.established(t, l4);
    const pkt: FlowKey = { saddr: ip.src, daddr: ip.dst, sport: l4.sport, dport: l4.dport, proto: ip.proto };
    const d = nodePortIngress(this.rt, pkt, this.locator, this.nodeAddressTowards, hit?.backendId);
    if (d.kind === 'pass') return undefined;
    if (d.kind === 'drop') return this.dropped(c, d);
    if (hit?.backendId !== d.backendId) this.remember(ip, l4, d, true, c.srcIdentity, false);
    ip.dst = d.backend.addr;
    l4.dport = d.backend.port;
    if (d.kind === 'dnat') {
      // a pod of this node: the datapath delivers it and tracks it at the pod's ingress; a
      // host-network backend: the host stack takes it, tracked here
      const ep = this.dp.maps.lxc.get(ip.dst);
      if (!ep || ep.flags & ENDPOINT_F_HOST) this.dp.track(ip, 'IN', c.srcIdentity);
      return undefined;
    }
    this.dp.track(ip, 'OUT', c.srcIdentity);
    switch (d.kind) {
      case 'snat': {
        const port = this.snatPort(t, ip, l4, d.nodeIP);
        if (port === undefined) return drop('No mapping for NAT masquerade');
        ip.src = d.nodeIP;
        l4.sport = port;
        return TC_OK;
      }
      case 'dsr':
        return this.dsrDispatch(c, d, l4);
    }
  }

  /** The source port of a SNATed connection: its existing mapping, or a new one (snat_v4_new_mapping). */
  private snatPort(orig: LBTuple, ip: IpPacket, l4: Ports, nodeIP: Addr): number | undefined {
    const nat = this.dp.maps.nat(nodeIP);
    const fwd: LBTuple = { proto: orig.proto, src: orig.src, sport: orig.sport, dst: ip.dst, dport: l4.dport };
    const existing = nat.get('OUT', fwd);
    if (existing && existing.addr === nodeIP) return existing.port;
    const isFree = (p: number) => nat.get('IN', { proto: orig.proto, src: ip.dst, sport: l4.dport, dst: nodeIP, dport: p }) === undefined;
    const port = chooseSnatPort(orig.sport, isFree, this.rt.random);
    if (port === undefined) return undefined;
    const flow = {
      proto: orig.proto,
      client: orig.src,
      clientPort: orig.sport,
      frontend: orig.dst,
      frontendPort: orig.dport,
      backend: ip.dst,
      backendPort: l4.dport,
      revNat: 0,
      backendId: 0,
      nodePort: true,
      nowSec: this.nowSec(),
    };
    for (const e of snatEntries(flow, nodeIP, port)) nat.set(e);
    return port;
  }

  /** DSR towards the backend's node: Geneve with the option in the header, or the IPv4 option natively routed. */
  private dsrDispatch(c: StageContext, d: LBDecision & { kind: 'dsr' }, l4: Ports): TcVerdict {
    const ip = c.ip;
    switch (d.dispatch) {
      case 'geneve': {
        const tdev = this.dp.host.iface('cilium_geneve');
        if (!tdev) return drop('No tunnel/encapsulation endpoint (datapath BUG!)');
        c.skb.tunnel = { remote: d.nodeIP, vni: c.srcIdentity, options: d.option };
        return { action: 'redirect', to: tdev, mode: 'egress' };
      }
      case 'opt':
        // IPv6 destination-options headers are not modelled by netemu's packets
        if (ip.v !== 4) return drop('Unsupported L3 protocol');
        if (!d.optionOnSynOnly || (l4.kind === 'tcp' && l4.flags & TCP_SYN)) ip.options = d.option;
        return TC_OK;
      case 'ipip':
        // cilium accepts ipip dispatch only for the standalone XDP load balancer, which netemu has not
        return drop('Unsupported L3 protocol');
    }
  }

  /**
   * The SNAT source towards a backend: the address routing picks on the way there (the device's
   * address natively, the cilium_host address through the tunnel, as IPV4_NODEPORT / IPV4_GATEWAY),
   * else the node's first native address.
   */
  private readonly nodeAddressTowards = (backend: Addr): Addr => {
    const res = this.dp.host.stack.lookupRoute(backend);
    if (!(res instanceof RouteError) && res.src !== undefined && typeof res.src === typeof backend) return res.src;
    const native = this.dp.nativeDevices().flatMap((d) => d.addrs.filter((a) => typeof a.addr === typeof backend && a.scope === 0));
    return native[0]?.addr ?? backend;
  };
}
