// A host is one network namespace: its devices, addresses, routing tables, neighbour table,
// sysctls, sockets, files and commands. Nodes, pods, routers and external machines are all hosts.

import type { Rng } from '../controller/rng.ts';
import {
  type Addr,
  type Prefix,
  V4_LOOPBACK,
  V6_LOOPBACK,
  bitsOfAddr,
  broadcastOf,
  fmtAddr,
  maskAddr,
  prefixContains,
} from './addr.ts';
import { type IfAddr, type IfKind, Iface, type PacketTap } from './iface.ts';
import { type Mac, linkLocalFromMac } from './mac.ts';
import { NeighTable } from './neigh.ts';
import type { Network } from './network.ts';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_DEFAULT,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  type Route,
  RouteError,
  RouteTable,
} from './route.ts';
import { IpStack } from './stack.ts';
import { Sysctl } from './sysctl.ts';
import { TcpStack } from './tcp.ts';
import { UdpStack } from './udp.ts';

export type HostKind = 'node' | 'pod' | 'router' | 'external';

export interface HostOptions {
  kind?: HostKind;
  /** net.ipv4.ip_forward (default: on for nodes and routers). */
  forwarding?: boolean;
  hostname?: string;
  env?: Record<string, string>;
}

/** Socket-level translation (cgroup connect4/sendmsg4 in Cilium): returns the address to use instead. */
export interface SockTranslation {
  addr: Addr;
  port: number;
  /** Called when the socket closes, to release per-socket state (Cilium's socknat entry). */
  release?: () => void;
}

export interface SockConnectCtx {
  host: Host;
  proto: 'tcp' | 'udp';
  dst: Addr;
  port: number;
  /** Socket cookie, unique per socket. */
  cookie: number;
}

/** The hook refuses the call: connect() fails with this errno (Cilium: a service without backends). */
export interface SockReject {
  reject: 'EHOSTUNREACH';
}

export type SockHook = (ctx: SockConnectCtx) => SockTranslation | SockReject | undefined;

export class HostError extends Error {
  constructor(
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}

export class Host {
  readonly net: Network;
  readonly name: string;
  readonly kind: HostKind;
  hostname: string;
  up = true;
  readonly ifaces = new Map<number, Iface>();
  private readonly byName = new Map<string, Iface>();
  private nextIndex = 1;
  readonly tables = new Map<number, RouteTable>();
  readonly sysctl: Sysctl;
  readonly neigh: NeighTable;
  readonly stack: IpStack;
  readonly tcp: TcpStack;
  readonly udp: UdpStack;
  readonly rng: Rng;
  /** Per-boot key of the flow hash (the kernel's hashrnd). */
  readonly hashSeed: number;
  /** The host's files: content in a buffer with spare capacity, so appends are amortised O(1). */
  private readonly files = new Map<string, { buf: Uint8Array; len: number }>();
  env: Record<string, string>;
  readonly taps = new Set<PacketTap>();
  /** cgroup socket hooks (socket-level load balancing); pods share their node's list. */
  sockHooks: SockHook[] = [];
  readonly lo: Iface;
  private nextCookie = 1;
  private readonly downListeners: (() => void)[] = [];

  constructor(net: Network, name: string, opts: HostOptions = {}) {
    this.net = net;
    this.name = name;
    this.kind = opts.kind ?? 'external';
    this.hostname = opts.hostname ?? name;
    this.env = { HOSTNAME: this.hostname, ...(opts.env ?? {}) };
    this.rng = net.rng.fork(`host:${name}`);
    this.hashSeed = this.rng.uint32();
    const forwarding = opts.forwarding ?? (this.kind === 'node' || this.kind === 'router');
    this.sysctl = new Sysctl(forwarding);
    for (const id of [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT]) this.tables.set(id, new RouteTable(id));
    this.neigh = new NeighTable({
      now: () => net.clock.now(),
      setTimeout: (fn, ms) => net.clock.setTimeout(fn, ms),
      jitter: () => 0.5 + this.rng.float(),
      solicit: (e, unicast) => this.stack.solicit(e, unicast),
      flush: (e, queued) => this.stack.flushQueued(e, queued),
      fail: (e, queued) => this.stack.failQueued(e, queued),
    });
    this.sysctl.onChange('net.ipv4.neigh.default.base_reachable_time_ms', (v) => {
      this.neigh.params.baseReachableMs = Number(v);
    });
    this.sysctl.onChange('net.ipv4.neigh.default.retrans_time_ms', (v) => {
      this.neigh.params.retransMs = Number(v);
    });
    this.stack = new IpStack(this);
    this.tcp = new TcpStack(this);
    this.udp = new UdpStack(this);
    this.lo = this.addIface('loopback', 'lo', { mac: 0, mtu: 65536 });
    this.addAddress(this.lo, { addr: V4_LOOPBACK, len: 8 }, { scope: RT_SCOPE_HOST });
    this.addAddress(this.lo, { addr: V6_LOOPBACK, len: 128 }, { scope: RT_SCOPE_HOST, noprefixroute: true });
    this.setLinkUp(this.lo, true);
    this.writeFile('/etc/hostname', `${this.hostname}\n`);
  }

  get clock() {
    return this.net.clock;
  }

  // ---- devices ------------------------------------------------------------------------------

  iface(name: string): Iface | undefined {
    return this.byName.get(name);
  }

  ifaceByIndex(index: number): Iface | undefined {
    return this.ifaces.get(index);
  }

  /** Devices in index order. */
  ifaceList(): Iface[] {
    return [...this.ifaces.values()].sort((a, b) => a.index - b.index);
  }

  /** Reserves the next interface index (a veth peer created here and moved elsewhere keeps it). */
  allocIndex(): number {
    return this.nextIndex++;
  }

  addIface(kind: IfKind, name: string, opts: { mac?: Mac; mtu?: number; index?: number } = {}): Iface {
    if (this.byName.has(name)) throw new HostError('EEXIST', 'RTNETLINK answers: File exists');
    if (name.length === 0 || name.length > 15 || /[\s/:]/.test(name)) {
      throw new HostError('EINVAL', `Error: argument "${name}" is wrong: "name" not a valid ifname`);
    }
    const index = opts.index ?? this.allocIndex();
    if (opts.index !== undefined && opts.index >= this.nextIndex) this.nextIndex = opts.index + 1;
    const mac = opts.mac ?? this.net.randomMac();
    const dev = new Iface(this, name, index, kind, mac, opts.mtu ?? 1500);
    this.ifaces.set(index, dev);
    this.byName.set(name, dev);
    return dev;
  }

  removeIface(dev: Iface): void {
    if (dev === this.lo) throw new HostError('EOPNOTSUPP', 'RTNETLINK answers: Operation not supported');
    if (dev.adminUp) this.setLinkUp(dev, false);
    this.flushRoutesVia(dev);
    this.neigh.flushDev(dev, true);
    dev.segment?.detach(dev);
    this.ifaces.delete(dev.index);
    this.byName.delete(dev.name);
    const peer = dev.peer;
    if (peer) {
      // deleting one end of a veth deletes the pair
      dev.peer = undefined;
      peer.peer = undefined;
      peer.host.removeIface(peer);
    }
  }

  renameIface(dev: Iface, name: string): void {
    if (this.byName.has(name)) throw new HostError('EEXIST', 'RTNETLINK answers: File exists');
    this.byName.delete(dev.name);
    dev.name = name;
    this.byName.set(name, dev);
  }

  setMac(dev: Iface, mac: Mac): void {
    const old = dev.mac;
    dev.mac = mac;
    dev.segment?.relearn(dev, old);
    const ll = dev.v6Addrs().find((a) => a.secondary);
    if (ll) {
      this.delAddress(dev, { addr: ll.addr, len: ll.len });
      this.addLinkLocal(dev);
    }
  }

  setLinkUp(dev: Iface, up: boolean): void {
    if (dev.adminUp === up) return;
    dev.adminUp = up;
    if (up) {
      for (const a of dev.addrs) this.installAddrRoutes(dev, a);
      if (dev.kind !== 'loopback' && dev.ipv6) this.addLinkLocal(dev);
      return;
    }
    this.flushRoutesVia(dev);
    this.neigh.flushDev(dev);
    dev.addrs = dev.addrs.filter((a) => !a.secondary);
  }

  /**
   * fib_sync_down_dev: routes through a device that goes down are flushed, static ones too; a
   * multipath route loses that next hop and goes only when none is left.
   */
  private flushRoutesVia(dev: Iface): void {
    for (const t of this.tables.values()) {
      for (const r of t.deleteWhere((x) => x.nexthops.some((nh) => nh.dev === dev))) {
        const rest = r.nexthops.filter((nh) => nh.dev !== dev);
        if (rest.length > 0) t.add({ ...r, nexthops: rest }, 'append');
      }
    }
  }

  private addLinkLocal(dev: Iface): void {
    const addr = linkLocalFromMac(dev.mac);
    if (dev.addrs.some((a) => a.addr === addr)) return;
    this.addAddress(dev, { addr, len: 64 }, { scope: RT_SCOPE_LINK, secondary: true });
  }

  // ---- addresses ----------------------------------------------------------------------------

  addAddress(
    dev: Iface,
    p: Prefix,
    opts: Partial<Omit<IfAddr, 'addr' | 'len'>> & { brdAuto?: boolean } = {},
  ): IfAddr {
    if (dev.addrs.some((a) => a.addr === p.addr && a.len === p.len)) {
      throw new HostError('EEXIST', 'RTNETLINK answers: File exists');
    }
    const a: IfAddr = {
      addr: p.addr,
      len: p.len,
      scope: opts.scope ?? RT_SCOPE_UNIVERSE,
      brd: opts.brd ?? (opts.brdAuto && typeof p.addr === 'number' ? broadcastOf(p.addr, p.len) : undefined),
      label: opts.label,
      metric: opts.metric,
      noprefixroute: opts.noprefixroute,
      lease: opts.lease,
      secondary: opts.secondary,
    };
    // IPv4 addresses are listed in insertion order; IPv6 newest first (ipv6_add_addr prepends)
    if (typeof p.addr === 'bigint' && !a.secondary) {
      const firstV6 = dev.addrs.findIndex((x) => typeof x.addr === 'bigint');
      dev.addrs.splice(firstV6 < 0 ? dev.addrs.length : firstV6, 0, a);
    } else {
      dev.addrs.push(a);
    }
    if (dev.adminUp) this.installAddrRoutes(dev, a);
    return a;
  }

  delAddress(dev: Iface, p: Prefix): void {
    const i = dev.addrs.findIndex((a) => a.addr === p.addr && (p.len === bitsOfAddr(p.addr) || a.len === p.len));
    if (i < 0) throw new HostError('EADDRNOTAVAIL', 'RTNETLINK answers: Cannot assign requested address');
    const [a] = dev.addrs.splice(i, 1);
    for (const t of this.tables.values()) {
      t.deleteWhere((r) => r.protocol === 2 && r.nexthops[0]?.dev === dev && this.routeBelongsTo(r, a!));
    }
  }

  private routeBelongsTo(r: Route, a: IfAddr): boolean {
    if (r.prefsrc === a.addr) return true;
    return r.dst.addr === a.addr && r.dst.len === bitsOfAddr(a.addr);
  }

  /** The routes the kernel creates for an address (fib_add_ifaddr / addrconf_prefix_route). */
  private installAddrRoutes(dev: Iface, a: IfAddr): void {
    const local = this.tables.get(RT_TABLE_LOCAL)!;
    const main = this.tables.get(RT_TABLE_MAIN)!;
    const nh = [{ dev, weight: 1 }];
    const add = (t: RouteTable, r: Route) => {
      if (!t.exact(r.dst).some((x) => x.type === r.type && x.metric === r.metric && x.nexthops[0]?.dev === dev)) {
        t.add(r, 'append');
      }
    };
    if (typeof a.addr === 'number') {
      const base = { protocol: 2, prefsrc: a.addr, nexthops: nh };
      add(local, {
        ...base,
        table: RT_TABLE_LOCAL,
        type: 'local',
        dst: { addr: a.addr, len: 32 },
        scope: RT_SCOPE_HOST,
        metric: 0,
      });
      const prefix = maskAddr(a.addr, a.len) as number;
      if (a.len < 32 && !a.noprefixroute) {
        const loop = dev.kind === 'loopback';
        add(loop ? local : main, {
          ...base,
          table: loop ? RT_TABLE_LOCAL : RT_TABLE_MAIN,
          type: loop ? 'local' : 'unicast',
          dst: { addr: prefix, len: a.len },
          scope: loop ? RT_SCOPE_HOST : RT_SCOPE_LINK,
          metric: a.metric ?? 0,
        });
      }
      if (a.len < 31) {
        add(local, {
          ...base,
          table: RT_TABLE_LOCAL,
          type: 'broadcast',
          dst: { addr: broadcastOf(prefix, a.len), len: 32 },
          scope: RT_SCOPE_LINK,
          metric: 0,
        });
      }
      return;
    }
    add(local, {
      table: RT_TABLE_LOCAL,
      type: 'local',
      dst: { addr: a.addr, len: 128 },
      protocol: 2,
      scope: RT_SCOPE_UNIVERSE,
      metric: 0,
      nexthops: nh,
      pref: 'medium',
    });
    if (a.len < 128 && !a.noprefixroute) {
      add(main, {
        table: RT_TABLE_MAIN,
        type: 'unicast',
        dst: { addr: maskAddr(a.addr, a.len), len: a.len },
        protocol: 2,
        scope: RT_SCOPE_UNIVERSE,
        metric: a.metric ?? 256,
        nexthops: nh,
        pref: 'medium',
      });
    }
  }

  /** Every address configured on the host. */
  allAddrs(): { dev: Iface; a: IfAddr }[] {
    const out: { dev: Iface; a: IfAddr }[] = [];
    for (const dev of this.ifaceList()) for (const a of dev.addrs) out.push({ dev, a });
    return out;
  }

  /** Is `addr` one of ours (a local route in the local table)? */
  isLocal(addr: Addr): boolean {
    const r = this.tables.get(RT_TABLE_LOCAL)!.lookup(addr);
    return r !== undefined && r.type === 'local';
  }

  /** The device that owns `addr`, if any. */
  devOfAddr(addr: Addr): Iface | undefined {
    for (const dev of this.ifaces.values()) if (dev.addrs.some((a) => a.addr === addr)) return dev;
    return undefined;
  }

  /**
   * inet_select_addr: a primary address of `dev` in the same subnet as `dst` if there is one,
   * else the first address of acceptable scope on `dev`, else the first global address anywhere.
   */
  selectSource(dev: Iface | undefined, dst: Addr, maxScope = RT_SCOPE_LINK): Addr | undefined {
    const v4 = typeof dst === 'number';
    const ok = (a: IfAddr) => typeof a.addr === typeof dst && a.scope <= maxScope;
    if (dev) {
      const cands = dev.addrs.filter(ok);
      if (!v4) {
        // RFC 6724 rule 2 in short: a link-local destination wants a link-local source
        const wantLL = (dst >> 118n) === 0x3fan;
        const sameScope = cands.find((a) => (a.scope === RT_SCOPE_LINK) === wantLL);
        if (sameScope) return sameScope.addr;
      }
      const inSubnet = cands.find((a) => prefixContains({ addr: maskAddr(a.addr, a.len), len: a.len }, dst));
      if (inSubnet) return inSubnet.addr;
      if (cands[0]) return cands[0].addr;
    }
    for (const d of this.ifaceList()) {
      if (d.kind === 'loopback' && v4) continue;
      const a = d.addrs.find((x) => typeof x.addr === typeof dst && x.scope === RT_SCOPE_UNIVERSE);
      if (a) return a.addr;
    }
    return undefined;
  }

  // ---- routes -------------------------------------------------------------------------------

  table(id: number): RouteTable {
    let t = this.tables.get(id);
    if (!t) {
      t = new RouteTable(id);
      this.tables.set(id, t);
    }
    return t;
  }

  /** Adds a route; next-hop gateways must be reachable on link unless `onlink`. */
  addRoute(r: Route, mode: 'add' | 'replace' | 'append' = 'add'): void {
    for (const nh of r.nexthops) {
      if (!nh.dev.adminUp && r.type === 'unicast') throw new RouteError('ENETUNREACH', 'Network is unreachable');
      if (nh.gw !== undefined && !nh.onlink && !this.gatewayOnLink(nh.gw, nh.dev)) {
        throw new RouteError('ENETUNREACH', 'Nexthop has invalid gateway');
      }
    }
    this.table(r.table).add(r, mode);
  }

  /** fib_check_nh: a gateway must be reachable through a link-scope route on the device. */
  private gatewayOnLink(gw: Addr, dev: Iface): boolean {
    const r = this.table(RT_TABLE_MAIN).lookup(gw, (x) => x.nexthops.some((nh) => nh.dev === dev));
    if (r && r.scope >= RT_SCOPE_LINK && r.type === 'unicast' && r.nexthops.some((nh) => nh.gw === undefined)) {
      return true;
    }
    return typeof gw === 'bigint' && (gw >> 118n) === 0x3fan;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** A new socket cookie (SO_COOKIE). */
  cookie(): number {
    return this.nextCookie++;
  }

  /** Host power: going down kills every socket silently (the processes die with it). */
  setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    if (!up) {
      // a power-off loses every socket and the neighbour cache (RAM)
      this.tcp.killAll();
      this.udp.killAll();
      for (const dev of this.ifaces.values()) this.neigh.flushDev(dev, false);
      for (const fn of this.downListeners.splice(0)) fn();
    }
  }

  onDown(fn: () => void): void {
    this.downListeners.push(fn);
  }

  readFile(path: string): Uint8Array | undefined {
    const f = this.files.get(path);
    return f ? f.buf.subarray(0, f.len) : undefined;
  }

  writeFile(path: string, data: Uint8Array | string, append = false): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const f = append ? this.files.get(path) : undefined;
    if (!f) {
      this.files.set(path, { buf: bytes.slice(), len: bytes.length });
      return;
    }
    if (f.len + bytes.length > f.buf.length) {
      const grown = new Uint8Array(Math.max(f.buf.length * 2, f.len + bytes.length, 256));
      grown.set(f.buf.subarray(0, f.len));
      f.buf = grown;
    }
    f.buf.set(bytes, f.len);
    f.len += bytes.length;
  }

  fileNames(): string[] {
    return [...this.files.keys()].sort();
  }

  toString(): string {
    return `${this.name}(${this.allAddrs()
      .filter((x) => x.dev.kind !== 'loopback')
      .map((x) => fmtAddr(x.a.addr))
      .join(',')})`;
  }
}
