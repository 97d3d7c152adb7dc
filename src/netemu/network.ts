// The emulated network: hosts, L2 segments and the device layer that moves frames between them.
//
// Time model: packet processing runs to completion on a FIFO work queue, without waiting on the
// Clock, so a thousand HTTP exchanges take a thousand HTTP exchanges' worth of CPU and nothing
// more. Each skb carries a modelled timestamp `t`; every wire or veth it crosses adds that link's
// latency. Captures and ping RTTs read `t`; protocol timers (TCP retransmission, ARP, sleep) use
// the Clock. A reply takes its `t` from the request that caused it.

import type { Clock } from '../controller/clock.ts';
import type { Rng } from '../controller/rng.ts';
import { type Addr, parseIfAddr } from './addr.ts';
import { Host, HostError, type HostOptions } from './host.ts';
import type { Iface, TcVerdict, TunnelConfig } from './iface.ts';
import { type Mac, macWithOui, randomMac } from './mac.ts';
import { IPPROTO_UDP, type Skb, type UdpDatagram, ipOf, makeIp, portsOf } from './packet.ts';
import { multipathHash } from './route.ts';
import { Segment } from './segment.ts';

export interface NetworkOptions {
  clock: Clock;
  rng: Rng;
  /** One-way latency of an L2 segment (ms). */
  wireLatencyMs?: number;
  /** One-way latency of a veth pair (ms). */
  vethLatencyMs?: number;
}

/** Guard against forwarding/redirect loops, like the kernel's xmit recursion limit and TTL. */
const MAX_HOPS = 64;

export interface AttachOptions {
  mac?: Mac;
  /** Vendor prefix for a generated MAC, e.g. `08:00:27` (VirtualBox) or `52:54:00` (libvirt). */
  oui?: string;
  mtu?: number;
  /** `a.b.c.d/len` addresses, configured with a broadcast address like networkd does. */
  addrs?: string[];
  altnames?: string[];
  up?: boolean;
  index?: number;
}

export class Network {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly hosts = new Map<string, Host>();
  readonly segments = new Map<string, Segment>();
  wireLatencyMs: number;
  vethLatencyMs: number;
  /** Moves whenever emulated work happens (packets, shell loop turns): see drive.ts. */
  activity = 0;
  /** Exceptions thrown while processing packets (bugs); kept for inspection, never rethrown. */
  readonly internalErrors: unknown[] = [];
  private readonly macRng: Rng;
  /** Latest modelled packet time seen; keeps now() monotonic across causally related packets. */
  private highWater = 0;
  private queue: (() => void)[] = [];
  private head = 0;
  private draining = false;
  private drainScheduled = false;

  constructor(opts: NetworkOptions) {
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.macRng = opts.rng.fork('mac');
    this.wireLatencyMs = opts.wireLatencyMs ?? 0.1;
    this.vethLatencyMs = opts.vethLatencyMs ?? 0.005;
  }

  /**
   * The time new packets are stamped with: the Clock, or the modelled arrival time of the packet
   * being processed if that is later (a reply cannot leave before its request arrived).
   */
  now(): number {
    const c = this.clock.now();
    return c > this.highWater ? c : this.highWater;
  }

  randomMac(oui?: string): Mac {
    return oui ? macWithOui(this.macRng, oui) : randomMac(this.macRng);
  }

  // ---- topology -----------------------------------------------------------------------------

  addHost(name: string, opts: HostOptions = {}): Host {
    if (this.hosts.has(name)) throw new HostError('EEXIST', `host ${name} already exists`);
    const h = new Host(this, name, opts);
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host | undefined {
    return this.hosts.get(name);
  }

  /** Removes a host and every device it has (veth peers elsewhere go with their pairs). */
  removeHost(name: string): void {
    const h = this.hosts.get(name);
    if (!h) return;
    h.setUp(false);
    for (const dev of h.ifaceList()) if (dev !== h.lo && h.ifaces.has(dev.index)) h.removeIface(dev);
    this.hosts.delete(name);
  }

  addSegment(name: string, opts: { latencyMs?: number } = {}): Segment {
    const existing = this.segments.get(name);
    if (existing) return existing;
    const s = new Segment(name, opts.latencyMs ?? this.wireLatencyMs);
    this.segments.set(name, s);
    return s;
  }

  /** Plugs a new Ethernet device of `host` into a segment. */
  attach(host: Host, ifname: string, segment: Segment | string, opts: AttachOptions = {}): Iface {
    const seg = typeof segment === 'string' ? this.addSegment(segment) : segment;
    const dev = host.addIface('ether', ifname, {
      mac: opts.mac ?? this.randomMac(opts.oui),
      mtu: opts.mtu,
      index: opts.index,
    });
    dev.altnames = opts.altnames ?? [];
    seg.attach(dev);
    this.configure(host, dev, opts);
    return dev;
  }

  /**
   * Adds addresses and brings the device up unless `up: false`. `brd` (default true) gives IPv4
   * addresses a broadcast address, as networkd/netplan configure them; `ip addr add` by hand
   * does not.
   */
  configure(host: Host, dev: Iface, opts: { addrs?: string[]; up?: boolean; brd?: boolean }): void {
    for (const text of opts.addrs ?? []) {
      const p = parseIfAddr(text);
      if (!p) throw new HostError('EINVAL', `${host.name}/${dev.name}: not an address/prefix: ${text}`);
      host.addAddress(dev, p, { brdAuto: opts.brd !== false && typeof p.addr === 'number' });
    }
    if (opts.up !== false) host.setLinkUp(dev, true);
  }

  /**
   * A veth pair: `aName` in host `a`, `bName` in host `b`. Indices are allocated from `a`
   * (as when the pair is created in one namespace and one end moved): b's end first.
   */
  addVeth(
    a: Host,
    aName: string,
    b: Host,
    bName: string,
    opts: { macA?: Mac; macB?: Mac; mtu?: number; up?: boolean; netnsOfB?: string } = {},
  ): [Iface, Iface] {
    const bIndex = a === b ? undefined : a.allocIndex();
    const devB = b.addIface('veth', bName, { mac: opts.macB, mtu: opts.mtu, index: bIndex });
    const devA = a.addIface('veth', aName, { mac: opts.macA, mtu: opts.mtu });
    devA.peer = devB;
    devB.peer = devA;
    if (a !== b) {
      devA.linkNetns = opts.netnsOfB ? `link-netns ${opts.netnsOfB}` : 'link-netnsid 0';
      devB.linkNetns = 'link-netnsid 0';
    }
    if (opts.up !== false) {
      a.setLinkUp(devA, true);
      b.setLinkUp(devB, true);
    }
    return [devA, devB];
  }

  addDummy(host: Host, name: string, opts: { addrs?: string[]; mac?: Mac; up?: boolean } = {}): Iface {
    const dev = host.addIface('dummy', name, { mac: opts.mac });
    // addresses on dummies are usually added by hand, without a broadcast address
    this.configure(host, dev, { addrs: opts.addrs, up: opts.up, brd: false });
    return dev;
  }

  /** A VXLAN or Geneve device; opens the UDP port for decapsulation while up. */
  addTunnel(
    host: Host,
    name: string,
    kind: 'vxlan' | 'geneve',
    cfg: Partial<TunnelConfig> & { port: number },
    opts: { mac?: Mac; mtu?: number } = {},
  ): Iface {
    const dev = host.addIface(kind, name, { mac: opts.mac, mtu: opts.mtu ?? 1500 });
    const [lo, hi] = host.sysctl.get('net.ipv4.ip_local_port_range')!.split('\t').map(Number) as [number, number];
    dev.tunnel = { external: true, srcPortMin: lo, srcPortMax: hi, ...cfg };
    host.stack.udpEncap.set(cfg.port, (_in, skb, ip, udp) => this.decap(host, skb, ip.src, ip.dst, udp));
    return dev;
  }

  // ---- the work queue -----------------------------------------------------------------------

  /**
   * Runs `fn` after the packet work already queued. The queue drains on a microtask, so a packet
   * sent from inside an API call (connect, write) is delivered after that call returns, as in a
   * real kernel where the caller's events come later.
   */
  defer(fn: () => void): void {
    this.queue.push(fn);
    if (!this.draining && !this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => {
        this.drainScheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const fn = this.queue[this.head]!;
        this.queue[this.head++] = noop;
        this.activity++;
        try {
          fn();
        } catch (err) {
          if (this.internalErrors.length < 100) this.internalErrors.push(err);
        }
        if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
      this.queue = [];
      this.head = 0;
    } finally {
      this.draining = false;
    }
  }

  // ---- the device layer ---------------------------------------------------------------------

  xmit(dev: Iface, skb: Skb): void {
    const host = dev.host;
    if (!host.up || !dev.adminUp || ++skb.hops > MAX_HOPS) {
      dev.stats.txDropped++;
      return;
    }
    if (dev.tcEgress && !this.verdict(dev.tcEgress(skb, dev, 'egress'), skb, dev)) return;
    if (dev.kind !== 'loopback') this.tap(dev, skb, 'Out');
    dev.stats.txPackets++;
    switch (dev.kind) {
      case 'ether': {
        const seg = dev.segment;
        if (!seg) return;
        for (const [port, copy] of seg.destinations(dev, skb)) {
          copy.t += seg.latencyMs;
          this.defer(() => port.receive(copy));
        }
        return;
      }
      case 'veth': {
        const peer = dev.peer;
        if (!peer) return;
        skb.t += this.vethLatencyMs;
        this.defer(() => peer.receive(skb));
        return;
      }
      case 'loopback':
        this.defer(() => dev.receive(skb));
        return;
      case 'dummy':
        return;
      case 'vxlan':
      case 'geneve':
        this.encap(dev, skb);
        return;
    }
  }

  receive(dev: Iface, skb: Skb): void {
    if (!dev.running || ++skb.hops > MAX_HOPS) {
      dev.stats.rxDropped++;
      return;
    }
    if (skb.t > this.highWater) this.highWater = skb.t;
    this.tap(dev, skb, 'In');
    dev.stats.rxPackets++;
    if (dev.tcIngress && !this.verdict(dev.tcIngress(skb, dev, 'ingress'), skb, dev)) return;
    dev.host.stack.l2Input(dev, skb);
  }

  private tap(dev: Iface, skb: Skb, dir: 'In' | 'Out'): void {
    const taps = dev.host.taps;
    if (taps.size === 0) return;
    for (const t of taps) t(dev, skb, dir);
  }

  /** Applies a tc verdict; returns whether normal processing continues. */
  private verdict(v: TcVerdict, skb: Skb, dev: Iface): boolean {
    switch (v.action) {
      case 'ok':
        return true;
      case 'drop':
        dev.stats.rxDropped++;
        return false;
      case 'stolen':
        return false;
      case 'redirect':
        if (v.mode === 'egress') this.xmit(v.to, skb);
        else if (v.mode === 'ingress') this.receive(v.to, skb);
        else if (v.to.peer) {
          // bpf_redirect_peer: straight into the peer's namespace; the host-side device sees nothing
          skb.t += this.vethLatencyMs;
          this.receive(v.to.peer, skb);
        }
        return false;
    }
  }

  // ---- tunnels ------------------------------------------------------------------------------

  private encap(dev: Iface, skb: Skb): void {
    const cfg = dev.tunnel!;
    const key = cfg.external ? skb.tunnel : cfg.remote !== undefined ? { remote: cfg.remote, vni: cfg.vni ?? 0 } : undefined;
    if (!key) {
      dev.stats.txDropped++;
      return;
    }
    const inner = ipOf(skb.frame);
    // udp_flow_src_port: a hash of the inner flow mapped into the source port range
    let sport = cfg.srcPortMin;
    if (inner) {
      const [s, d] = portsOf(inner);
      const h = multipathHash(1, { src: inner.src, dst: inner.dst, proto: inner.proto, sport: s, dport: d }, dev.host.hashSeed);
      sport = cfg.srcPortMin + (h % (cfg.srcPortMax - cfg.srcPortMin + 1));
    }
    const outer = makeIp(
      key.local ?? (typeof key.remote === 'number' ? 0 : 0n),
      key.remote,
      IPPROTO_UDP,
      {
        kind: 'udp',
        sport,
        dport: cfg.port,
        data: dev.kind === 'geneve' ? { kind: 'geneve', vni: key.vni, options: key.options, inner: skb.frame } : { kind: 'vxlan', vni: key.vni, inner: skb.frame },
      },
      { df: false, id: dev.host.stack.nextIpId() },
    );
    if (dev.host.stack.output(outer, { t: skb.t, mark: skb.mark }) !== undefined) dev.stats.txDropped++;
  }

  private decap(host: Host, skb: Skb, remote: Addr, local: Addr, udp: UdpDatagram): void {
    const encap = udp.data;
    if (encap instanceof Uint8Array) return;
    for (const dev of host.ifaces.values()) {
      const cfg = dev.tunnel;
      if (!cfg || dev.kind !== encap.kind || cfg.port !== udp.dport || !dev.adminUp) continue;
      if (!cfg.external && cfg.vni !== encap.vni) continue;
      dev.receive({ frame: encap.inner, t: skb.t, mark: 0, hops: skb.hops, tunnel: { remote, vni: encap.vni, local, options: encap.options } });
      return;
    }
  }
}

function noop(): void {}
