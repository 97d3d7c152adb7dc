// The L2 announcer of one node (pkg/l2announcer). It keeps the policies whose node selector
// matches the local CiliumNode, the services those policies select (a service needs an external
// or LoadBalancer IP of a kind the policy announces, and no foreign loadBalancerClass), and runs
// one leader election per selected service on the Lease `cilium-l2announce-<ns>-<name>`. While it
// holds a service's lease it puts (IP, interface) entries for every announced IP × every interface
// of every selecting policy into the `l2-announce` table, which the responder reconciler turns
// into ARP answers. Events are processed one at a time in arrival order, as Cilium's single loop
// does; policy events that fail are retried with client-go's per-item exponential backoff.
//
// Faithful quirks: a policy upsert selects services without looking at their loadBalancerClass
// (only service events check it); a policy that fails a check keeps its previous version in
// effect until it is fixed or deleted; deleting a policy recalculates only the services no policy
// selects any more (the others keep its entries until they next change); the status conditions
// are only created on a first error.

import type { Clock, TimerHandle } from '../../controller/clock.ts';
import { Informer } from '../../controller/informer.ts';
import type { Rng } from '../../controller/rng.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { type CiliumConfig, configBool } from '../../config/cilium.ts';
import { GK } from '../../k8s/kinds.ts';
import { formatTime } from '../../k8s/meta.ts';
import type { Condition } from '../../k8s/object.ts';
import { matches } from '../../k8s/selectors.ts';
import type { CiliumL2AnnouncementPolicy, CiliumNode, Service } from '../../k8s/types.ts';
import { formatIP, type IP } from '../../netaddr/ip.ts';
import type { ResourceStore } from '../../store/types.ts';
import { AnnouncerApiClient } from './api.ts';
import type { L2Datapath } from './datapath.ts';
import { LeaderElector, LeaseLock } from './leaderelection.ts';
import {
  CONDITION_BAD_NODE_SELECTOR,
  type CompiledSelector,
  type PolicyConditionType,
  announceableClass,
  evaluatePolicy,
  labelSelectorAsSelector,
  nodeSelectorMatches,
  policyServiceIPs,
  policyTakesService,
  serviceIPKinds,
  svcAndMetaLabels,
} from './policy.ts';
import { L2ResponderReconciler } from './responder.ts';
import { type L2AnnounceEntry, L2AnnounceTable, entryKey } from './table.ts';
import { type LeaseTimings, leaseTimings } from './timing.ts';

export const L2_ANNOUNCER = 'l2-announcer';
export const LEASE_PREFIX = 'cilium-l2announce';
const FIELD_MANAGER = 'cilium-agent-l2-announcer';
const LEASE_GC_INTERVAL_MS = 60_000;
/** client-go's ItemExponentialFailureRateLimiter as resource.Resource uses it: 5 ms doubling up to 1000 s. */
const RETRY_BASE_MS = 5;
const RETRY_MAX_MS = 1_000_000;

export interface L2AnnouncerOptions {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  nodeName: string;
  config: CiliumConfig;
  /** The node's datapath; without one the table is kept but nothing answers ARP. */
  datapath?: L2Datapath;
  /** Whether the API server can be reached (default: always). */
  apiReachable?: () => boolean;
  /** API write round trip in ms, uniform in [min, max] (default 1–5 ms). */
  apiLatencyMs?: readonly [number, number];
  /** The namespace leases live in (Cilium's own; default kube-system). */
  leaseNamespace?: string;
  log: (line: string) => void;
}

interface SelectedPolicy {
  policy: CiliumL2AnnouncementPolicy;
  serviceSelector: CompiledSelector;
  devices: string[];
}

/** A service this node campaigns for. */
class SelectedService {
  currentlyLeader = false;
  stopped = false;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(
    public svc: Service,
    public byPolicies: string[],
    readonly lock: LeaseLock,
  ) {}

  get key(): string {
    return serviceKey(this.svc);
  }

  /** serviceLeaderElection: RunOrDie again and again until stopped. */
  start(make: () => LeaderElector): void {
    const loop = async () => {
      while (!this.abort.signal.aborted) await make().run(this.abort.signal);
    };
    this.done = loop();
  }

  /** Cancels the election and waits for it to end (and release the lease if held). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.done;
    this.currentlyLeader = false;
  }
}

type AnnouncerEvent =
  | { kind: 'policy'; name: string }
  | { kind: 'service'; key: string }
  | { kind: 'local-node' }
  | { kind: 'leader'; ss: SelectedService; leading: boolean };

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
}

export function leaseName(namespace: string, name: string): string {
  return `${LEASE_PREFIX}-${namespace}-${name}`;
}

/** `level=warn msg="..." k=v`, logfmt quoting as Cilium's logger does. */
function logLine(level: string, msg: string, fields: Record<string, string> = {}): string {
  const q = (v: string) => (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));
  return [`level=${level}`, `msg=${JSON.stringify(msg)}`, ...Object.entries(fields).map(([k, v]) => `${k}=${q(v)}`), `module=agent.controlplane.${L2_ANNOUNCER}`].join(' ');
}

export class L2Announcer implements Runnable {
  readonly name = L2_ANNOUNCER;
  readonly table = new L2AnnounceTable();
  readonly enabled: boolean;
  private readonly api: AnnouncerApiClient;
  private readonly policies: Informer<CiliumL2AnnouncementPolicy>;
  private readonly services: Informer<Service>;
  private readonly nodes: Informer<CiliumNode>;
  private readonly responder: L2ResponderReconciler | undefined;
  private readonly leaseNamespace: string;
  private localNode: CiliumNode | undefined;
  private readonly selectedPolicies = new Map<string, SelectedPolicy>();
  private readonly selectedServices = new Map<string, SelectedService>();
  private readonly queue: AnnouncerEvent[] = [];
  private processing = false;
  private stopped = false;
  private gcTimer: TimerHandle | undefined;
  private readonly retries = new Map<string, { failures: number; timer: TimerHandle | undefined }>();
  /** Per policy: whether it was last seen selecting no node (logged on change). */
  private readonly selectsNoNode = new Map<string, boolean>();
  /** `policy|service|ip` already warned about as outside every network of its interfaces. */
  private readonly offNetwork = new Set<string>();

  constructor(private readonly o: L2AnnouncerOptions) {
    this.enabled = configBool(o.config, 'enable-l2-announcements');
    this.leaseNamespace = o.leaseNamespace ?? 'kube-system';
    const reachable = o.apiReachable ?? (() => true);
    this.api = new AnnouncerApiClient({ store: o.store, clock: o.clock, rng: o.rng, reachable, latencyMs: o.apiLatencyMs ?? [1, 5] });
    this.policies = new Informer(o.store, GK.CiliumL2AnnouncementPolicy);
    this.services = new Informer(o.store, GK.Service);
    this.nodes = new Informer(o.store, GK.CiliumNode);
    if (o.datapath) {
      const responder = new L2ResponderReconciler(this.table, o.datapath, (level, msg) => this.log(level, 'Error(s) while reconciling l2 responder map', { error: msg }));
      this.responder = responder;
      this.table.watch(() => {
        if (!this.stopped) responder.reconcile();
      });
    }
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, string> = {}): void {
    this.o.log(logLine(level, msg, fields));
  }

  async start(): Promise<void> {
    if (!this.enabled) {
      // the feature is off: leases from an earlier run are collected once, not on a timer
      void this.leaseGC();
      return;
    }
    // the initial full reconciliation: a restarted agent's map keeps what its predecessor wrote
    this.responder?.reconcile();
    await Promise.all([this.policies.start(), this.services.start(), this.nodes.start()]);
    this.policies.on({
      add: (p) => this.push({ kind: 'policy', name: p.metadata.name! }),
      update: (_o, p) => this.push({ kind: 'policy', name: p.metadata.name! }),
      delete: (p) => this.push({ kind: 'policy', name: p.metadata.name! }),
    });
    const svcEvent = (s: Service) => this.push({ kind: 'service', key: serviceKey(s) });
    this.services.on({ add: svcEvent, update: (_o, s) => svcEvent(s), delete: svcEvent });
    const nodeEvent = (n: CiliumNode) => {
      if (n.metadata.name === this.o.nodeName) this.push({ kind: 'local-node' });
    };
    this.nodes.on({ add: nodeEvent, update: (_o, n) => nodeEvent(n) });
    this.gcTimer = this.o.clock.setInterval(() => void this.leaseGC(), LEASE_GC_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    this.gcTimer?.cancel();
    for (const r of this.retries.values()) r.timer?.cancel();
    this.policies.stop();
    this.services.stop();
    this.nodes.stop();
    // cancelling the elections releases the leases this node holds (ReleaseOnCancel)
    for (const ss of this.selectedServices.values()) void ss.stop();
  }

  /**
   * Nothing queued, being processed or waiting for the API server. Retries of failed policies wait
   * on timers, and events wait for the local CiliumNode without making progress.
   */
  isIdle(): boolean {
    if (this.processing || this.api.busy) return false;
    return this.queue.length === 0 || (!this.localNode && !this.queue.some((e) => e.kind === 'local-node'));
  }

  /** The services this node campaigns for, with whether it currently leads each. */
  campaigns(): { service: string; leader: boolean }[] {
    return [...this.selectedServices.values()].map((ss) => ({ service: ss.key, leader: ss.currentlyLeader }));
  }

  // ---- the event loop ----------------------------------------------------------------------------

  private push(ev: AnnouncerEvent): void {
    if (this.stopped) return;
    this.queue.push(ev);
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      // nothing is processed before the local node is known (its labels select policies)
      while (this.queue.length > 0 && !this.stopped) {
        if (!this.localNode) {
          const idx = this.queue.findIndex((e) => e.kind === 'local-node');
          if (idx < 0) return;
          this.queue.splice(idx, 1);
          await this.processLocalNode();
          continue;
        }
        const ev = this.queue.shift()!;
        try {
          await this.process(ev);
        } catch (err) {
          this.log('warn', `Error processing ${ev.kind} event`, { error: (err as Error).message });
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private async process(ev: AnnouncerEvent): Promise<void> {
    switch (ev.kind) {
      case 'policy':
        return this.processPolicy(ev.name);
      case 'service': {
        const svc = this.services.get(ev.key);
        if (svc) await this.upsertSvc(svc);
        else await this.delSvc(ev.key);
        return;
      }
      case 'local-node':
        return this.processLocalNode();
      case 'leader':
        // a late event of an election that was stopped meanwhile changes nothing
        if (ev.ss.stopped) return;
        ev.ss.currentlyLeader = ev.leading;
        this.recalculate(ev.ss);
        return;
    }
  }

  /** A policy event: upsert or delete; a failed upsert is retried with backoff (resource.Resource). */
  private async processPolicy(name: string): Promise<void> {
    const policy = this.policies.get(name);
    const retry = this.retries.get(name);
    retry?.timer?.cancel();
    if (!policy) {
      this.retries.delete(name);
      this.selectsNoNode.delete(name);
      await this.delPolicy(name);
      return;
    }
    try {
      await this.upsertPolicy(policy);
      this.retries.delete(name);
    } catch (err) {
      const failures = (retry?.failures ?? 0) + 1;
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
      const timer = this.o.clock.setTimeout(() => this.push({ kind: 'policy', name }), delay);
      this.retries.set(name, { failures, timer });
      this.log('warn', 'Error processing policy event', { error: `upsert policy: ${(err as Error).message}`, policy: name });
    }
  }

  // ---- policies ----------------------------------------------------------------------------------

  private deviceNames(): string[] {
    return this.o.datapath?.devices().map((d) => d.name) ?? [];
  }

  private async upsertPolicy(policy: CiliumL2AnnouncementPolicy): Promise<void> {
    const key = policy.metadata.name!;
    // the new version may not select the same services any more
    for (const ss of this.selectedServices.values()) ss.byPolicies = ss.byPolicies.filter((p) => p !== key);
    this.noteNodeSelection(policy);
    const ev = evaluatePolicy(policy, this.localNode?.metadata.labels, this.deviceNames());
    const conditions = [...(policy.status?.conditions ?? [])];
    for (const check of ev.checks) await this.updatePolicyStatus(policy, conditions, check.type, check.error);
    if (ev.outcome === 'error') throw new Error(ev.error);
    if (ev.outcome === 'node-not-selected') {
      await this.delPolicy(key);
      return;
    }
    this.selectedPolicies.set(key, { policy, serviceSelector: ev.serviceSelector, devices: ev.devices });
    for (const svc of this.services.list()) {
      if (!matches(ev.serviceSelector, svcAndMetaLabels(svc))) continue;
      const kinds = serviceIPKinds(svc);
      if (!kinds.external && !kinds.loadBalancer) continue;
      if (!policyTakesService(policy, kinds)) continue;
      const ss = this.selectedServices.get(serviceKey(svc));
      if (ss) {
        if (!ss.byPolicies.includes(key)) ss.byPolicies.push(key);
        this.recalculate(ss);
        continue;
      }
      this.addSelectedService(svc, [key]);
    }
    await this.gcOrphanedServices();
  }

  /** Logs once when a policy's node selector stops (or starts) matching any node of the cluster. */
  private noteNodeSelection(policy: CiliumL2AnnouncementPolicy): void {
    const name = policy.metadata.name!;
    const none = !this.nodes.list().some((n) => nodeSelectorMatches(policy, n.metadata.labels));
    if (none && !this.selectsNoNode.get(name) && policy.spec?.nodeSelector && !('error' in labelSelectorAsSelector(policy.spec.nodeSelector))) {
      this.log('warn', 'L2 announcement policy selects no node; its services are not announced', { policy: name, reason: 'spec.nodeSelector matches no CiliumNode' });
    }
    this.selectsNoNode.set(name, none);
  }

  /**
   * updatePolicyStatus: a condition is created only for an error; an existing one is flipped to
   * False once fixed. Every write stamps lastTransitionTime (metav1.Now, second precision), reason
   * "error", the message, and replaces the whole status.
   */
  private async updatePolicyStatus(policy: CiliumL2AnnouncementPolicy, conditions: Condition[], type: PolicyConditionType, error: string | undefined): Promise<void> {
    let idx = conditions.findIndex((c) => c.type === type);
    if (idx < 0) {
      if (error === undefined) return;
      idx = conditions.push({ type, status: 'True', lastTransitionTime: '', reason: '', message: '' }) - 1;
    }
    conditions[idx] = {
      type,
      status: error === undefined ? 'False' : 'True',
      observedGeneration: policy.metadata.generation ?? 0,
      lastTransitionTime: formatTime(this.o.clock.now()),
      reason: 'error',
      message: error ?? '',
    };
    try {
      await this.api.patchPolicyStatus(policy.metadata.name!, { conditions: [...conditions] }, FIELD_MANAGER);
    } catch (err) {
      this.log('warn', 'updating policy status failed', { error: (err as Error).message, policy: policy.metadata.name! });
    }
  }

  private async delPolicy(key: string): Promise<void> {
    for (const ss of this.selectedServices.values()) ss.byPolicies = ss.byPolicies.filter((p) => p !== key);
    this.selectedPolicies.delete(key);
    await this.gcOrphanedServices();
  }

  private async processLocalNode(): Promise<void> {
    const node = this.nodes.getByName(undefined, this.o.nodeName);
    if (!node) return;
    const labels = node.metadata.labels ?? {};
    const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
    if (this.localNode && same(this.localNode.metadata.labels ?? {}, labels)) return;
    this.localNode = node;
    // policies no longer selecting this node go (their existing conditions are rewritten as cleared);
    // then every policy is upserted against the new labels
    for (const [key, sp] of [...this.selectedPolicies]) {
      await this.updatePolicyStatus(sp.policy, [...(sp.policy.status?.conditions ?? [])], CONDITION_BAD_NODE_SELECTOR, undefined);
      if (!nodeSelectorMatches(sp.policy, labels)) await this.delPolicy(key);
    }
    // upsertLocalNode drops these errors (errors.Join result unused); they are logged here
    for (const policy of this.policies.list()) {
      try {
        await this.upsertPolicy(policy);
      } catch (err) {
        this.log('warn', 'Error processing local node event', { error: `upsert policy: ${(err as Error).message}`, policy: policy.metadata.name! });
      }
    }
  }

  // ---- services ----------------------------------------------------------------------------------

  private matchingPolicies(svc: Service): string[] {
    const kinds = serviceIPKinds(svc);
    const labels = svcAndMetaLabels(svc);
    const out: string[] = [];
    for (const [key, sp] of this.selectedPolicies) if (matches(sp.serviceSelector, labels) && policyTakesService(sp.policy, kinds)) out.push(key);
    return out;
  }

  private async upsertSvc(svc: Service): Promise<void> {
    const key = serviceKey(svc);
    const kinds = serviceIPKinds(svc);
    if ((!kinds.external && !kinds.loadBalancer) || !announceableClass(svc)) {
      await this.delSvc(key);
      return;
    }
    const ss = this.selectedServices.get(key);
    if (ss) {
      // labels or IPs may have changed
      ss.svc = svc;
      ss.byPolicies = this.matchingPolicies(svc);
      if (ss.byPolicies.length === 0) await this.gcOrphanedService(ss);
      else this.recalculate(ss);
      return;
    }
    const matching = this.matchingPolicies(svc);
    if (matching.length > 0) this.addSelectedService(svc, matching);
  }

  private async delSvc(key: string): Promise<void> {
    const ss = this.selectedServices.get(key);
    if (!ss) return;
    ss.byPolicies = [];
    await this.gcOrphanedService(ss);
  }

  private timings(): LeaseTimings {
    return leaseTimings(this.o.config, (msg, fields) => this.log('warn', msg, fields));
  }

  private addSelectedService(svc: Service, byPolicies: string[]): void {
    const t = this.timings();
    const ns = svc.metadata.namespace ?? 'default';
    const lock = new LeaseLock(this.api, this.leaseNamespace, leaseName(ns, svc.metadata.name!), this.o.nodeName);
    const ss = new SelectedService(svc, byPolicies, lock);
    this.selectedServices.set(ss.key, ss);
    ss.start(
      () =>
        new LeaderElector({
          lock,
          leaseDurationMs: t.leaseDurationMs,
          renewDeadlineMs: t.renewDeadlineMs,
          retryPeriodMs: t.retryPeriodMs,
          releaseOnCancel: true,
          clock: this.o.clock,
          rng: this.o.rng,
          onStartedLeading: () => this.push({ kind: 'leader', ss, leading: true }),
          onStoppedLeading: () => this.push({ kind: 'leader', ss, leading: false }),
          log: (level, msg) => this.o.log(`level=${level} msg=${JSON.stringify(msg)} subsys=klog`),
        }),
    );
  }

  private async gcOrphanedServices(): Promise<void> {
    for (const ss of [...this.selectedServices.values()]) await this.gcOrphanedService(ss);
  }

  private async gcOrphanedService(ss: SelectedService): Promise<void> {
    if (ss.byPolicies.length > 0) return;
    this.selectedServices.delete(ss.key);
    await ss.stop();
    this.recalculate(ss);
  }

  // ---- the table ---------------------------------------------------------------------------------

  /** recalculateL2EntriesTableEntries: the service's entries as the leader wants them, none otherwise. */
  private recalculate(ss: SelectedService): void {
    const origin = ss.key;
    const existing = this.table.byOrigin(origin);
    const withoutOrigin = (e: L2AnnounceEntry) => ({ ...e, origins: e.origins.filter((o) => o !== origin) });
    if (!ss.currentlyLeader) {
      const drop = existing.map(withoutOrigin);
      this.table.commit({ remove: drop.filter((e) => e.origins.length === 0), insert: drop.filter((e) => e.origins.length > 0) });
      return;
    }
    const desired = this.desiredEntries(ss);
    const insert: L2AnnounceEntry[] = [];
    const remove: L2AnnounceEntry[] = [];
    for (const e of existing) {
      if (desired.has(entryKey(e.ip, e.networkInterface))) {
        desired.delete(entryKey(e.ip, e.networkInterface));
        continue;
      }
      const rest = withoutOrigin(e);
      if (rest.origins.length === 0) remove.push(rest);
      else insert.push(rest);
    }
    for (const d of desired.values()) {
      const other = this.table.get(d.ip, d.networkInterface);
      insert.push({ ...d, origins: [...(other?.origins ?? []), origin] });
    }
    if (insert.length > 0 || remove.length > 0) this.table.commit({ insert, remove });
  }

  /** Every announced IP × every interface of every policy selecting the service. */
  private desiredEntries(ss: SelectedService): Map<string, L2AnnounceEntry> {
    const out = new Map<string, L2AnnounceEntry>();
    for (const pk of ss.byPolicies) {
      const sp = this.selectedPolicies.get(pk);
      if (!sp) continue;
      for (const ip of policyServiceIPs(sp.policy, ss.svc)) {
        this.checkOnNetwork(pk, ss, ip, sp.devices);
        for (const dev of sp.devices) out.set(entryKey(ip, dev), { ip, networkInterface: dev, origins: [] });
      }
    }
    return out;
  }

  /** Warns (once) when an IPv4 service IP lies outside every network of the interfaces announcing it. */
  private checkOnNetwork(policy: string, ss: SelectedService, ip: IP, devices: readonly string[]): void {
    const dp = this.o.datapath;
    if (!dp || ip.family !== 4 || devices.length === 0) return;
    const v = Number(ip.value);
    const nets = devices.flatMap((d) => dp.link(d)?.ipv4 ?? []);
    const inside = nets.some(([net, len]) => len === 0 || (v >>> (32 - len)) === (net >>> (32 - len)));
    const id = `${policy}|${ss.key}|${formatIP(ip)}`;
    if (inside || this.offNetwork.has(id)) return;
    this.offNetwork.add(id);
    this.log('warn', 'Service IP is outside every network of the interfaces announcing it; ARP requests for it will not reach this node', {
      policy,
      service: ss.key,
      ip: formatIP(ip),
      interfaces: `[${devices.join(' ')}]`,
    });
  }

  // ---- lease garbage collection ------------------------------------------------------------------

  /** leaseGC: deletes `cilium-l2announce-*` leases nobody holds (released, not re-acquired). */
  private async leaseGC(): Promise<void> {
    try {
      for (const lease of await this.api.listLeases(this.leaseNamespace)) {
        if (!lease.metadata.name?.startsWith(LEASE_PREFIX)) continue;
        if (lease.spec?.holderIdentity) continue;
        await this.api.deleteLease(this.leaseNamespace, lease.metadata.name);
      }
    } catch (err) {
      this.log('error', 'l2-announcer lease-gc failed', { error: (err as Error).message });
    }
  }
}
