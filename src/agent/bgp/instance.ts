// One BGP instance of a node (Cilium's BGPInstance with its GoBGP server): a Speaker that only
// connects out unless a listen port is configured, imports nothing, originates the paths the
// reconcilers want and exports each to the peers Cilium's route policies allow.

import type { BgpClock } from '../../bgp/timer.ts';
import type { PeerConfig } from '../../bgp/peer-config.ts';
import { Speaker } from '../../bgp/speaker.ts';
import type { Transport } from '../../bgp/transport.ts';
import { ALLOW_LOCAL, type CompiledExport, REJECT_LEARNT, type RoutePolicy, compileExport } from './policy.ts';
import type { DesiredInstance, DesiredPeer, Problem } from './desired.ts';
import type { OwnerRoutes } from './reconcilers/adverts.ts';

export interface InstanceDeps {
  clock: BgpClock;
  transport: Transport;
  /** Sent in the FQDN capability, as GoBGP sends the host name. */
  hostname: string;
  log: (line: string) => void;
  /** A peer's session changed state. */
  onPeerState: (peer: string, from: string, to: string) => void;
}

interface RunningPeer {
  desired: DesiredPeer;
  /** The speaker's configuration of it, minus the export policy. */
  config: PeerConfig;
}

/** Cilium's identity of a peer: a change of name, address or ASN replaces it (others update it). */
const peerIdentity = (p: DesiredPeer) => `${p.name}|${p.address}|${p.asn}`;

export class BGPInstance {
  readonly speaker: Speaker;
  private readonly peers = new Map<string, RunningPeer>();
  private readonly owners = new Map<string, OwnerRoutes>();
  private readonly pathRefs = new Map<string, number>();
  private readonly originated = { 4: new Set<string>(), 6: new Set<string>() };
  /** Export policies by peer name, then policy name. */
  private readonly policies = new Map<string, Map<string, RoutePolicy>>();
  private readonly compiled = new Map<string, CompiledExport>();
  private readonly dirty = new Set<string>();
  private started = false;

  constructor(
    readonly config: DesiredInstance,
    deps: InstanceDeps,
  ) {
    this.speaker = new Speaker({
      asn: config.asn,
      routerId: config.routerId,
      clock: deps.clock,
      transport: deps.transport,
      // Cilium 1.18: no localPort, no listener; the agent only initiates
      listen: config.listenPort > 0 ? { address: '0.0.0.0', port: config.listenPort } : undefined,
      hostname: deps.hostname,
      // GoBGP does not apply RFC 8212; Cilium's default-reject export policy does the filtering
      ebgpRequiresPolicy: false,
      gracefulRestart: { enabled: false, restarting: true, preserveForwarding: true },
    });
    this.speaker.setGlobalPolicy({ import: REJECT_LEARNT });
    this.speaker.onPeerState((e) => deps.onPeerState(e.peer, e.from, e.to));
    this.speaker.onLog((e) => deps.log(`bgp instance ${config.name}: ${e.peer ? `peer ${e.peer}: ` : ''}${e.message}`));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.speaker.start();
  }

  stop(): void {
    this.started = false;
    this.speaker.stop('BGP instance stopped');
  }

  /** Whether `next` can be applied in place (same ASN, router ID and listen port). */
  compatible(next: DesiredInstance): boolean {
    return next.asn === this.config.asn && next.routerId === this.config.routerId && next.listenPort === this.config.listenPort;
  }

  runningPeers(): DesiredPeer[] {
    return [...this.peers.values()].map((p) => p.desired);
  }

  peerByName(name: string): DesiredPeer | undefined {
    return this.peers.get(name)?.desired;
  }

  /** Converges the speaker's peers to `desired`; a peer the speaker refuses is reported and left out. */
  reconcilePeers(desired: readonly DesiredPeer[], keep: ReadonlySet<string>): Problem[] {
    const problems: Problem[] = [];
    const want = new Map(desired.map((p) => [p.name, p]));
    for (const [name, run] of [...this.peers]) {
      const next = want.get(name);
      if (next && peerIdentity(next) === peerIdentity(run.desired)) continue;
      // peers whose new configuration is invalid keep running as they are
      if (!next && keep.has(name)) continue;
      this.speaker.removePeer(run.desired.address);
      this.peers.delete(name);
      this.policies.delete(name);
      this.compiled.delete(run.desired.address);
    }
    for (const p of desired) {
      const config = speakerPeer(p, this.config.asn);
      const run = this.peers.get(p.name);
      try {
        if (!run) {
          this.speaker.addPeer({ ...config, exportPolicy: this.compile(p).assignment });
          this.peers.set(p.name, { desired: p, config });
        } else if (JSON.stringify(run.config) !== JSON.stringify(config)) {
          // timers, families, multihop, password...: the speaker resets the session when the OPEN changes
          this.speaker.updatePeer({ ...config, exportPolicy: this.compiled.get(p.address)?.assignment ?? this.compile(p).assignment });
          run.desired = p;
          run.config = config;
        } else run.desired = p;
      } catch (err) {
        problems.push({ instance: this.config.name, peer: p.name, message: `peer ${p.name}: ${(err as Error).message}`, condition: true });
      }
    }
    return problems;
  }

  /** Replaces what the object `key` (`podcidr`, `svc/<ns>/<name>`, `pool/<name>`) advertises. */
  setOwner(key: string, routes: OwnerRoutes | undefined): void {
    const prev = this.owners.get(key);
    if (routes && (routes.prefixes.length > 0 || routes.policies.length > 0)) this.owners.set(key, routes);
    else this.owners.delete(key);
    const before = new Set(prev?.prefixes ?? []);
    const after = new Set(routes?.prefixes ?? []);
    for (const p of after) if (!before.has(p)) this.ref(p, 1);
    for (const p of before) if (!after.has(p)) this.ref(p, -1);
    const oldPolicies = prev?.policies ?? [];
    const newPolicies = routes?.policies ?? [];
    for (const { peer, policy } of oldPolicies) {
      const m = this.policies.get(peer);
      if (m?.get(policy.name) === policy && !newPolicies.some((n) => n.policy.name === policy.name && n.peer === peer)) {
        m.delete(policy.name);
        this.markPeer(peer);
      }
    }
    for (const { peer, policy } of newPolicies) {
      let m = this.policies.get(peer);
      if (!m) this.policies.set(peer, (m = new Map()));
      const cur = m.get(policy.name);
      if (cur && JSON.stringify(cur) === JSON.stringify(policy)) continue;
      m.set(policy.name, policy);
      this.markPeer(peer);
    }
  }

  ownerKeys(): string[] {
    return [...this.owners.keys()];
  }

  private markPeer(peer: string): void {
    this.dirty.add(peer);
  }

  private ref(prefix: string, delta: 1 | -1): void {
    const n = (this.pathRefs.get(prefix) ?? 0) + delta;
    const set = prefix.includes(':') ? this.originated[6] : this.originated[4];
    if (n <= 0) {
      this.pathRefs.delete(prefix);
      set.delete(prefix);
      this.speaker.withdraw(prefix);
    } else {
      this.pathRefs.set(prefix, n);
      if (n === 1 && delta === 1) {
        set.add(prefix);
        this.speaker.originate(prefix, { origin: 'igp' });
      }
    }
    // the Loc-RIB changed: every peer's compiled export may take the shortcut or not
    for (const name of this.peers.keys()) this.dirty.add(name);
  }

  private compile(p: DesiredPeer): CompiledExport {
    const c = compileExport(p.address, [...(this.policies.get(p.name)?.values() ?? [])], this.originated);
    this.compiled.set(p.address, c);
    return c;
  }

  /** Applies policy changes of the peers touched since the last flush (one soft reset each at most). */
  flush(): void {
    for (const name of this.dirty) {
      const run = this.peers.get(name);
      if (!run) continue;
      const before = this.compiled.get(run.desired.address);
      const next = this.compile(run.desired);
      if (before && before.signature === next.signature) {
        this.compiled.set(run.desired.address, { ...next, assignment: before.assignment });
        continue;
      }
      this.speaker.setPeerPolicy(run.desired.address, { export: next.assignment });
    }
    this.dirty.clear();
  }

  /** Cilium's route policies of this instance, sorted by name (allow-local included). */
  routePolicies(): RoutePolicy[] {
    const all: RoutePolicy[] = [ALLOW_LOCAL];
    for (const m of this.policies.values()) all.push(...m.values());
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Prefixes exported to a peer per family (the basis of GoBGP's Advertised counter). */
  advertisedCount(address: string): { 4: number; 6: number } {
    return this.compiled.get(address)?.advertised ?? { 4: 0, 6: 0 };
  }
}

function speakerPeer(p: DesiredPeer, localAsn: number): PeerConfig {
  const c: PeerConfig = {
    address: p.address,
    asn: p.asn,
    port: p.port,
    passive: false,
    connectRetry: p.connectRetry,
    holdTime: p.holdTime,
    keepalive: p.keepalive,
    // pkg/bgpv1/gobgp: idle-hold-time-after-reset is fixed at 5 s
    idleHoldTime: 5,
    families: p.families.map((f) => f.key),
    gracefulRestart: p.gracefulRestart.enabled ? { enabled: true, restartTime: p.gracefulRestart.restartTime } : { enabled: false },
  };
  if (p.localAddress !== undefined) c.localAddress = p.localAddress;
  // multihop applies to eBGP only and is off at 1
  if (p.ebgpMultihop > 1 && p.asn !== localAsn) c.ebgpMultihop = p.ebgpMultihop;
  if (p.password !== undefined) c.password = p.password;
  return c;
}
