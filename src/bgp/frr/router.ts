// An FRR 8.4 router personality: built from frr.conf text, it runs the speaker with FRR's
// defaults (traditional profile), plays zebra (installs selected routes with their ECMP next
// hops, resolved to interfaces, as `proto bgp metric 20`) and answers vtysh show commands.

import { parseCIDR } from '../../netaddr/cidr.ts';
import { canonicalIP, parseIP } from '../../netaddr/ip.ts';
import type { PeerConfig } from '../peer-config.ts';
import type { PolicyAssignment, Statement } from '../policy/types.ts';
import { type OriginateAttrs, Speaker } from '../speaker.ts';
import type { BgpClock } from '../timer.ts';
import type { Transport } from '../transport.ts';
import { locRib } from '../views.ts';
import type { FamilyKey } from '../wire/constants.ts';
import { type FrrBgp, type FrrConfig, FrrConfigError, type FrrNeighbor, effectiveNeighbor, parseFrrConfig } from './config.ts';
import { routeMapPolicy } from './route-map.ts';
import { showRunning } from './running.ts';
import { type BgpShowContext, showNeighborRoutes, showNeighbors, showPrefix, showSummary, showSummaryJson, showTable, showTableJson } from './show-bgp.ts';
import { type RouteInstallEvent, ZebraRib, showRoutes, showRoutesJson } from './zebra.ts';

/** The host as zebra sees it: connected networks and its routing table. */
export interface HostView {
  /** Interface through which `addr` is directly reachable, or undefined. */
  interfaceFor(addr: string): string | undefined;
  /** Whether the routing table holds `prefix` exactly (`network` import-check). */
  hasRoute(prefix: string): boolean;
  /** Interface index for json output (defaults to position order). */
  ifindex?(dev: string): number;
  /** zebra's router-id: used when the configuration has no `bgp router-id`. */
  routerId?(): string | undefined;
  /** The kernel's forwarding switches (default: IPv4 on, IPv6 off, as on the seed's router). */
  forwarding?(): { ipv4: boolean; ipv6: boolean };
}

export interface FrrRouterOptions {
  /** frr.conf text. */
  config: string;
  /** Name used in error messages. */
  file?: string;
  clock: BgpClock;
  transport: Transport;
  /** The host; without one every next hop and network counts as valid (like bgpd -Z). */
  host?: HostView;
  /** Where bgpd listens (-l / -p); default every address (::, dual stack), port 179; port 0 = do not listen. */
  listen?: { address: string; port: number };
  /** Hostname when the configuration has none. */
  hostname?: string;
}

export interface JournalLine {
  time: number;
  daemon: 'bgpd';
  message: string;
}

// FRR traditional defaults (bgpd/bgp_vty.c, FRR_CFG_DEFAULT_*)
const DEFAULT_KEEPALIVE = 60;
const DEFAULT_HOLD = 180;
const DEFAULT_CONNECT_RETRY = 120;
const DEFAULT_MAX_PATHS = 64;

export class FrrRouter {
  private cfg: FrrConfig;
  private configText: string;
  private readonly file: string | undefined;
  readonly speaker: Speaker | undefined;
  readonly hostname: string;
  readonly zebra = new ZebraRib();
  private readonly clock: BgpClock;
  private readonly host: HostView | undefined;
  private installFns: ((e: RouteInstallEvent) => void)[] = [];
  private journalFns: ((l: JournalLine) => void)[] = [];

  constructor(opts: FrrRouterOptions) {
    this.cfg = parseFrrConfig(opts.config, opts.file);
    this.configText = opts.config;
    this.file = opts.file;
    this.clock = opts.clock;
    this.host = opts.host;
    this.hostname = this.config.hostname ?? opts.hostname ?? 'frr';
    const bgp = this.config.bgp;
    if (!bgp) {
      this.speaker = undefined;
      return;
    }
    const routerId = bgp.routerId ?? opts.host?.routerId?.();
    if (!routerId) throw new FrrConfigError([{ line: bgp.line, message: 'router bgp: no router-id (set bgp router-id)' }], opts.file);
    const host = opts.host;
    const listen = opts.listen ?? { address: '::', port: 179 }; // bgpd listens on every address of both families
    this.speaker = new Speaker({
      asn: bgp.asn,
      routerId,
      clock: opts.clock,
      transport: opts.transport,
      listen,
      hostname: this.hostname,
      ebgpRequiresPolicy: false, // applied per family below, as FRR does
      allowMartianNexthop: bgp.allowMartianNexthop,
      decision: {
        defaultLocalPref: bgp.defaultLocalPref ?? 100,
        alwaysCompareMed: bgp.alwaysCompareMed,
        medMissingAsWorst: bgp.medMissingAsWorst,
        asPathIgnore: bgp.asPathIgnore,
        multipathRelax: bgp.multipathRelax,
        compareRouterId: bgp.compareRouterId,
      },
      decisionByFamily: {
        'ipv4-unicast': { maxPathsEbgp: bgp.af.ipv4.maxPathsEbgp ?? DEFAULT_MAX_PATHS, maxPathsIbgp: bgp.af.ipv4.maxPathsIbgp ?? DEFAULT_MAX_PATHS },
        'ipv6-unicast': { maxPathsEbgp: bgp.af.ipv6.maxPathsEbgp ?? DEFAULT_MAX_PATHS, maxPathsIbgp: bgp.af.ipv6.maxPathsIbgp ?? DEFAULT_MAX_PATHS },
      },
      gracefulRestart: {
        enabled: bgp.gracefulRestart,
        restartTime: bgp.restartTime ?? 120,
        stalePathTime: bgp.stalepathTime ?? 360,
        preserveForwarding: bgp.preserveFwState,
        restarting: false,
      },
      ...(host
        ? {
            nextHopValid: (_f: FamilyKey, nh: string) => host.interfaceFor(nh) !== undefined,
            sharedNetwork: (peer: string, nh: string) => {
              const dev = host.interfaceFor(nh);
              return dev !== undefined && dev === host.interfaceFor(peer);
            },
          }
        : {}),
    });
    const sp = this.speaker;
    for (const n of bgp.neighbors.values()) {
      if (n.isGroup) continue;
      sp.addPeer(this.peerConfig(bgp, effectiveNeighbor(bgp, n)));
    }
    for (const r of bgp.listenRanges) {
      const g = bgp.neighbors.get(r.group)!;
      const { address: _unused, ...template } = this.peerConfig(bgp, { ...g, name: '0.0.0.0', isGroup: false });
      sp.addListenRange(r.prefix, template, bgp.listenLimit ?? 100);
    }
    this.originateNetworks(bgp);
    if (host) sp.onInstall((e) => this.install(e.family, e.prefix));
    sp.onEndOfRib((peer, f) => {
      // bgpd logs this one at informational level (bgp_packet.c bgp_update_receive)
      this.journal(`[M59KS-A3ZXZ] bgp_update_receive: rcvd End-of-RIB for ${f === 'ipv4-unicast' ? 'IPv4' : 'IPv6'} Unicast from ${peer} in vrf default`);
    });
    if (bgp.logNeighborChanges) {
      sp.onPeerState((e) => {
        if (e.to === 'Established') this.journal(`[M7Q4P-46WDR] %ADJCHANGE: neighbor ${e.peer} in vrf default Up`);
        else if (e.from === 'Established') this.journal(`[ZH4HQ-Q9JBH] %ADJCHANGE: neighbor ${e.peer} in vrf default Down`);
      });
    }
  }

  /** The configuration in effect. */
  get config(): FrrConfig {
    return this.cfg;
  }

  private peerConfig(bgp: FrrBgp, n: FrrNeighbor): PeerConfig {
    const timers = n.timers ?? bgp.timers ?? { keepalive: DEFAULT_KEEPALIVE, hold: DEFAULT_HOLD };
    const families: FamilyKey[] = [];
    if (n.af.ipv4.activate || bgp.defaultIpv4Unicast) families.push('ipv4-unicast');
    if (n.af.ipv6.activate) families.push('ipv6-unicast');
    const ebgp = n.remoteAs === 'external' || (typeof n.remoteAs === 'number' && n.remoteAs !== bgp.asn);
    const c: PeerConfig = {
      address: n.name,
      asn: n.remoteAs ?? 0,
      port: n.port ?? 179,
      passive: n.passive ?? false,
      holdTime: timers.hold,
      connectRetry: n.connectRetry ?? DEFAULT_CONNECT_RETRY,
      idleHoldTime: 1,
      families: families.length > 0 ? families : ['ipv4-unicast'],
      addPathReceive: true,
      weight: n.weight ?? 0,
      shutdown: n.shutdown ?? false,
      // FRR 8.4 advertises a best path to its own sender too (seen in captures: PfxSnt counts it)
      sendBack: true,
    };
    if (timers.hold > 0 && timers.keepalive > 0) c.keepalive = Math.min(timers.keepalive, timers.hold);
    if (n.updateSource && parseIP(n.updateSource)) c.localAddress = n.updateSource;
    if (n.password) c.password = n.password;
    if (n.ebgpMultihop !== undefined && ebgp) c.ebgpMultihop = n.ebgpMultihop;
    if (n.description) c.description = n.description;
    const maxPrefixes: Partial<Record<FamilyKey, number>> = {};
    if (n.af.ipv4.maxPrefix !== undefined) maxPrefixes['ipv4-unicast'] = n.af.ipv4.maxPrefix;
    if (n.af.ipv6.maxPrefix !== undefined) maxPrefixes['ipv6-unicast'] = n.af.ipv6.maxPrefix;
    if (Object.keys(maxPrefixes).length > 0) c.maxPrefixes = maxPrefixes;
    if (n.af.ipv4.allowasIn !== undefined) c.allowAsIn = n.af.ipv4.allowasIn;
    if (n.af.ipv4.nextHopSelf) c.nextHopSelf = true;
    const imp = this.assignment(bgp, n, 'in', ebgp);
    const exp = this.assignment(bgp, n, 'out', ebgp);
    if (imp) c.importPolicy = imp;
    if (exp) c.exportPolicy = exp;
    return c;
  }

  /**
   * Per-family route-maps folded into one assignment; with `bgp ebgp-requires-policy`, an eBGP
   * family without a route-map gets a reject (RFC 8212), shown as "(Policy)".
   */
  private assignment(bgp: FrrBgp, n: FrrNeighbor, dir: 'in' | 'out', ebgp: boolean): PolicyAssignment | undefined {
    const statements: Statement[] = [];
    let any = false;
    for (const [afi, f] of [
      ['ipv4', 'ipv4-unicast'],
      ['ipv6', 'ipv6-unicast'],
    ] as const) {
      const name = dir === 'in' ? n.af[afi].routeMapIn : n.af[afi].routeMapOut;
      if (name) {
        any = true;
        const pol = routeMapPolicy(this.config, name, f);
        for (const s of pol.statements) statements.push({ ...s, conditions: { ...s.conditions, family: f } });
        // route-map's implicit deny, for this family only
        statements.push({ name: `${name} implicit deny`, conditions: { family: f }, actions: { disposition: 'reject' } });
      } else if (bgp.ebgpRequiresPolicy && ebgp) {
        any = true;
        statements.push({ name: `RFC 8212 ${f}`, conditions: { family: f }, actions: { disposition: 'reject' } });
      }
    }
    if (!any) return undefined;
    return { policies: [{ name: `${n.name} ${dir}`, statements }], defaultAction: 'accept' };
  }

  /** `network` statements, valid when zebra has the route (import-check) or there is no zebra. */
  private originateNetworks(bgp: FrrBgp, previous?: FrrBgp): void {
    const sp = this.speaker!;
    for (const afi of ['ipv4', 'ipv6'] as const) {
      for (const net of bgp.af[afi].networks) {
        const was = previous?.af[afi].networks.find((n) => n.prefix === net.prefix);
        if (was && was.routeMap === net.routeMap) continue;
        const attrs: OriginateAttrs = { origin: 'igp', med: 0 };
        if (net.routeMap) {
          for (const e of this.config.routeMaps.get(net.routeMap) ?? []) {
            if (!e.permit) continue;
            if (e.setLocalPref !== undefined) attrs.localPref = e.setLocalPref;
            if (e.setMetric !== undefined) attrs.med = e.setMetric;
            if (e.setCommunity && !e.setCommunity.none) attrs.communities = e.setCommunity.values;
            if (e.setLargeCommunity) attrs.largeCommunities = e.setLargeCommunity.values;
            break;
          }
        }
        sp.originate(net.prefix, attrs, this.networkValid(bgp, net.prefix));
      }
    }
  }

  private networkValid(bgp: FrrBgp, prefix: string): boolean {
    if (!bgp.networkImportCheck || !this.host) return true;
    return this.host.hasRoute(prefix);
  }

  // ---------------------------------------------------------------- lifecycle and events

  async start(): Promise<void> {
    await this.speaker?.start();
  }

  stop(): void {
    this.speaker?.stop();
  }

  /** zebra's side of a change: the kernel route to install, replace or remove. */
  onInstall(fn: (e: RouteInstallEvent) => void): void {
    this.installFns.push(fn);
  }

  /** bgpd log lines ("[M59KS-A3ZXZ] bgp_update_receive: rcvd End-of-RIB ..."). */
  onJournal(fn: (l: JournalLine) => void): void {
    this.journalFns.push(fn);
  }

  private journal(message: string): void {
    const l: JournalLine = { time: this.clock.now(), daemon: 'bgpd', message };
    for (const fn of this.journalFns) fn(l);
  }

  /** The host's interfaces or routes changed: recheck next hops and `network` statements. */
  revalidate(): void {
    const sp = this.speaker;
    const bgp = this.config.bgp;
    if (!sp || !bgp) return;
    sp.revalidateNextHops();
    for (const afi of ['ipv4', 'ipv6'] as const) for (const net of bgp.af[afi].networks) sp.setLocalValid(net.prefix, this.networkValid(bgp, net.prefix));
    if (this.host) for (const f of ['ipv4-unicast', 'ipv6-unicast'] as const) for (const r of locRib(sp, f)) this.install(f, r.prefix);
  }

  private install(f: FamilyKey, prefix: string): void {
    const sp = this.speaker!;
    const r = locRib(sp, f, prefix)[0];
    const chosen = r?.paths.filter((p) => p.best || p.multipath) ?? [];
    const best = chosen.find((p) => p.best);
    const family = f === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
    // zebra gets no routes for this router's own networks (they came from zebra)
    const nexthops =
      best && best.kind !== 'local'
        ? chosen.flatMap((p) => {
            const dev = this.host!.interfaceFor(p.nextHop);
            return dev ? [{ via: p.nextHop, dev }] : [];
          })
        : [];
    const distance = best?.kind === 'ibgp' ? 200 : 20;
    const ev = this.zebra.apply(family, prefix, nexthops, distance, best && best.attrs.med >= 0 ? best.attrs.med : 0, this.clock.now());
    if (ev) for (const fn of this.installFns) fn(ev);
  }

  // ---------------------------------------------------------------- vtysh

  private showContext(): BgpShowContext {
    const sp = this.speaker!;
    const bgp = this.config.bgp!;
    const configured = [...bgp.neighbors.values()].filter((n) => !n.isGroup);
    return {
      speaker: sp,
      hostname: this.hostname,
      now: () => this.clock.now(),
      neighbors: () => configured.map((n) => n.name),
      peerGroupOf: (a) => {
        const n = bgp.neighbors.get(a);
        if (n) return n.peerGroup;
        return sp.peerRuntime(a)?.dynamic ? bgp.listenRanges.find((r) => inPrefix(a, r.prefix))?.group : undefined;
      },
      peerGroupCount: () => [...bgp.neighbors.values()].filter((n) => n.isGroup).length,
      activated: (a) => sp.peerRuntime(a)?.config.families ?? [],
      policyBlocked: (a, f, dir) => {
        const n = bgp.neighbors.get(a);
        if (!n || !bgp.ebgpRequiresPolicy) return false;
        const e = effectiveNeighbor(bgp, n);
        const afi = f === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
        const ebgp = sp.peerRuntime(a)?.session.negotiated?.ebgp ?? e.remoteAs !== 'internal';
        return ebgp && !(dir === 'in' ? e.af[afi].routeMapIn : e.af[afi].routeMapOut);
      },
      multipathRelax: bgp.multipathRelax,
      configuredTimers: (a) => {
        const n = bgp.neighbors.get(a);
        const e = n ? effectiveNeighbor(bgp, n) : undefined;
        const t = e?.timers ?? bgp.timers ?? { keepalive: DEFAULT_KEEPALIVE, hold: DEFAULT_HOLD };
        return { hold: t.hold, keepalive: t.keepalive, connectRetry: e?.connectRetry ?? DEFAULT_CONNECT_RETRY };
      },
      gracefulRestart: { enabled: bgp.gracefulRestart, restartTime: bgp.restartTime ?? 120, stalePathTime: bgp.stalepathTime ?? 360 },
    };
  }

  /**
   * Runs several commands as `vtysh -c A -c B ...` does: `configure terminal` switches to
   * configuration mode, whose lines are applied when the batch ends or at `end`.
   */
  vtyshBatch(commands: string[]): string {
    let out = '';
    let config: string[] | undefined;
    const apply = () => {
      if (config && config.length > 0) out += this.configure(config);
      config = undefined;
    };
    for (const c of commands) {
      const w = c.trim().split(/\s+/);
      if (config === undefined && w.length === 2 && 'configure'.startsWith(w[0]!) && w[0]!.length >= 4 && 'terminal'.startsWith(w[1]!)) {
        config = [];
        continue;
      }
      if (config !== undefined) {
        if (w[0] === 'end') apply();
        else config.push(c);
        continue;
      }
      out += this.vtysh(c);
    }
    apply();
    return out;
  }

  /** Applies configuration lines (as typed in `configure terminal`) on top of the running configuration. */
  configure(lines: string[]): string {
    const text = `${this.configText}\n${lines.join('\n')}\n`;
    let next: FrrConfig;
    try {
      next = parseFrrConfig(text, this.file);
    } catch (e) {
      if (e instanceof FrrConfigError) return `${e.issues.map((i) => `% ${i.message}`).join('\n')}\n`;
      throw e;
    }
    const problem = this.applyConfig(next);
    if (problem) return `% ${problem}\n`;
    this.configText = text;
    return '';
  }

  /** Moves the running router to `next`: networks and neighbors follow; returns why not, if it cannot. */
  private applyConfig(next: FrrConfig): string | undefined {
    const ob = this.cfg.bgp;
    const nb = next.bgp;
    const sp = this.speaker;
    if (!ob || !nb || !sp) return 'adding or removing router bgp needs a restart';
    if (ob.asn !== nb.asn) return `BGP is already running; AS is ${ob.asn}`;
    if (ob.routerId !== nb.routerId) return 'changing the router-id needs a restart';
    const sameRanges = JSON.stringify(ob.listenRanges) === JSON.stringify(nb.listenRanges);
    if (!sameRanges) return 'changing bgp listen ranges needs a restart';
    const old = this.cfg;
    this.cfg = next;
    for (const afi of ['ipv4', 'ipv6'] as const) {
      const before = new Map(ob.af[afi].networks.map((n) => [n.prefix, n.routeMap]));
      const after = new Map(nb.af[afi].networks.map((n) => [n.prefix, n.routeMap]));
      for (const p of before.keys()) if (!after.has(p)) sp.withdraw(p);
    }
    this.originateNetworks(nb, ob);
    const peers = (cfg: FrrConfig) => {
      const m = new Map<string, PeerConfig>();
      for (const n of cfg.bgp!.neighbors.values()) if (!n.isGroup) m.set(n.name, this.peerConfigFrom(cfg, n));
      return m;
    };
    this.cfg = old;
    const oldPeers = peers(old);
    this.cfg = next;
    const newPeers = peers(next);
    for (const a of oldPeers.keys()) if (!newPeers.has(a)) sp.removePeer(a);
    for (const [a, c] of newPeers) {
      const was = oldPeers.get(a);
      if (!was) sp.addPeer(c);
      else if (stableJson(was) !== stableJson(c)) sp.updatePeer(c);
    }
    return undefined;
  }

  private peerConfigFrom(cfg: FrrConfig, n: FrrNeighbor): PeerConfig {
    return this.peerConfig(cfg.bgp!, effectiveNeighbor(cfg.bgp!, n));
  }

  /** Runs one vtysh command and returns what vtysh prints. */
  vtysh(command: string): string {
    const words = command.trim().split(/\s+/).filter((w) => w !== '');
    const m = matchCommand(words);
    if (m.kind === 'error') return `${m.message}\n`;
    try {
      return this.run(m.cmd, m.args);
    } catch (e) {
      return `% ${(e as Error).message}\n`;
    }
  }

  private run(cmd: string, a: Record<string, string>): string {
    const json = a.json !== undefined;
    if (cmd === 'running') return showRunning(this.config, this.hostname, this.host?.forwarding?.() ?? { ipv4: true, ipv6: false });
    if (cmd.startsWith('route')) {
      if (!this.host) return 'zebra is not running\n'; // standalone: bgpd without zebra, as bgpd -Z
      const family = cmd === 'route6' ? 'ipv6' : 'ipv4';
      const ifindex = (dev: string) => this.host?.ifindex?.(dev) ?? 0;
      return json ? showRoutesJson(this.zebra, family, this.clock.now(), ifindex) : showRoutes(this.zebra, family, this.clock.now());
    }
    if (!this.speaker) return json ? '{}\n' : '% BGP instance not found\n';
    const ctx = this.showContext();
    const f: FamilyKey = a.afi === 'ipv6' ? 'ipv6-unicast' : 'ipv4-unicast';
    switch (cmd) {
      case 'table':
        return json ? showTableJson(ctx, f) : showTable(ctx, f);
      case 'summary': {
        const families: FamilyKey[] = a.afi === undefined ? ['ipv4-unicast', 'ipv6-unicast'] : [f];
        return json ? showSummaryJson(ctx, families) : showSummary(ctx, families, a.afi !== undefined);
      }
      case 'prefix':
        return showPrefix(ctx, f, a.prefix!, json);
      case 'neighbors':
        return showNeighbors(ctx, a.peer === undefined ? undefined : canonicalIP(a.peer), json);
      case 'neighbor-routes': {
        const peer = canonicalIP(a.peer!)!;
        return showNeighborRoutes(ctx, peer, f, a.which as 'advertised' | 'routes' | 'received');
      }
      case 'clear':
        return this.clear(a);
      default:
        return `% Unknown command: ${cmd}\n`;
    }
  }

  private clear(a: Record<string, string>): string {
    const sp = this.speaker!;
    const targets = a.peer === '*' ? sp.peerKeys() : [canonicalIP(a.peer!)!];
    for (const t of targets) {
      if (!sp.peerRuntime(t)) return `% BGP: Unknown neighbor - "${a.peer}"\n`;
    }
    for (const t of targets) {
      if (a.soft === undefined) {
        sp.resetPeer(t);
        continue;
      }
      const dir = a.dir;
      if (dir === undefined || dir === 'out') sp.softResetOut(t);
      if (dir === undefined || dir === 'in') {
        // FRR asks the peer for a ROUTE-REFRESH when it can, else re-reads its Adj-RIB-In
        if (!sp.requestRefresh(t)) sp.softResetIn(t);
      }
    }
    return '';
  }
}

/** JSON with bigints (prefix ranges) spelled out, for comparing configurations. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

function inPrefix(addr: string, prefix: string): boolean {
  const c = parseCIDR(prefix);
  const ip = parseIP(addr);
  if (!c || !ip || c.family !== ip.family) return false;
  const shift = BigInt((c.family === 4 ? 32 : 128) - c.prefixLen);
  return ip.value >> shift === c.addr >> shift;
}

// ---------------------------------------------------------------- command matching

type Token = string; // a keyword, or <name:kind>, or [json] handled separately

interface CommandDef {
  cmd: string;
  words: Token[];
  fixed?: Record<string, string>;
}

const IP4 = /^\d+\.\d+\.\d+\.\d+$/;
const PFX4 = /^\d+\.\d+\.\d+\.\d+\/\d+$/;

function argMatches(kind: string, w: string): boolean {
  switch (kind) {
    case 'addr4':
      return IP4.test(w) || PFX4.test(w);
    case 'addr6':
      return w.includes(':') && (parseIP(w.split('/')[0]!) !== undefined);
    case 'peer':
      return parseIP(w) !== undefined;
    case 'peerOrAll':
      return w === '*' || parseIP(w) !== undefined;
    default:
      return false;
  }
}

const V4 = [['ip', 'bgp'], ['bgp'], ['bgp', 'ipv4'], ['bgp', 'ipv4', 'unicast']];
const V6 = [['bgp', 'ipv6'], ['bgp', 'ipv6', 'unicast']];

function defs(): CommandDef[] {
  const out: CommandDef[] = [{ cmd: 'running', words: ['show', 'running-config'] }];
  for (const [pre, afi] of [...V4.map((p) => [p, 'ipv4'] as const), ...V6.map((p) => [p, 'ipv6'] as const)]) {
    const base = ['show', ...pre];
    const fx = { afi };
    out.push({ cmd: 'table', words: base, fixed: fx });
    out.push({ cmd: 'summary', words: [...base, 'summary'], fixed: pre.length === 1 ? {} : fx });
    out.push({ cmd: 'prefix', words: [...base, afi === 'ipv4' ? '<prefix:addr4>' : '<prefix:addr6>'], fixed: fx });
    out.push({ cmd: 'neighbors', words: [...base, 'neighbors'], fixed: fx });
    out.push({ cmd: 'neighbors', words: [...base, 'neighbors', '<peer:peer>'], fixed: fx });
    for (const which of ['advertised-routes', 'routes', 'received-routes']) {
      out.push({ cmd: 'neighbor-routes', words: [...base, 'neighbors', '<peer:peer>', which], fixed: { ...fx, which: which.replace('-routes', '') } });
    }
  }
  out.push({ cmd: 'route4', words: ['show', 'ip', 'route', 'bgp'] });
  out.push({ cmd: 'route6', words: ['show', 'ipv6', 'route', 'bgp'] });
  for (const pre of [['clear', 'ip', 'bgp'], ['clear', 'bgp']]) {
    out.push({ cmd: 'clear', words: [...pre, '<peer:peerOrAll>'] });
    out.push({ cmd: 'clear', words: [...pre, '<peer:peerOrAll>', 'soft'], fixed: { soft: '' } });
    out.push({ cmd: 'clear', words: [...pre, '<peer:peerOrAll>', 'soft', 'in'], fixed: { soft: '', dir: 'in' } });
    out.push({ cmd: 'clear', words: [...pre, '<peer:peerOrAll>', 'soft', 'out'], fixed: { soft: '', dir: 'out' } });
  }
  return out;
}

const DEFS = defs();
const JSON_CMDS = new Set(['table', 'summary', 'prefix', 'neighbors', 'route4', 'route6']);

type Match = { kind: 'ok'; cmd: string; args: Record<string, string> } | { kind: 'error'; message: string };

/**
 * vtysh's matching: keywords may be abbreviated to a unique prefix ("sh ip bgp su"), `json` may
 * end the show commands that have it.
 */
export function matchCommand(input: string[]): Match {
  const line = input.join(' ');
  let words = input;
  let json = false;
  if (words.length > 1 && words[words.length - 1] === 'json') {
    json = true;
    words = words.slice(0, -1);
  }
  let cands = DEFS.filter((d) => d.words.length >= words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const kwHits = new Set<string>();
    const next = cands.filter((d) => {
      const t = d.words[i]!;
      if (t.startsWith('<')) return argMatches(t.slice(t.indexOf(':') + 1, -1), w);
      if (t === w) return true;
      if (t.startsWith(w)) {
        kwHits.add(t);
        return true;
      }
      return false;
    });
    const exact = next.filter((d) => d.words[i] === w);
    if (exact.length > 0) cands = next.filter((d) => d.words[i] === w || d.words[i]!.startsWith('<'));
    else if (kwHits.size > 1) return { kind: 'error', message: `% Ambiguous command: ${line}` };
    else cands = next;
    if (cands.length === 0) return { kind: 'error', message: `% Unknown command: ${line}` };
  }
  const full = cands.filter((d) => d.words.length === words.length);
  if (full.length === 0) return { kind: 'error', message: `% Command incomplete: ${line}` };
  const d = full.find((x) => !x.words.some((t, i) => t.startsWith('<') && !argMatches(t.slice(t.indexOf(':') + 1, -1), words[i]!))) ?? full[0]!;
  if (json && !JSON_CMDS.has(d.cmd)) return { kind: 'error', message: `% Unknown command: ${line}` };
  const args: Record<string, string> = { ...d.fixed };
  d.words.forEach((t, i) => {
    if (t.startsWith('<')) args[t.slice(1, t.indexOf(':'))] = words[i]!;
  });
  if (json) args.json = '';
  return { kind: 'ok', cmd: d.cmd, args };
}

