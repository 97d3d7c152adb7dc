// The BGP speaker: peers (one FSM session each), the RIBs they feed, and the Adj-RIBs-Out they
// are fed from. Received UPDATEs go straight from the socket buffer into the tables (no
// per-prefix objects); decisions and outgoing UPDATEs are batched per turn of the event loop.

import { parseCIDR } from '../netaddr/cidr.ts';
import { formatIP, parseIP, parseIPv4Number } from '../netaddr/ip.ts';
import { type NormalizedPeer, type PeerConfig, canonicalPeerAddress, ConfigError, normalizePeer } from './peer-config.ts';
import { isAcceptAll } from './policy/evaluate.ts';
import { applyActions, evaluate } from './policy/evaluate.ts';
import type { PolicyAssignment } from './policy/types.ts';
import { AdjOut, type ExportTarget } from './rib/adj-out.ts';
import { AttrStore } from './rib/attrset.ts';
import { type DecisionOptions, type PathSource, SourceKind, defaultDecisionOptions } from './rib/decision.ts';
import { UpdateWriter } from './rib/packer.ts';
import { PathFlag, RibTable } from './rib/table.ts';
import type { Negotiated } from './fsm/negotiate.ts';
import { type DownReason, Session, type SessionConfig, type SessionOwner } from './fsm/session.ts';
import type { BgpClock, BgpTimerHandle } from './timer.ts';
import type { BgpSocket, Listener, Transport } from './transport.ts';
import { type PathAttrs, asPathContains, emptyAttrs } from './wire/attributes.ts';
import { Afi, CeaseSub, ErrCode, type FamilyKey, MAX_EXTENDED_MESSAGE_LEN, MAX_MESSAGE_LEN, RefreshSubtype, familyKey } from './wire/constants.ts';
import { BgpError } from './wire/errors.ts';
import { forEachNlri4, forEachNlri6, ipv6Bytes, ipv6FromBytes } from './wire/prefix.ts';
import { encodeRouteRefresh } from './wire/route-refresh.ts';
import { type DecodeContext, type UpdateView, decodeUpdate } from './wire/update.ts';

export interface GracefulRestartOptions {
  enabled: boolean;
  /** Seconds the peer should keep our routes while we restart (RFC 4724 §3). */
  restartTime: number;
  /** Advertise that forwarding state survives our restart (F bit). */
  preserveForwarding: boolean;
  /** Set the Restart State bit: this speaker has just restarted. */
  restarting: boolean;
  /** Seconds stale routes of a restarted peer are kept waiting for its End-of-RIB. */
  stalePathTime: number;
}

export interface SpeakerOptions {
  asn: number;
  routerId: string;
  clock: BgpClock;
  transport: Transport;
  /** Address and port to listen on; port 0 or undefined = do not listen (connect out only). */
  listen?: { address: string; port: number };
  hostname?: string;
  domain?: string;
  decision?: Partial<DecisionOptions>;
  /** Decision options that differ per family (FRR's maximum-paths is per address family). */
  decisionByFamily?: Partial<Record<FamilyKey, Partial<DecisionOptions>>>;
  /**
   * Whether a received next hop can be used (zebra's next-hop tracking). Paths whose next hop is
   * not are kept but never selected; call revalidateNextHops() when reachability changes.
   */
  nextHopValid?: (family: FamilyKey, nextHop: string) => boolean;
  /** RFC 8212: eBGP peers exchange nothing without import/export policies (default true). */
  ebgpRequiresPolicy?: boolean;
  gracefulRestart?: Partial<GracefulRestartOptions>;
  /** Accept next hops in 0/8, 127/8, 224/4 and above (FRR `bgp allow-martian-nexthop`). */
  allowMartianNexthop?: boolean;
  /** Advertise the extended message capability (RFC 8654); default true. */
  extendedMessage?: boolean;
  /**
   * Whether `nextHop` is on a network directly shared with `peer`; such next hops are passed to
   * eBGP peers unchanged (third-party next hop, RFC 4271 §5.1.3). Default: always next-hop-self.
   */
  sharedNetwork?: (peer: string, nextHop: string) => boolean;
}

export type LogFn = (e: { time: number; peer?: string; message: string }) => void;

export interface PeerEvent {
  peer: string;
  from: string;
  to: string;
}

/** A change of what is installed for a prefix (the zebra role): empty nextHops = removed. */
export interface InstallEvent {
  family: FamilyKey;
  prefix: string;
  nextHops: { address: string; peer: string }[];
}

/** Route origination options (attributes of a locally originated path). */
export interface OriginateAttrs {
  origin?: 'igp' | 'egp' | 'incomplete';
  med?: number;
  localPref?: number;
  communities?: number[];
  largeCommunities?: number[];
  /** Next hop to advertise instead of our session address. */
  nextHop?: string;
  asPath?: number[];
}

interface PeerRuntime {
  cfg: NormalizedPeer;
  session: Session;
  source: number;
  adj: Map<FamilyKey, AdjOut>;
  /** How exports to this peer are decided (set while established). */
  target: ExportTarget | undefined;
  decode: DecodeContext;
  /** Families still owing an End-of-RIB after the initial advertisement. */
  eorDue: Set<FamilyKey>;
  /** Families whose End-of-RIB the peer has sent us. */
  eorReceived: Set<FamilyKey>;
  /** Route refresh answers (RFC 7313) owing an EoRR. */
  eorrDue: Set<FamilyKey>;
  stale: { families: Set<FamilyKey>; timer: BgpTimerHandle | undefined } | undefined;
  dynamic: boolean;
  maxPrefixHit: boolean;
}

const EMPTY6 = new Uint8Array(16);
/** Pending decisions that make update() settle at once instead of at the end of the turn. */
const INLINE_RUN = 32768;
const MAPPED_PREFIX = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);

export class Speaker implements SessionOwner {
  readonly clock: BgpClock;
  readonly transport: Transport;
  readonly asn: number;
  readonly routerId: number;
  readonly routerIdText: string;
  readonly store = new AttrStore();
  readonly sources: PathSource[];
  readonly tables: Record<FamilyKey, RibTable>;
  readonly decision: DecisionOptions;
  readonly options: SpeakerOptions;
  readonly gr: GracefulRestartOptions;
  ebgpRequiresPolicy: boolean;
  globalImport: PolicyAssignment | undefined;
  globalExport: PolicyAssignment | undefined;
  private peers = new Map<string, PeerRuntime>();
  private bySession = new Map<Session, PeerRuntime>();
  private listener: Listener | undefined;
  private listenRanges: { family: 4 | 6; addr: bigint; len: number; template: Omit<PeerConfig, 'address'>; limit: number }[] = [];
  private freeSources: number[] = [];
  private scheduled = false;
  private started = false;
  private logFns: LogFn[] = [];
  private peerFns: ((e: PeerEvent) => void)[] = [];
  private installFns: ((e: InstallEvent) => void)[] = [];
  private eorFns: ((peer: string, family: FamilyKey) => void)[] = [];
  private bestFns: ((family: FamilyKey, prefix: string) => void)[] = [];
  private localPrefixes = new Map<string, { family: FamilyKey; d: number }>();
  private view: UpdateView = { buf: Buffer.alloc(0), withdrawnStart: 0, withdrawnEnd: 0, nlriStart: 0, nlriEnd: 0, attrs: undefined, discarded: [] };

  constructor(opts: SpeakerOptions) {
    if (!Number.isInteger(opts.asn) || opts.asn < 1 || opts.asn > 0xffffffff) throw new ConfigError(`ASN ${opts.asn} out of range 1..4294967295`);
    const rid = parseIPv4Number(opts.routerId);
    if (rid <= 0) throw new ConfigError(`router ID ${JSON.stringify(opts.routerId)} is not a non-zero IPv4 address`);
    if (opts.listen && (opts.listen.port < 0 || opts.listen.port > 65535)) throw new ConfigError(`listen port ${opts.listen.port} out of range`);
    this.options = opts;
    this.clock = opts.clock;
    this.transport = opts.transport;
    this.asn = opts.asn;
    this.routerId = rid;
    this.routerIdText = opts.routerId;
    this.decision = { ...defaultDecisionOptions(), ...opts.decision };
    this.ebgpRequiresPolicy = opts.ebgpRequiresPolicy ?? true;
    this.gr = {
      enabled: false,
      restartTime: 120,
      preserveForwarding: true,
      restarting: false,
      stalePathTime: 360,
      ...opts.gracefulRestart,
    };
    this.sources = [{ kind: SourceKind.LOCAL, routerId: rid, addrKey: 0n, peerAs: opts.asn, weight: 32768 }];
    const per = opts.decisionByFamily ?? {};
    this.tables = {
      'ipv4-unicast': new RibTable(4, this.store, this.sources, { ...this.decision, ...per['ipv4-unicast'] }),
      'ipv6-unicast': new RibTable(6, this.store, this.sources, { ...this.decision, ...per['ipv6-unicast'] }),
    };
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const l = this.options.listen;
    if (l && l.port > 0) {
      this.listener = await this.transport.listen({ host: l.address, port: l.port }, (s) => this.accept(s));
      for (const rt of this.peers.values()) if (rt.cfg.password !== undefined) this.listener.setPeerPassword?.(rt.cfg.key, rt.cfg.password);
    }
    for (const rt of this.peers.values()) rt.session.start();
  }

  /** Stops every session (Cease/Administrative Shutdown) and the listener. */
  stop(message?: string): void {
    this.started = false;
    for (const rt of this.peers.values()) rt.session.stop(message);
    this.listener?.close();
    this.listener = undefined;
    for (const rt of this.peers.values()) this.clearStale(rt);
  }

  get listening(): { address: string; port: number } | undefined {
    return this.listener ? { address: this.listener.address, port: this.listener.port } : undefined;
  }

  // ---------------------------------------------------------------- events

  onLog(fn: LogFn): void {
    this.logFns.push(fn);
  }
  onPeerState(fn: (e: PeerEvent) => void): void {
    this.peerFns.push(fn);
  }
  /** Called with the installed next hops whenever they change for a prefix (zebra's role). */
  onInstall(fn: (e: InstallEvent) => void): void {
    this.installFns.push(fn);
  }
  /** Called when a peer's End-of-RIB arrives. */
  onEndOfRib(fn: (peer: string, family: FamilyKey) => void): void {
    this.eorFns.push(fn);
  }

  /** Called whenever the best path of a prefix changes. */
  onBestChange(fn: (family: FamilyKey, prefix: string) => void): void {
    this.bestFns.push(fn);
  }

  log(s: Session | undefined, message: string): void {
    if (this.logFns.length === 0) return;
    const e: { time: number; peer?: string; message: string } = { time: this.clock.now(), message };
    if (s) e.peer = s.config.address;
    for (const fn of this.logFns) fn(e);
  }

  stateChanged(s: Session, from: string, to: string): void {
    for (const fn of this.peerFns) fn({ peer: s.config.address, from, to });
  }

  // ---------------------------------------------------------------- peers

  addPeer(c: PeerConfig): void {
    const n = normalizePeer(c, this.transport);
    if (this.peers.has(n.key)) throw new ConfigError(`peer ${n.key} already exists`);
    this.createPeer(n, false);
  }

  private createPeer(n: NormalizedPeer, dynamic: boolean): PeerRuntime {
    const source = this.freeSources.length > 0 ? this.freeSources.pop()! : this.sources.length;
    this.sources[source] = {
      kind: SourceKind.EBGP,
      routerId: 0,
      addrKey: n.family === 4 ? n.addrValue : n.addrValue + (1n << 128n),
      peerAs: typeof n.asn === 'number' ? n.asn : 0,
      weight: n.weight,
    };
    const session = new Session(this.sessionConfig(n), this);
    const rt: PeerRuntime = {
      cfg: n,
      session,
      source,
      adj: new Map(),
      target: undefined,
      decode: { as4: true, ebgp: true, firstAs: 0, addPath4: false, addPath6: false },
      eorDue: new Set(),
      eorReceived: new Set(),
      eorrDue: new Set(),
      stale: undefined,
      dynamic,
      maxPrefixHit: false,
    };
    this.peers.set(n.key, rt);
    this.bySession.set(session, rt);
    if (n.password !== undefined) this.listener?.setPeerPassword?.(n.key, n.password);
    if (this.started) session.start();
    return rt;
  }

  private sessionConfig(n: NormalizedPeer): SessionConfig {
    const grEnabled = n.gracefulRestart?.enabled ?? this.gr.enabled;
    const sc: SessionConfig = {
      address: n.key,
      port: n.port,
      passive: n.passive,
      connectRetry: n.connectRetry,
      idleHoldTime: n.idleHoldTime,
      shutdown: n.shutdown,
      localAs: this.asn,
      routerId: this.routerId,
      holdTime: n.holdTime,
      families: n.families,
      remoteAs: n.asn,
      addPathReceive: n.addPathReceive,
      extendedMessage: this.options.extendedMessage ?? true,
      enhancedRouteRefresh: true,
    };
    if (n.keepalive !== undefined) sc.keepalive = n.keepalive;
    if (n.localAddress) sc.localAddress = n.localAddress;
    if (n.password !== undefined) sc.md5Password = n.password;
    if (n.ebgpMultihop > 1) sc.ttl = n.ebgpMultihop;
    if (grEnabled) {
      sc.gracefulRestart = {
        restartTime: n.gracefulRestart?.restartTime ?? this.gr.restartTime,
        restarting: this.gr.restarting,
        preserveForwarding: this.gr.preserveForwarding,
      };
    }
    if (this.options.hostname !== undefined) {
      sc.hostname = this.options.hostname;
      sc.domain = this.options.domain ?? '';
    }
    return sc;
  }

  /**
   * Changes a peer. Policy changes take effect with a soft reset; anything the OPEN carries
   * (AS, timers, families, password...) resets the session with Cease/Other Configuration Change.
   */
  updatePeer(c: PeerConfig): void {
    const n = normalizePeer(c, this.transport);
    const rt = this.peers.get(n.key);
    if (!rt) throw new ConfigError(`no peer ${n.key}`);
    const old = rt.cfg;
    const sessionChanged = JSON.stringify(this.sessionConfig(old)) !== JSON.stringify(this.sessionConfig(n));
    rt.cfg = n;
    this.sources[rt.source]!.weight = n.weight;
    if (typeof n.asn === 'number' && n.asn !== 0) this.sources[rt.source]!.peerAs = n.asn;
    if (n.password !== old.password) this.listener?.setPeerPassword?.(n.key, n.password);
    if (sessionChanged) {
      const wasShut = rt.session.config.shutdown;
      rt.session.config = this.sessionConfig(n);
      if (n.shutdown && !wasShut) rt.session.stop();
      else if (!n.shutdown && wasShut) rt.session.start();
      else rt.session.reset(undefined, CeaseSub.OTHER_CONFIG_CHANGE);
      return;
    }
    if (old.importPolicy !== n.importPolicy) this.softResetIn(n.key);
    if (old.exportPolicy !== n.exportPolicy || old.nextHopSelf !== n.nextHopSelf || old.weight !== n.weight) this.softResetOut(n.key);
  }

  removePeer(address: string): void {
    const key = canonicalPeerAddress(address);
    const rt = key ? this.peers.get(key) : undefined;
    if (!rt) throw new ConfigError(`no peer ${address}`);
    this.dropPeer(rt);
  }

  private dropPeer(rt: PeerRuntime): void {
    rt.session.destroy();
    this.clearStale(rt);
    for (const t of Object.values(this.tables)) t.removeWhere(rt.source);
    for (const a of rt.adj.values()) a.dispose();
    rt.adj.clear();
    this.peers.delete(rt.cfg.key);
    this.bySession.delete(rt.session);
    this.listener?.setPeerPassword?.(rt.cfg.key, undefined);
    this.freeSources.push(rt.source);
    this.schedule();
  }

  /** Accepts connections from any address in `prefix` as peers built from `template` (FRR `bgp listen range`). */
  addListenRange(prefix: string, template: Omit<PeerConfig, 'address'>, limit = 100): void {
    const c = parseCIDR(prefix);
    if (!c) throw new ConfigError(`listen range ${JSON.stringify(prefix)} is not a prefix`);
    this.listenRanges.push({ family: c.family, addr: c.addr, len: c.prefixLen, template, limit });
  }

  /** Hard reset (Cease/Administrative Reset, RFC 9003 message optional). */
  resetPeer(address: string, message?: string): void {
    this.runtime(address).session.reset(message);
  }

  /** Administrative shutdown / start (`neighbor X shutdown`). */
  shutdownPeer(address: string, down: boolean, message?: string): void {
    const rt = this.runtime(address);
    rt.cfg.shutdown = down;
    rt.session.config.shutdown = down;
    if (down) rt.session.stop(message);
    else rt.session.start();
  }

  private runtime(address: string): PeerRuntime {
    const key = canonicalPeerAddress(address);
    const rt = key ? this.peers.get(key) : undefined;
    if (!rt) throw new ConfigError(`no peer ${address}`);
    return rt;
  }

  private accept(socket: BgpSocket): void {
    const key = socket.remoteAddress ? canonicalPeerAddress(socket.remoteAddress) : undefined;
    let rt = key ? this.peers.get(key) : undefined;
    if (!rt && key) rt = this.dynamicPeer(key);
    if (!rt) {
      this.log(undefined, `connection from unknown peer ${socket.remoteAddress} refused`);
      socket.destroy();
      return;
    }
    rt.session.incoming(socket);
  }

  private dynamicPeer(key: string): PeerRuntime | undefined {
    const ip = parseIP(key);
    if (!ip) return undefined;
    for (const r of this.listenRanges) {
      if (r.family !== ip.family) continue;
      const shift = BigInt((r.family === 4 ? 32 : 128) - r.len);
      if (ip.value >> shift !== r.addr >> shift) continue;
      const count = [...this.peers.values()].filter((p) => p.dynamic).length;
      if (count >= r.limit) return undefined;
      const n = normalizePeer({ ...r.template, address: key, passive: true }, this.transport);
      const rt = this.createPeer(n, true);
      return rt;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- policies

  /** GoBGP-style global policies (used for every peer without its own). */
  setGlobalPolicy(p: { import?: PolicyAssignment | undefined; export?: PolicyAssignment | undefined }): void {
    const importChanged = 'import' in p && p.import !== this.globalImport;
    const exportChanged = 'export' in p && p.export !== this.globalExport;
    if ('import' in p) this.globalImport = p.import;
    if ('export' in p) this.globalExport = p.export;
    for (const rt of this.peers.values()) {
      if (importChanged && !rt.cfg.importPolicy) this.softResetIn(rt.cfg.key);
      if (exportChanged && !rt.cfg.exportPolicy) this.softResetOut(rt.cfg.key);
    }
  }

  setPeerPolicy(address: string, p: { import?: PolicyAssignment | undefined; export?: PolicyAssignment | undefined }): void {
    const rt = this.runtime(address);
    if ('import' in p) {
      if (p.import) rt.cfg.importPolicy = p.import;
      else delete rt.cfg.importPolicy;
      this.softResetIn(rt.cfg.key);
    }
    if ('export' in p) {
      if (p.export) rt.cfg.exportPolicy = p.export;
      else delete rt.cfg.exportPolicy;
      this.softResetOut(rt.cfg.key);
    }
  }

  private importPolicy(rt: PeerRuntime): PolicyAssignment | undefined {
    return rt.cfg.importPolicy ?? this.globalImport;
  }

  private exportPolicy(rt: PeerRuntime): PolicyAssignment | undefined {
    return rt.cfg.exportPolicy ?? this.globalExport;
  }

  /** RFC 8212: true when an eBGP session has no policy in that direction. */
  policyMissing(rt: PeerRuntime, dir: 'import' | 'export'): boolean {
    if (!this.ebgpRequiresPolicy || !rt.session.negotiated?.ebgp) return false;
    return (dir === 'import' ? this.importPolicy(rt) : this.exportPolicy(rt)) === undefined;
  }

  /** Re-evaluates everything advertised to the peer(s) against current policy. */
  softResetOut(address?: string): void {
    for (const rt of this.selectPeers(address)) {
      if (rt.adj.size > 0) rt.target = this.exportTarget(rt);
      for (const a of rt.adj.values()) {
        a.resetCache();
        a.enqueueAll();
      }
    }
    this.schedule();
  }

  /**
   * Re-applies import policy to what the peer(s) sent. Adj-RIB-In keeps every received path
   * before policy, so no ROUTE-REFRESH is needed (`requestRefresh` asks the peer anyway).
   */
  softResetIn(address?: string): void {
    for (const rt of this.selectPeers(address)) {
      for (const [f, t] of Object.entries(this.tables) as [FamilyKey, RibTable][]) {
        t.forEachPath((p) => {
          const attrIn = t.pAttrIn[p]!;
          const d = t.pDest[p]!;
          const next = this.importAttr(rt, f, t, d, attrIn);
          if (next === t.pAttr[p]) {
            if (next >= 0) this.store.release(next);
            return;
          }
          this.store.ref(attrIn);
          const reach = next >= 0 ? this.reachFlag(f, next) : 0;
          t.setPath(d, rt.source, t.pId[p]!, attrIn, next, t.pTime[p]!, (t.pFlags[p]! & PathFlag.STALE) | reach);
        }, rt.source);
      }
    }
    this.schedule();
  }

  /** Sends ROUTE-REFRESH (RFC 2918) for every negotiated family the peer can refresh. */
  requestRefresh(address: string): boolean {
    const rt = this.runtime(address);
    const neg = rt.session.negotiated;
    if (!neg || !neg.routeRefresh) return false;
    for (const f of neg.families) rt.session.sendRefresh(encodeRouteRefresh({ afi: f === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6, safi: 1, subtype: 0 }));
    return true;
  }

  private selectPeers(address?: string): PeerRuntime[] {
    if (address === undefined) return [...this.peers.values()];
    return [this.runtime(address)];
  }

  // ---------------------------------------------------------------- origination

  /**
   * Originates (or replaces) a local path for `prefix`. An invalid one is kept but never
   * selected or advertised (FRR's `network` without a matching route under import-check).
   */
  originate(prefix: string, a: OriginateAttrs = {}, valid = true): void {
    const c = parseCIDR(prefix);
    if (!c) throw new ConfigError(`${JSON.stringify(prefix)} is not a prefix`);
    const family: FamilyKey = c.family === 4 ? 'ipv4-unicast' : 'ipv6-unicast';
    const attrs = emptyAttrs();
    attrs.origin = a.origin === 'egp' ? 1 : a.origin === 'incomplete' ? 2 : 0;
    if (a.asPath && a.asPath.length > 0) attrs.asPath = [{ type: 2, asns: [...a.asPath] }];
    if (a.med !== undefined) attrs.med = a.med;
    if (a.localPref !== undefined) attrs.localPref = a.localPref;
    if (a.communities && a.communities.length > 0) attrs.communities = [...new Set(a.communities)].sort((x, y) => x - y);
    if (a.largeCommunities && a.largeCommunities.length > 0) attrs.largeCommunities = [...a.largeCommunities];
    if (c.family === 4) {
      const nh = a.nextHop !== undefined ? parseIPv4Number(a.nextHop) : 0;
      if (nh < 0) throw new ConfigError(`next hop ${JSON.stringify(a.nextHop)} is not an IPv4 address`);
      attrs.nextHop = nh;
    } else {
      const nh = a.nextHop !== undefined ? parseIP(a.nextHop) : undefined;
      if (a.nextHop !== undefined && nh?.family !== 6) throw new ConfigError(`next hop ${JSON.stringify(a.nextHop)} is not an IPv6 address`);
      attrs.nextHop6 = nh ? ipv6Bytes(nh.value) : EMPTY6;
    }
    const t = this.tables[family];
    const d = c.family === 4 ? t.ensure4(Number(c.addr), c.prefixLen) : t.ensure6(c.addr, c.prefixLen);
    const id = this.store.acquire(attrs);
    this.store.ref(id);
    t.setPath(d, 0, 0, id, id, Math.floor(this.clock.now() / 1000), valid ? 0 : PathFlag.UNUSABLE);
    this.localPrefixes.set(`${family}|${prefix}`, { family, d });
    this.schedule();
  }

  /** Withdraws a locally originated prefix; returns whether there was one. */
  withdraw(prefix: string): boolean {
    const c = parseCIDR(prefix);
    if (!c) throw new ConfigError(`${JSON.stringify(prefix)} is not a prefix`);
    const family: FamilyKey = c.family === 4 ? 'ipv4-unicast' : 'ipv6-unicast';
    const t = this.tables[family];
    const d = c.family === 4 ? t.find4(Number(c.addr), c.prefixLen) : t.find6(c.addr, c.prefixLen);
    this.localPrefixes.delete(`${family}|${prefix}`);
    if (d < 0 || !t.removePath(d, 0, 0)) return false;
    this.schedule();
    return true;
  }

  // ---------------------------------------------------------------- session callbacks

  established(s: Session): void {
    const rt = this.bySession.get(s);
    const neg = s.negotiated;
    if (!rt || !neg) return;
    const src = this.sources[rt.source]!;
    src.kind = neg.ebgp ? SourceKind.EBGP : SourceKind.IBGP;
    src.routerId = neg.peerId;
    src.peerAs = neg.peerAs;
    rt.decode = {
      as4: neg.as4,
      ebgp: neg.ebgp,
      firstAs: neg.ebgp ? neg.peerAs : 0,
      addPath4: neg.addPathRx.has('ipv4-unicast'),
      addPath6: neg.addPathRx.has('ipv6-unicast'),
    };
    rt.eorReceived.clear();
    rt.maxPrefixHit = false;
    this.resumeAfterRestart(rt, neg);
    const maxLen = neg.extendedMessage ? MAX_EXTENDED_MESSAGE_LEN : MAX_MESSAGE_LEN;
    rt.target = this.exportTarget(rt);
    for (const f of neg.families) {
      const a = new AdjOut(f, this.tables[f], this.store, maxLen, neg.as4);
      rt.adj.set(f, a);
      a.enqueueAll();
      rt.eorDue.add(f);
    }
    this.schedule();
  }

  down(s: Session, why: DownReason): void {
    const rt = this.bySession.get(s);
    if (!rt) return;
    const neg = s.negotiated;
    for (const a of rt.adj.values()) a.dispose();
    rt.adj.clear();
    rt.target = undefined;
    rt.eorDue.clear();
    rt.eorrDue.clear();
    const peerGr = neg?.caps.gracefulRestart;
    const helper = (rt.cfg.gracefulRestart?.enabled ?? true) && peerGr !== undefined && peerGr.restartTime > 0;
    if (why.graceful && helper && neg && peerGr) {
      // RFC 4724 §4.2: keep the peer's routes, marked stale, for its restart time
      const families = new Set<FamilyKey>(neg.families.filter((f) => peerGr.forwarding.has(f)));
      for (const f of families) this.tables[f].flagSource(rt.source, PathFlag.STALE, true);
      for (const f of neg.families) if (!families.has(f)) this.tables[f].removeWhere(rt.source);
      this.clearStale(rt);
      rt.stale = {
        families,
        timer: this.clock.setTimeout(() => this.sweepStale(rt, 'restart timer expired'), peerGr.restartTime * 1000),
      };
      this.log(s, `${rt.cfg.key}: graceful restart, keeping routes stale for ${peerGr.restartTime}s`);
    } else {
      this.clearStale(rt);
      for (const t of Object.values(this.tables)) t.removeWhere(rt.source);
    }
    if (rt.dynamic) {
      this.dropPeer(rt);
      return;
    }
    this.schedule();
  }

  /** Decides what happens to routes kept stale across a peer's restart (RFC 4724 §4.2). */
  private resumeAfterRestart(rt: PeerRuntime, neg: Negotiated): void {
    const st = rt.stale;
    if (!st) return;
    const gr = neg.caps.gracefulRestart;
    for (const f of [...st.families]) {
      const keep = gr !== undefined && gr.forwarding.get(f) === true && neg.families.includes(f);
      if (keep) continue;
      this.tables[f].removeWhere(rt.source, (p) => (this.tables[f].pFlags[p]! & PathFlag.STALE) !== 0);
      st.families.delete(f);
    }
    st.timer?.cancel();
    if (st.families.size === 0) {
      rt.stale = undefined;
      return;
    }
    st.timer = this.clock.setTimeout(() => this.sweepStale(rt, 'stale path timer expired'), this.gr.stalePathTime * 1000);
  }

  private sweepStale(rt: PeerRuntime, why: string, only?: FamilyKey): void {
    const st = rt.stale;
    if (!st) return;
    for (const f of [...st.families]) {
      if (only && f !== only) continue;
      const t = this.tables[f];
      const n = t.removeWhere(rt.source, (p) => (t.pFlags[p]! & PathFlag.STALE) !== 0);
      if (n > 0) this.log(rt.session, `${rt.cfg.key}: ${why}, removed ${n} stale ${f} paths`);
      st.families.delete(f);
    }
    if (st.families.size === 0) {
      st.timer?.cancel();
      rt.stale = undefined;
    }
    this.schedule();
  }

  private clearStale(rt: PeerRuntime): void {
    rt.stale?.timer?.cancel();
    rt.stale = undefined;
  }

  private exportTarget(rt: PeerRuntime): ExportTarget {
    const s = rt.session;
    const neg = s.negotiated;
    const local = s.connection?.localAddress ? canonicalPeerAddress(s.connection.localAddress) : undefined;
    const lip = local ? parseIP(local) : undefined;
    let self4 = this.routerId;
    if (rt.cfg.localAddress && parseIP(rt.cfg.localAddress)?.family === 4) self4 = parseIPv4Number(rt.cfg.localAddress);
    else if (lip?.family === 4) self4 = Number(lip.value);
    let self6: Uint8Array;
    if (rt.cfg.nextHop6) self6 = ipv6Bytes(parseIP(rt.cfg.nextHop6)!.value);
    else if (lip?.family === 6) self6 = ipv6Bytes(lip.value);
    else {
      self6 = new Uint8Array(16);
      self6.set(MAPPED_PREFIX);
      self6[12] = self4 >>> 24;
      self6[13] = (self4 >>> 16) & 0xff;
      self6[14] = (self4 >>> 8) & 0xff;
      self6[15] = self4 & 0xff;
    }
    const policy = this.exportPolicy(rt);
    const shared = this.options.sharedNetwork;
    const peerKey = rt.cfg.key;
    const peer4 = rt.cfg.family === 4 ? Number(rt.cfg.addrValue) : -1;
    const target: ExportTarget = {
      source: rt.source,
      ebgp: neg?.ebgp ?? true,
      localAs: this.asn,
      selfNextHop4: self4,
      selfNextHop6: self6,
      nextHopSelf: rt.cfg.nextHopSelf,
      policy: isAcceptAll(policy) ? undefined : policy,
      blocked: this.policyMissing(rt, 'export'),
      sendBack: rt.cfg.sendBack,
      peerFamily: rt.cfg.family,
      peerAddr: rt.cfg.addrValue,
      defaultLocalPref: this.decision.defaultLocalPref,
    };
    if (shared) target.thirdParty = (nh) => nh !== peer4 && shared(peerKey, formatIP({ family: 4, value: BigInt(nh) }));
    return target;
  }

  refresh(s: Session, rr: { afi: number; safi: number; subtype: number }): void {
    const rt = this.bySession.get(s);
    const f = familyKey(rr.afi, rr.safi);
    if (!rt || !f || !s.negotiated?.families.includes(f)) return;
    const t = this.tables[f];
    if (rr.subtype === RefreshSubtype.BORR) {
      // RFC 7313 §4: everything from the peer is stale until its EoRR
      t.flagSource(rt.source, PathFlag.STALE, true);
      return;
    }
    if (rr.subtype === RefreshSubtype.EORR) {
      t.removeWhere(rt.source, (p) => (t.pFlags[p]! & PathFlag.STALE) !== 0 && !rt.stale?.families.has(f));
      this.schedule();
      return;
    }
    const a = rt.adj.get(f);
    if (!a) return;
    if (s.negotiated.enhancedRouteRefresh) {
      s.sendRefresh(encodeRouteRefresh({ afi: rr.afi, safi: rr.safi, subtype: RefreshSubtype.BORR }));
      rt.eorrDue.add(f);
    }
    a.forgetAdvertised();
    a.enqueueAll();
    this.schedule();
  }

  drain(s: Session): void {
    const rt = this.bySession.get(s);
    if (rt) this.flushPeer(rt);
  }

  // ---------------------------------------------------------------- receiving

  update(s: Session, buf: Buffer, start: number, end: number): void {
    const rt = this.bySession.get(s);
    const neg = s.negotiated;
    if (!rt || !neg) return;
    // one view reused for every UPDATE: decoding and applying one finishes before the next
    const v = decodeUpdate(buf, start, end, rt.decode, this.view);
    if (v.endOfRib) {
      this.endOfRib(rt, v.endOfRib);
      return;
    }
    const now = Math.floor(s.rxTime / 1000);
    if (v.treatAsWithdraw) this.log(s, `${rt.cfg.key}: UPDATE treated as withdraw (RFC 7606): ${v.treatAsWithdraw}`);
    for (const why of v.discarded) this.log(s, `${rt.cfg.key}: attribute discarded (RFC 7606): ${why}`);
    const has4 = neg.families.includes('ipv4-unicast');
    const t4 = this.tables['ipv4-unicast'];
    if (has4 && v.withdrawnEnd > v.withdrawnStart) this.withdraw4(rt, t4, buf, v.withdrawnStart, v.withdrawnEnd);
    if (v.mpUnreach?.family && neg.families.includes(v.mpUnreach.family)) {
      const u = v.mpUnreach;
      if (u.family === 'ipv4-unicast') this.withdraw4(rt, t4, buf, u.nlriStart, u.nlriEnd);
      else this.withdraw6(rt, buf, u.nlriStart, u.nlriEnd);
    }
    if (has4 && v.nlriEnd > v.nlriStart) {
      if (v.treatAsWithdraw || !v.attrs) this.withdraw4(rt, t4, buf, v.nlriStart, v.nlriEnd);
      else {
        // the attribute bytes name the set, unless MP attributes (which carry NLRI) sit among them
        const raw = !v.mpReach && !v.mpUnreach && v.discarded.length === 0;
        this.announce4(rt, v, v.attrs, v.nlriStart, v.nlriEnd, now, raw);
      }
    }
    const r = v.mpReach;
    if (r?.family && neg.families.includes(r.family) && r.nlriEnd > r.nlriStart) {
      if (v.treatAsWithdraw || !v.attrs) {
        if (r.family === 'ipv4-unicast') this.withdraw4(rt, t4, buf, r.nlriStart, r.nlriEnd);
        else this.withdraw6(rt, buf, r.nlriStart, r.nlriEnd);
      } else if (r.family === 'ipv4-unicast') {
        const attrs: PathAttrs = { ...v.attrs, nextHop: ((r.nextHop[0]! << 24) | (r.nextHop[1]! << 16) | (r.nextHop[2]! << 8) | r.nextHop[3]!) >>> 0 };
        this.announce4(rt, v, attrs, r.nlriStart, r.nlriEnd, now);
      } else {
        this.announce6(rt, v, r.nextHop, r.nlriStart, r.nlriEnd, now);
      }
    }
    this.checkMaxPrefix(rt);
    // a burst of input is read in one go; deciding and sending every so often lets the
    // receivers work while the rest is still being read
    if (this.tables['ipv4-unicast'].pendingDecisions + this.tables['ipv6-unicast'].pendingDecisions >= INLINE_RUN) this.run();
    else this.schedule();
  }

  private withdraw4(rt: PeerRuntime, t: RibTable, buf: Buffer, s: number, e: number): void {
    const src = rt.source;
    forEachNlri4(buf, s, e, rt.decode.addPath4, (addr, len, id) => {
      const d = t.find4(addr, len);
      if (d >= 0) t.removePath(d, src, id);
    });
  }

  private withdraw6(rt: PeerRuntime, buf: Buffer, s: number, e: number): void {
    const t = this.tables['ipv6-unicast'];
    forEachNlri6(buf, s, e, rt.decode.addPath6, (addr, len, id) => {
      const d = t.find6(addr, len);
      if (d >= 0) t.removePath(d, rt.source, id);
    });
  }

  /** Why the whole attribute set is unusable regardless of prefix (loop, martian next hop), or ''. */
  private ineligible(rt: PeerRuntime, a: PathAttrs, family: FamilyKey): string {
    if (rt.cfg.allowAsIn === 0 ? asPathContains(a.asPath, this.asn) : countAs(a.asPath, this.asn) > rt.cfg.allowAsIn) return 'AS path loop';
    if (this.options.allowMartianNexthop) return '';
    if (family === 'ipv4-unicast') {
      const nh = a.nextHop;
      const top = nh >>> 24;
      if (top === 0 || top === 127 || top >= 224) return `martian next hop ${nh >>> 24}.${(nh >>> 16) & 255}.${(nh >>> 8) & 255}.${nh & 255}`;
    } else if (a.nextHop6) {
      const b = a.nextHop6;
      if (b[0] === 0xff || b.subarray(0, 16).every((x) => x === 0)) return 'martian IPv6 next hop';
    }
    return '';
  }

  private announce4(rt: PeerRuntime, v: UpdateView, attrs: PathAttrs, s: number, e: number, now: number, raw = false): void {
    const t = this.tables['ipv4-unicast'];
    const buf = v.buf as Buffer;
    const inId = raw
      ? this.store.acquireRaw((rt.decode.as4 ? 2 : 0) | (rt.decode.ebgp ? 1 : 0), buf, v.withdrawnEnd + 2, v.nlriStart, attrs)
      : this.store.acquire(attrs);
    const post = this.importUniform(rt, 'ipv4-unicast', attrs, inId);
    if (post !== undefined) {
      t.addNlri4(buf, s, e, rt.decode.addPath4, rt.source, inId, post, now, post >= 0 ? this.reachFlag('ipv4-unicast', post) : 0);
    } else {
      this.announceWithPolicy(inId, rt, t, 'ipv4-unicast', attrs, now, (fn) =>
        forEachNlri4(buf, s, e, rt.decode.addPath4, (addr, len, id) => fn(t.ensure4(addr, len), BigInt(addr), len, id)),
      );
    }
    this.store.release(inId);
  }

  private announce6(rt: PeerRuntime, v: UpdateView, nextHop: Uint8Array, s: number, e: number, now: number): void {
    const t = this.tables['ipv6-unicast'];
    const attrs: PathAttrs = { ...v.attrs!, nextHop: -1, nextHop6: nextHop };
    const inId = this.store.acquire(attrs);
    const post = this.importUniform(rt, 'ipv6-unicast', attrs, inId);
    const each = (fn: (d: number, addr: bigint, len: number, id: number) => void) =>
      forEachNlri6(v.buf, s, e, rt.decode.addPath6, (addr, len, id) => fn(t.ensure6(addr, len), addr, len, id));
    if (post !== undefined) {
      const flags = post >= 0 ? this.reachFlag('ipv6-unicast', post) : 0;
      each((d, _addr, _len, id) => {
        this.store.ref(inId);
        if (post >= 0) this.store.ref(post);
        t.setPath(d, rt.source, id, inId, post, now, flags);
      });
    } else {
      this.announceWithPolicy(inId, rt, t, 'ipv6-unicast', attrs, now, each);
    }
    this.store.release(inId);
  }

  /**
   * When import treats every prefix of the UPDATE alike, the post-policy set id for all of them
   * (-1 = all rejected); undefined when the policy has to look at each prefix.
   */
  private importUniform(rt: PeerRuntime, family: FamilyKey, attrs: PathAttrs, inId: number): number | undefined {
    const why = this.ineligible(rt, attrs, family);
    if (why) {
      if (why !== 'AS path loop') this.log(rt.session, `${rt.cfg.key}: ${why}, paths not used`);
      return -1;
    }
    if (this.policyMissing(rt, 'import')) return -1;
    return isAcceptAll(this.importPolicy(rt)) ? inId : undefined;
  }

  /** Import policy per prefix: one evaluation each, one post-policy set per distinct outcome. */
  private announceWithPolicy(
    inId: number,
    rt: PeerRuntime,
    t: RibTable,
    family: FamilyKey,
    attrs: PathAttrs,
    now: number,
    each: (fn: (d: number, addr: bigint, len: number, id: number) => void) => void,
  ): void {
    const store = this.store;
    const policy = this.importPolicy(rt);
    const results = new Map<string, number>();
    const view = { family, addr: 0n, len: 0, peerFamily: rt.cfg.family, peerAddr: rt.cfg.addrValue, attrs };
    each((d, addr, len, id) => {
      view.addr = addr;
      view.len = len;
      const r = evaluate(policy, view);
      let post = -1;
      if (r.accept) {
        const known = results.get(r.key);
        if (known !== undefined) post = known;
        else {
          post = r.key === '' ? inId : store.acquire(applyActions(attrs, r.applied, { selfNextHop4: 0, selfNextHop6: undefined }));
          if (r.key === '') store.ref(inId);
          results.set(r.key, post);
        }
        store.ref(post);
      }
      store.ref(inId);
      t.setPath(d, rt.source, id, inId, post, now, post >= 0 ? this.reachFlag(family, post) : 0);
    });
    for (const id of results.values()) store.release(id);
  }

  /** PathFlag.UNUSABLE when the next hop of set `id` is not reachable (nextHopValid), else 0. */
  private reachFlag(f: FamilyKey, id: number): number {
    const check = this.options.nextHopValid;
    if (!check) return 0;
    return check(f, nextHopText(f, this.store.get(id).attrs)) ? 0 : PathFlag.UNUSABLE;
  }

  /** Re-applies nextHopValid to every received path (call when interfaces or routes change). */
  revalidateNextHops(): void {
    for (const [f, t] of Object.entries(this.tables) as [FamilyKey, RibTable][]) {
      const memo = new Map<number, number>();
      t.forEachPath((p) => {
        if (t.pSrc[p] === 0) return;
        const attr = t.pAttr[p]!;
        if (attr < 0) return;
        let flag = memo.get(attr);
        if (flag === undefined) memo.set(attr, (flag = this.reachFlag(f, attr)));
        const old = t.pFlags[p]!;
        const next = (old & ~PathFlag.UNUSABLE) | flag;
        if (next === old) return;
        t.pFlags[p] = next;
        t.markDirty(t.pDest[p]!);
      });
    }
    this.schedule();
  }

  /** Marks a locally originated prefix usable or not (FRR's network import-check). */
  setLocalValid(prefix: string, valid: boolean): void {
    const c = parseCIDR(prefix);
    if (!c) throw new ConfigError(`${JSON.stringify(prefix)} is not a prefix`);
    const t = this.tables[c.family === 4 ? 'ipv4-unicast' : 'ipv6-unicast'];
    const d = c.family === 4 ? t.find4(Number(c.addr), c.prefixLen) : t.find6(c.addr, c.prefixLen);
    const p = d >= 0 ? t.findPath(d, 0, 0) : -1;
    if (p < 0) return;
    const old = t.pFlags[p]!;
    const next = valid ? old & ~PathFlag.UNUSABLE : old | PathFlag.UNUSABLE;
    if (next === old) return;
    t.pFlags[p] = next;
    t.markDirty(d);
    this.schedule();
  }

  /** The post-policy attribute set for one received path, with a reference taken (-1 = rejected). */
  private importAttr(rt: PeerRuntime, f: FamilyKey, t: RibTable, d: number, attrIn: number): number {
    const set = this.store.get(attrIn);
    if (this.ineligible(rt, set.attrs, f) !== '' || this.policyMissing(rt, 'import')) return -1;
    const policy = this.importPolicy(rt);
    if (isAcceptAll(policy)) {
      this.store.ref(attrIn);
      return attrIn;
    }
    const addr = t.family === 4 ? BigInt(t.dAddr[d]!) : t.dAddr6[d]!;
    const r = evaluate(policy, { family: f, addr, len: t.dLen[d]!, peerFamily: rt.cfg.family, peerAddr: rt.cfg.addrValue, attrs: set.attrs });
    if (!r.accept) return -1;
    if (r.key === '') {
      this.store.ref(attrIn);
      return attrIn;
    }
    return this.store.acquire(applyActions(set.attrs, r.applied, { selfNextHop4: 0, selfNextHop6: undefined }));
  }

  private endOfRib(rt: PeerRuntime, f: FamilyKey): void {
    rt.eorReceived.add(f);
    for (const fn of this.eorFns) fn(rt.cfg.key, f);
    this.log(rt.session, `rcvd End-of-RIB for ${f === 'ipv4-unicast' ? 'IPv4 Unicast' : 'IPv6 Unicast'} from ${rt.cfg.key}`);
    if (rt.stale?.families.has(f)) this.sweepStale(rt, 'End-of-RIB received', f);
  }

  private checkMaxPrefix(rt: PeerRuntime): void {
    const limits = rt.cfg.maxPrefixes;
    if (limits === undefined || rt.maxPrefixHit) return;
    for (const f of rt.session.negotiated?.families ?? []) {
      const max = typeof limits === 'number' ? limits : limits[f];
      if (max === undefined) continue;
      const n = this.tables[f].srcAccepted[rt.source] ?? 0;
      if (n <= max) continue;
      rt.maxPrefixHit = true;
      // RFC 4486 §4: AFI, SAFI and the configured upper bound
      const data = Uint8Array.of(0, f === 'ipv4-unicast' ? 1 : 2, 1, max >>> 24, (max >>> 16) & 0xff, (max >>> 8) & 0xff, max & 0xff);
      this.log(rt.session, `${rt.cfg.key}: maximum-prefix limit ${max} exceeded for ${f} (${n})`);
      throw new BgpError(ErrCode.CEASE, CeaseSub.MAX_PREFIXES, data, `Maximum Number of Prefixes Reached (${n} > ${max})`);
    }
  }

  // ---------------------------------------------------------------- processing and sending

  /** Runs decisions and output at the end of this turn of the event loop. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** Runs pending decisions and output now (the lab can call it to settle synchronously). */
  run(): void {
    this.scheduled = false;
    for (const [f, t] of Object.entries(this.tables) as [FamilyKey, RibTable][]) {
      if (t.pendingDecisions === 0) continue;
      const notify = this.installFns.length > 0 || this.bestFns.length > 0;
      const outs: AdjOut[] = [];
      for (const rt of this.peers.values()) {
        const a = rt.adj.get(f);
        if (a) outs.push(a);
      }
      t.process((d, bestChanged, fibChanged) => {
        if (bestChanged) for (let i = 0; i < outs.length; i++) outs[i]!.enqueue(d);
        if (notify) this.notify(f, t, d, bestChanged, fibChanged);
      });
    }
    for (const rt of this.peers.values()) this.flushPeer(rt);
    for (const [f, t] of Object.entries(this.tables) as [FamilyKey, RibTable][]) {
      t.collect((d) => {
        for (const rt of this.peers.values()) {
          const a = rt.adj.get(f);
          if (a && d < a.out.length && a.out[d] !== 0) return true;
        }
        return false;
      });
    }
  }

  private notify(f: FamilyKey, t: RibTable, d: number, bestChanged: boolean, fibChanged: boolean): void {
    const prefix = prefixText(t, d);
    if (bestChanged) for (const fn of this.bestFns) fn(f, prefix);
    if (!fibChanged || this.installFns.length === 0) return;
    const nextHops = t.installed(d).map((p) => {
      const a = this.store.get(t.pAttr[p]!).attrs;
      const src = t.pSrc[p]!;
      return { address: nextHopText(f, a), peer: src === 0 ? 'local' : this.peerKeyOfSource(src) };
    });
    for (const fn of this.installFns) fn({ family: f, prefix, nextHops });
  }

  peerKeyOfSource(src: number): string {
    for (const rt of this.peers.values()) if (rt.source === src) return rt.cfg.key;
    return '';
  }

  private flushPeer(rt: PeerRuntime): void {
    const s = rt.session;
    const neg = s.negotiated;
    if (!s.isEstablished || !neg) return;
    const maxLen = neg.extendedMessage ? MAX_EXTENDED_MESSAGE_LEN : MAX_MESSAGE_LEN;
    for (const [f, a] of rt.adj) {
      const target = rt.target;
      if (!target) continue;
      const t = this.tables[f];
      const w = new UpdateWriter(maxLen);
      while (a.pending > 0 && s.writable) {
        const batch = a.take(1 << 16);
        const withdrawn: number[] = [];
        const groups = new Map<number, number[]>();
        const oversize = a.oversize;
        for (const d of batch) {
          const next = a.decide(target, d);
          const cur = a.out[d]!;
          if (next === cur) {
            if (next !== 0) this.store.release(next - 1);
            continue;
          }
          if (cur !== 0) this.store.release(cur - 1);
          else a.count++;
          a.out[d] = next;
          if (next === 0) {
            a.count--;
            withdrawn.push(d);
          } else {
            let g = groups.get(next);
            if (!g) groups.set(next, (g = []));
            g.push(d);
          }
        }
        if (a.oversize > oversize) this.log(s, `${rt.cfg.key}: ${a.oversize - oversize} attribute sets too large for one UPDATE, not advertised`);
        if (f === 'ipv4-unicast') {
          if (withdrawn.length > 0) w.withdraw4(t, withdrawn, withdrawn.length);
          for (const [id, list] of groups) w.announce4(this.store.wire(id - 1, neg.as4), t, list, list.length);
        } else {
          if (withdrawn.length > 0) w.withdraw6(t, withdrawn, withdrawn.length);
          for (const [id, list] of groups) {
            const set = this.store.get(id - 1);
            w.announce6(this.store.wire(id - 1, neg.as4), set.attrs.nextHop6 ?? EMPTY6, t, list, list.length);
          }
        }
        this.send(rt, w);
      }
      if (a.pending === 0 && s.writable) {
        if (rt.eorDue.delete(f)) w.endOfRib(f);
        this.send(rt, w);
        if (rt.eorrDue.delete(f)) s.sendRefresh(encodeRouteRefresh({ afi: f === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6, safi: 1, subtype: RefreshSubtype.EORR }));
      }
    }
  }

  private send(rt: PeerRuntime, w: UpdateWriter): void {
    const messages = w.messages;
    w.messages = 0;
    const chunks = w.take();
    if (chunks.length === 0) return;
    const s = rt.session;
    s.batch(() => {
      for (let i = 0; i < chunks.length; i++) s.send(chunks[i]!, i === 0 ? messages : 0);
    });
  }

  // ---------------------------------------------------------------- reading state

  peerKeys(): string[] {
    return [...this.peers.keys()];
  }

  /** Live runtime of a peer for the read-side views (status.ts); undefined when unknown. */
  peerRuntime(address: string): Readonly<PeerRuntimeView> | undefined {
    const key = canonicalPeerAddress(address);
    const rt = key ? this.peers.get(key) : undefined;
    if (!rt) return undefined;
    return {
      config: rt.cfg,
      session: rt.session,
      source: rt.source,
      adjOut: rt.adj,
      eorReceived: rt.eorReceived,
      stale: rt.stale !== undefined,
      dynamic: rt.dynamic,
      importPolicy: this.importPolicy(rt),
      exportPolicy: this.exportPolicy(rt),
      policyMissingIn: this.policyMissing(rt, 'import'),
      policyMissingOut: this.policyMissing(rt, 'export'),
    };
  }

  /** Policies in force, for `cilium-dbg bgp route-policies`-style listings. */
  policies(): {
    import: PolicyAssignment | undefined;
    export: PolicyAssignment | undefined;
    peers: { address: string; import: PolicyAssignment | undefined; export: PolicyAssignment | undefined }[];
  } {
    return {
      import: this.globalImport,
      export: this.globalExport,
      peers: [...this.peers.values()].map((rt) => ({ address: rt.cfg.key, import: rt.cfg.importPolicy, export: rt.cfg.exportPolicy })),
    };
  }

  /** Locally originated prefixes, as given to originate(). */
  localRoutes(): string[] {
    return [...this.localPrefixes.keys()].map((k) => k.slice(k.indexOf('|') + 1));
  }
}

export interface PeerRuntimeView {
  config: NormalizedPeer;
  session: Session;
  source: number;
  adjOut: Map<FamilyKey, AdjOut>;
  eorReceived: Set<FamilyKey>;
  stale: boolean;
  dynamic: boolean;
  importPolicy: PolicyAssignment | undefined;
  exportPolicy: PolicyAssignment | undefined;
  policyMissingIn: boolean;
  policyMissingOut: boolean;
}

function countAs(path: PathAttrs['asPath'], asn: number): number {
  let n = 0;
  for (const s of path) for (const a of s.asns) if (a === asn) n++;
  return n;
}

export function prefixText(t: RibTable, d: number): string {
  if (t.family === 4) {
    const a = t.dAddr[d]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${t.dLen[d]}`;
  }
  return `${formatV6(t.dAddr6[d]!)}/${t.dLen[d]}`;
}

export function nextHopText(f: FamilyKey, a: PathAttrs): string {
  if (f === 'ipv4-unicast') {
    const n = a.nextHop < 0 ? 0 : a.nextHop;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return formatV6(a.nextHop6 ? ipv6FromBytes(a.nextHop6) : 0n);
}

function formatV6(v: bigint): string {
  // IPv4-mapped addresses keep their dotted tail
  return ipText(6, v);
}

function ipText(family: 4 | 6, v: bigint): string {
  return formatIP({ family, value: v });
}
