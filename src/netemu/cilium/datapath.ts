// The Cilium datapath of one node, attached where Cilium's BPF programs sit:
//   bpf_lxc  "from-container"  tc ingress of each lxc device (packets leaving a pod)
//   bpf_host "from-netdev"     tc ingress of the native devices
//   bpf_host "to-netdev"       tc egress of the native devices (masquerading)
//   bpf_host "from-host"       tc egress of cilium_host (the host stack sending to pods)
//   bpf_overlay "from-overlay" tc ingress of cilium_vxlan / cilium_geneve
// plus the cgroup socket hook (connect/sendmsg) for socket-level load balancing. It reads the
// node's maps (ipcache, lxc, CT, NAT, L2 responder) and installs the devices and routes the
// agent's datapath setup creates (cilium_host/cilium_net, the tunnel device, PodCIDR routes).
//
// Load balancing plugs in through stages: `addStage(stage, handler)` runs `handler` at that
// point for every IP packet before the datapath's own decision; a handler may rewrite the
// packet and return undefined to continue, or return a verdict to end processing there.

import type { CtDirection, LBTuple } from '../../datapath/maps/lbct.ts';
import { ENDPOINT_F_HOST, type EndpointInfo } from '../../datapath/maps/endpoints.ts';
import { IPCACHE_FLAG_HAS_TUNNEL } from '../../datapath/maps/ipcache.ts';
import { NodeMaps } from '../../datapath/maps/node.ts';
import { ctTimeout, newCtEntry } from '../../datapath/maps/ct.ts';
import { CT_RX_CLOSING, CT_SEEN_NON_SYN, CT_TX_CLOSING } from '../../datapath/maps/lbct.ts';
import { type Addr, type Prefix, prefixContains } from '../addr.ts';
import type { Host, SockHook } from '../host.ts';
import { type Iface, TC_OK, TC_STOLEN, type TcDirection, type TcVerdict } from '../iface.ts';
import { ARP_REPLY, ARP_REQUEST, type ArpPacket, ETH_P_ARP, type IpPacket, type Skb, ipLen } from '../packet.ts';
import { RT_SCOPE_LINK, RT_TABLE_MAIN, type Route, RouteError } from '../route.ts';
import { type CiliumDatapathConfig, TUNNEL_OVERHEAD } from './config.ts';

// pkg/identity: reserved identities
export const IDENTITY_HOST = 1;
export const IDENTITY_WORLD = 2;
export const IDENTITY_REMOTE_NODE = 6;
export const IDENTITY_KUBE_APISERVER = 7;

export type PacketStage = 'from-container' | 'to-container' | 'from-netdev' | 'to-netdev' | 'from-host' | 'from-overlay';

export interface StageContext {
  dp: CiliumDatapath;
  dev: Iface;
  skb: Skb;
  ip: IpPacket;
  /** Security identity of the sender as far as this point knows it. */
  srcIdentity: number;
  /**
   * Set by a handler that already ran conntrack for this packet (`dp.track`, before rewriting it,
   * as Cilium looks CT up before reverse NAT): the program then skips its own CT step.
   */
  tracked: boolean;
}

export type StageHandler = (ctx: StageContext) => TcVerdict | undefined;

export interface RemoteNode {
  name: string;
  /** The node's InternalIPs (tunnel endpoint and direct-route next hop). */
  ips: Addr[];
  routerIP: Addr | undefined;
  podCIDRs: Prefix[];
}

const DROP = (reason: string): TcVerdict => ({ action: 'drop', reason });
const NAT_PORT_MIN = 32768;
const NAT_PORT_MAX = 65535;
const PROTO_KERNEL = 2;

/** The datapath of every host that runs Cilium, kept across agent restarts like pinned BPF maps. */
const registry = new WeakMap<Host, CiliumDatapath>();

export class CiliumDatapath {
  readonly host: Host;
  readonly maps = new NodeMaps();
  /**
   * Whether the agent is alive enough for the L2 responder to answer (bpf_host checks the agent's
   * liveness stamp against L2_ANNOUNCEMENTS_MAX_LIVENESS); unset: always.
   */
  l2ResponderLive: (() => boolean) | undefined;
  cfg: CiliumDatapathConfig | undefined;
  routerIP: Addr | undefined;
  podCIDRs: Prefix[] = [];
  private remote: RemoteNode[] = [];
  private readonly stages = new Map<PacketStage, StageHandler[]>();
  /** Whether the stage handlers that just ran did the packet's conntrack themselves. */
  private stageTracked = false;
  private readonly bootTime: number;
  private natRand = 0x9e3779b9;
  /** Routes this datapath installed (and will reconcile), by their identifying fields. */
  private readonly installed = new Map<string, Route>();

  static of(host: Host): CiliumDatapath {
    let dp = registry.get(host);
    if (!dp) {
      dp = new CiliumDatapath(host);
      registry.set(host, dp);
    }
    return dp;
  }

  static existing(host: Host): CiliumDatapath | undefined {
    return registry.get(host);
  }

  private constructor(host: Host) {
    this.host = host;
    this.bootTime = host.clock.now();
  }

  /** bpf_mono_now(): seconds since the node booted. */
  monoNow(): number {
    return Math.floor((this.host.clock.now() - this.bootTime) / 1000);
  }

  // ---- plug-in points -----------------------------------------------------------------------

  addStage(stage: PacketStage, handler: StageHandler): () => void {
    const list = this.stages.get(stage) ?? [];
    list.push(handler);
    this.stages.set(stage, list);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** A cgroup connect/sendmsg hook for the node and every pod on it (they share the list). */
  addSockHook(hook: SockHook): () => void {
    const hooks = this.host.sockHooks;
    hooks.push(hook);
    return () => {
      const i = hooks.indexOf(hook);
      if (i >= 0) hooks.splice(i, 1);
    };
  }

  private runStages(stage: PacketStage, dev: Iface, skb: Skb, ip: IpPacket, srcIdentity: number): TcVerdict | undefined {
    this.stageTracked = false;
    const list = this.stages.get(stage);
    if (!list || list.length === 0) return undefined;
    const ctx: StageContext = { dp: this, dev, skb, ip, srcIdentity, tracked: false };
    for (const h of list) {
      const v = h(ctx);
      this.stageTracked ||= ctx.tracked;
      if (v) return v;
    }
    return undefined;
  }

  // ---- setup --------------------------------------------------------------------------------

  /** The agent's datapath initialisation; idempotent, reconciles on configuration changes. */
  configure(cfg: CiliumDatapathConfig, routerIP: Addr, podCIDRs: Prefix[]): void {
    const host = this.host;
    this.cfg = cfg;
    let chost = host.iface('cilium_host');
    if (!chost) {
      [chost] = host.net.addVeth(host, 'cilium_host', host, 'cilium_net', { mtu: cfg.mtu });
      chost.noarp = true;
      host.iface('cilium_net')!.noarp = true;
    }
    if (this.routerIP !== routerIP) {
      if (this.routerIP !== undefined && chost.addrs.some((a) => a.addr === this.routerIP)) {
        host.delAddress(chost, { addr: this.routerIP, len: 32 });
      }
      if (!chost.addrs.some((a) => a.addr === routerIP)) host.addAddress(chost, { addr: routerIP, len: 32 });
      this.routerIP = routerIP;
    }
    this.podCIDRs = podCIDRs;
    chost.tcEgress = (skb, dev, dir) => this.fromHost(skb, dev, dir);
    // the tunnel device exists in tunnel mode, and for DSR with Geneve dispatch (cilium's tunnel
    // config enablers), with the configured protocol
    const wantTunnel = cfg.routingMode === 'tunnel' || cfg.dsrGeneve ? `cilium_${cfg.tunnelProtocol}` : undefined;
    for (const name of ['cilium_vxlan', 'cilium_geneve']) {
      const dev = host.iface(name);
      if (dev && (name !== wantTunnel || dev.tunnel?.port !== cfg.tunnelPort)) host.removeIface(dev);
    }
    if (wantTunnel && !host.iface(wantTunnel)) {
      const dev = host.net.addTunnel(host, wantTunnel, cfg.tunnelProtocol, { port: cfg.tunnelPort, external: true });
      host.setLinkUp(dev, true);
    }
    const tdev = wantTunnel ? host.iface(wantTunnel) : undefined;
    if (tdev) tdev.tcIngress = (skb, dev, dir) => this.fromOverlay(skb, dev, dir);
    for (const dev of this.nativeDevices()) {
      dev.tcIngress = (skb, d, dir) => this.fromNetdev(skb, d, dir);
      dev.tcEgress = (skb, d, dir) => this.toNetdev(skb, d, dir);
    }
    // pods attached before a restart keep their veths; their program is reattached
    for (const [, ep] of this.maps.lxc.entries()) {
      const lxc = ep.ifindex ? host.ifaceByIndex(ep.ifindex) : undefined;
      if (lxc) lxc.tcIngress = (skb, d, dir) => this.fromContainer(skb, d, dir);
    }
    this.syncRoutes();
  }

  /** bpf_host's devices: the configured list, or every Ethernet device with an IPv4 address. */
  nativeDevices(): Iface[] {
    const names = this.cfg?.devices;
    return this.host
      .ifaceList()
      .filter((d) => d.kind === 'ether' && (names ? names.includes(d.name) : d.v4Addrs().length > 0));
  }

  setRemoteNodes(nodes: RemoteNode[]): void {
    this.remote = nodes;
    this.syncRoutes();
  }

  /** The routes Cilium owns on this node (proto kernel via cilium_host or direct), reconciled. */
  private syncRoutes(): void {
    const host = this.host;
    const cfg = this.cfg;
    const chost = host.iface('cilium_host');
    if (!cfg || !chost || this.routerIP === undefined) return;
    const main = host.table(RT_TABLE_MAIN);
    const want: Route[] = [];
    const rip = this.routerIP;
    if (!cfg.enableEndpointRoutes) {
      want.push({ table: RT_TABLE_MAIN, type: 'unicast', dst: { addr: rip, len: 32 }, protocol: PROTO_KERNEL, scope: RT_SCOPE_LINK, metric: 0, nexthops: [{ dev: chost, weight: 1 }] });
      for (const c of this.podCIDRs) {
        want.push({ table: RT_TABLE_MAIN, type: 'unicast', dst: c, protocol: PROTO_KERNEL, scope: 0, metric: 0, prefsrc: rip, nexthops: [{ gw: rip, dev: chost, weight: 1 }] });
      }
    }
    for (const n of this.remote) {
      for (const c of n.podCIDRs) {
        if (cfg.routingMode === 'tunnel') {
          want.push({
            table: RT_TABLE_MAIN,
            type: 'unicast',
            dst: c,
            protocol: PROTO_KERNEL,
            scope: 0,
            metric: 0,
            prefsrc: rip,
            mtu: cfg.mtu - TUNNEL_OVERHEAD,
            nexthops: [{ gw: rip, dev: chost, weight: 1 }],
          });
        } else if (cfg.autoDirectNodeRoutes) {
          const nh = this.directNextHop(n);
          if (nh) want.push({ table: RT_TABLE_MAIN, type: 'unicast', dst: c, protocol: PROTO_KERNEL, scope: 0, metric: 0, nexthops: [nh] });
        }
      }
    }
    const id = (r: Route) =>
      `${r.dst.addr}/${r.dst.len}|${r.prefsrc}|${r.mtu}|${r.scope}|${r.nexthops[0]?.gw}|${r.nexthops[0]?.dev.index}`;
    const wanted = new Map(want.map((w) => [id(w), w]));
    for (const [k, r] of this.installed) {
      if (wanted.has(k)) continue;
      main.remove(r);
      this.installed.delete(k);
    }
    for (const [k, w] of wanted) {
      if (this.installed.has(k)) continue;
      main.add(w, 'replace');
      this.installed.set(k, w);
    }
  }

  /** auto-direct-node-routes: only for nodes on a directly connected network (no gateway). */
  private directNextHop(n: RemoteNode): Route['nexthops'][number] | undefined {
    for (const ip of n.ips) {
      if (typeof ip !== 'number') continue;
      const res = this.host.stack.lookupRoute(ip);
      if (res instanceof RouteError || !res.nh || res.route.type !== 'unicast') continue;
      if (res.nh.gw === undefined && res.nh.dev.kind === 'ether') return { gw: ip, dev: res.nh.dev, weight: 1 };
    }
    return undefined;
  }

  // ---- endpoints ----------------------------------------------------------------------------

  /** Registers a local endpoint (CNI ADD done): lxc map entry, bpf_lxc on its device, endpoint route. */
  attachEndpoint(ip: Addr, lxc: Iface, info: Omit<EndpointInfo, 'ifindex' | 'nodeMac' | 'flags'>): void {
    this.maps.lxc.set(ip, { ...info, ifindex: lxc.index, nodeMac: lxc.mac, flags: 0 });
    lxc.tcIngress = (skb, d, dir) => this.fromContainer(skb, d, dir);
    if (this.cfg?.enableEndpointRoutes && !this.host.table(RT_TABLE_MAIN).exact({ addr: ip, len: typeof ip === 'number' ? 32 : 128 }).length) {
      this.host.addRoute({
        table: RT_TABLE_MAIN,
        type: 'unicast',
        dst: { addr: ip, len: typeof ip === 'number' ? 32 : 128 },
        protocol: PROTO_KERNEL,
        scope: RT_SCOPE_LINK,
        metric: 0,
        nexthops: [{ dev: lxc, weight: 1 }],
      });
    }
  }

  detachEndpoint(ip: Addr): void {
    this.maps.lxc.delete(ip);
  }

  /** The host endpoint: the node's own addresses in cilium_lxc, flagged ENDPOINT_F_HOST. */
  setHostEndpoint(ips: Addr[], id: number): void {
    for (const [ip, e] of this.maps.lxc.entries()) if (e.flags & ENDPOINT_F_HOST && !ips.includes(ip)) this.maps.lxc.delete(ip);
    for (const ip of ips) this.maps.lxc.set(ip, { id, ifindex: 0, mac: 0, nodeMac: 0, secId: IDENTITY_HOST, flags: ENDPOINT_F_HOST });
  }

  private localEndpoint(ip: Addr): EndpointInfo | undefined {
    const e = this.maps.lxc.get(ip);
    return e && !(e.flags & ENDPOINT_F_HOST) ? e : undefined;
  }

  // ---- programs -----------------------------------------------------------------------------

  /** bpf_lxc: packets a pod sends. */
  private fromContainer(skb: Skb, dev: Iface, _dir: TcDirection): TcVerdict {
    const f = skb.frame;
    if (f.payload.kind === 'arp') return this.lxcArp(skb, dev, f.payload);
    const ip = f.payload;
    const srcEp = this.maps.lxc.get(ip.src);
    const srcId = srcEp?.secId ?? IDENTITY_WORLD;
    const staged = this.runStages('from-container', dev, skb, ip, srcId);
    if (staged) return staged;
    if (!this.stageTracked) this.track(ip, 'OUT', srcId);
    const dstEp = this.maps.lxc.get(ip.dst);
    if (dstEp && !(dstEp.flags & ENDPOINT_F_HOST)) return this.localDelivery(skb, ip, dstEp, srcId);
    if (dstEp) return TC_OK; // to the host stack
    const tunnelled = this.tunnelTo(skb, ip, srcId);
    if (tunnelled) return tunnelled;
    return TC_OK;
  }

  /** bpf_lxc's ARP responder: the pod's gateway (any address but its own) is the lxc's MAC. */
  private lxcArp(skb: Skb, dev: Iface, arp: ArpPacket): TcVerdict {
    if (arp.op !== ARP_REQUEST || this.maps.lxc.get(arp.tpa)?.ifindex === dev.index) return DROP('Unsupported L2 protocol');
    const reply: ArpPacket = { kind: 'arp', op: ARP_REPLY, sha: dev.mac, spa: arp.tpa, tha: arp.sha, tpa: arp.spa };
    dev.xmit({ frame: { dst: arp.sha, src: dev.mac, type: ETH_P_ARP, payload: reply }, t: skb.t, mark: 0, hops: 0 });
    return TC_STOLEN;
  }

  /** bpf_host on a native device, ingress. */
  private fromNetdev(skb: Skb, dev: Iface, _dir: TcDirection): TcVerdict {
    const f = skb.frame;
    if (f.payload.kind === 'arp') {
      const arp = f.payload;
      const mac = arp.op === ARP_REQUEST ? this.maps.l2responder.get(arp.tpa, dev.index) : undefined;
      if (mac === undefined || this.l2ResponderLive?.() === false) return TC_OK;
      // the L2 announcer answers ARP for the service IPs it holds
      const reply: ArpPacket = { kind: 'arp', op: ARP_REPLY, sha: mac, spa: arp.tpa, tha: arp.sha, tpa: arp.spa };
      dev.xmit({ frame: { dst: arp.sha, src: mac, type: ETH_P_ARP, payload: reply }, t: skb.t, mark: 0, hops: 0 });
      return TC_STOLEN;
    }
    const ip = f.payload;
    const srcId = this.maps.ipcache.lookup(ip.src)?.identity ?? IDENTITY_WORLD;
    const staged = this.runStages('from-netdev', dev, skb, ip, srcId);
    if (staged) return staged;
    this.reverseMasquerade(ip);
    const dstEp = this.localEndpoint(ip.dst);
    if (dstEp) return this.localDelivery(skb, ip, dstEp, srcId);
    return TC_OK;
  }

  /** bpf_host on a native device, egress: service SNAT hooks, then masquerading. */
  private toNetdev(skb: Skb, dev: Iface, _dir: TcDirection): TcVerdict {
    const ip = skb.frame.payload;
    if (ip.kind !== 'ip') return TC_OK;
    const srcEp = this.localEndpoint(ip.src);
    const staged = this.runStages('to-netdev', dev, skb, ip, srcEp?.secId ?? IDENTITY_HOST);
    if (staged) return staged;
    if (srcEp && this.cfg?.enableIPv4Masquerade && ip.v === 4 && this.needsMasquerade(ip.dst)) {
      if (!this.masquerade(ip, dev)) return DROP('No mapping for NAT masquerade');
    }
    return TC_OK;
  }

  /** bpf_host on cilium_host, egress: the host stack's packets towards pods. */
  private fromHost(skb: Skb, dev: Iface, _dir: TcDirection): TcVerdict {
    const ip = skb.frame.payload;
    if (ip.kind !== 'ip') return TC_OK;
    const staged = this.runStages('from-host', dev, skb, ip, IDENTITY_HOST);
    if (staged) return staged;
    const dstEp = this.localEndpoint(ip.dst);
    if (dstEp) return this.localDelivery(skb, ip, dstEp, IDENTITY_HOST);
    return this.tunnelTo(skb, ip, IDENTITY_HOST) ?? TC_OK;
  }

  /** bpf_overlay: decapsulated packets from other nodes. */
  private fromOverlay(skb: Skb, dev: Iface, _dir: TcDirection): TcVerdict {
    const ip = skb.frame.payload;
    if (ip.kind !== 'ip') return DROP('Unsupported L3 protocol');
    const srcId = skb.tunnel?.vni ?? IDENTITY_WORLD;
    const staged = this.runStages('from-overlay', dev, skb, ip, srcId);
    if (staged) return staged;
    const dstEp = this.localEndpoint(ip.dst);
    if (dstEp) return this.localDelivery(skb, ip, dstEp, srcId);
    // for the host: hand it to the stack as if addressed to the tunnel device
    skb.frame.dst = dev.mac;
    return TC_OK;
  }

  // ---- forwarding helpers -------------------------------------------------------------------

  /** ipv4_local_delivery: TTL, MACs, the endpoint's ingress (to-container), redirect into the pod. */
  private localDelivery(skb: Skb, ip: IpPacket, ep: EndpointInfo, srcId: number): TcVerdict {
    const lxc = this.host.ifaceByIndex(ep.ifindex);
    if (!lxc || !lxc.peer) return DROP('Unknown endpoint');
    if (ip.ttl <= 1) return DROP('TTL exceeded');
    ip.ttl--;
    skb.frame.src = ep.nodeMac;
    skb.frame.dst = ep.mac;
    const staged = this.runStages('to-container', lxc, skb, ip, srcId);
    if (staged) return staged;
    if (!this.stageTracked) this.track(ip, 'IN', srcId);
    return { action: 'redirect', to: lxc, mode: 'peer' };
  }

  /** encap_and_redirect: in tunnel mode, a destination behind another node goes into the tunnel. */
  private tunnelTo(skb: Skb, ip: IpPacket, srcId: number): TcVerdict | undefined {
    if (this.cfg?.routingMode !== 'tunnel' || ip.v !== 4) return undefined;
    const info = this.maps.ipcache.lookup(ip.dst);
    if (!info || !(info.flags & IPCACHE_FLAG_HAS_TUNNEL)) return undefined;
    const remote = info.tunnelEndpoint;
    if (remote === 0 || this.host.isLocal(remote)) return undefined;
    const tdev = this.host.iface(`cilium_${this.cfg.tunnelProtocol}`);
    if (!tdev) return DROP('No tunnel device');
    // the VNI carries the source's security identity
    skb.tunnel = { remote, vni: srcId };
    return { action: 'redirect', to: tdev, mode: 'egress' };
  }

  // ---- conntrack ----------------------------------------------------------------------------

  private tupleOf(ip: IpPacket): LBTuple | undefined {
    const l4 = ip.l4;
    if (l4.kind === 'tcp' || l4.kind === 'udp') return { proto: ip.proto, src: ip.src, sport: l4.sport, dst: ip.dst, dport: l4.dport };
    if (l4.kind === 'icmp' && (l4.type === 8 || l4.type === 0 || l4.type === 128 || l4.type === 129)) {
      const request = l4.type === 8 || l4.type === 128;
      return request
        ? { proto: ip.proto, src: ip.src, sport: l4.id, dst: ip.dst, dport: 0 }
        : { proto: ip.proto, src: ip.src, sport: 0, dst: ip.dst, dport: l4.id };
    }
    return undefined;
  }

  /**
   * ct_lookup4 + ct_create4: an existing entry for this direction, or the opposite direction's
   * entry for a reply, is updated; otherwise a new entry is created.
   */
  track(ip: IpPacket, dir: CtDirection, srcId: number): void {
    const t = this.tupleOf(ip);
    if (!t) return;
    const ct = this.maps.ct.of(t);
    const now = this.monoNow();
    const flags = ip.l4.kind === 'tcp' ? ip.l4.flags : 0;
    let e = ct.get(dir, t);
    let reply = false;
    if (!e) {
      const rev: LBTuple = { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
      e = ct.get(dir === 'OUT' ? 'IN' : 'OUT', rev);
      reply = e !== undefined;
    }
    if (!e) {
      if (ip.l4.kind === 'tcp' && !(flags & 0x02)) return; // only SYNs open TCP entries
      e = newCtEntry(dir, t, now, srcId);
      ct.set(e);
    }
    e.packets++;
    e.bytes += ipLen(ip);
    if (reply) {
      e.rxFlagsSeen |= flags;
      e.lastRxReport = now;
      if (flags & 0x05) e.flags |= CT_RX_CLOSING;
    } else {
      e.txFlagsSeen |= flags;
      e.lastTxReport = now;
      if (flags & 0x05) e.flags |= CT_TX_CLOSING;
    }
    if (ip.l4.kind === 'tcp' && !(flags & 0x02)) e.flags |= CT_SEEN_NON_SYN;
    const closing = (e.flags & (CT_RX_CLOSING | CT_TX_CLOSING)) === (CT_RX_CLOSING | CT_TX_CLOSING);
    e.expires = now + ctTimeout(t.proto, flags, closing);
  }

  // ---- masquerading -------------------------------------------------------------------------

  /** snat_v4_needs_masquerade: not inside the native-routing CIDR, not a cluster identity. */
  private needsMasquerade(dst: Addr): boolean {
    const cidr = this.cfg?.nativeRoutingCIDR;
    if (cidr && prefixContains(cidr, dst)) return false;
    const info = this.maps.ipcache.lookup(dst);
    return !info || info.identity === IDENTITY_WORLD;
  }

  private masquerade(ip: IpPacket, dev: Iface): boolean {
    const natIp = dev.v4Addrs()[0]?.addr;
    const t = this.tupleOf(ip);
    if (natIp === undefined || !t) return true;
    const nat = this.maps.nat(ip.src);
    let out = nat.get('OUT', t);
    if (!out) {
      this.natRand = (Math.imul(this.natRand, 1664525) + 1013904223) >>> 0;
      const port = nat.pickPort(t.proto, natIp, t.dst, t.dport, t.sport, NAT_PORT_MIN, NAT_PORT_MAX, this.natRand / 2 ** 32);
      if (port === undefined) return false;
      const created = this.monoNow();
      out = { dir: 'OUT', tuple: t, addr: natIp, port, created, needsCT: true };
      nat.set(out);
      nat.set({ dir: 'IN', tuple: { proto: t.proto, src: t.dst, sport: t.dport, dst: natIp, dport: port }, addr: t.src, port: t.sport, created, needsCT: true });
    }
    ip.src = out.addr;
    const l4 = ip.l4;
    if (l4.kind === 'tcp' || l4.kind === 'udp') l4.sport = out.port;
    else if (l4.kind === 'icmp') l4.id = out.port;
    return true;
  }

  /** snat_v4_rev_nat: a reply to a masqueraded flow gets its pod address back. */
  private reverseMasquerade(ip: IpPacket): void {
    const t = this.tupleOf(ip);
    if (!t || ip.v !== 4) return;
    const e = this.maps.nat4.get('IN', t);
    if (!e) return;
    ip.dst = e.addr;
    const l4 = ip.l4;
    if (l4.kind === 'tcp' || l4.kind === 'udp') l4.dport = e.port;
    else if (l4.kind === 'icmp') l4.id = e.port;
  }
}
