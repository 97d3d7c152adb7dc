// The operator side of the BGP control plane v2: keeps one CiliumBGPNodeConfig per selected node in
// step with the cluster configs, overrides and nodes (derive.ts), and reports the cluster and peer
// configs' conditions. Level-triggered: every event queues one key and a pass recomputes everything.

import type { Clock } from '../../controller/clock.ts';
import type { EventHandlers, Informer } from '../../controller/informer.ts';
import { Reconciler } from '../../controller/reconciler.ts';
import { GK } from '../../k8s/kinds.ts';
import { labelSelectorMatches } from '../../k8s/selectors.ts';
import { deepEqual, formatTime } from '../../k8s/meta.ts';
import type { KObject } from '../../k8s/object.ts';
import type {
  CiliumBGPAdvertisement,
  CiliumBGPClusterConfig,
  CiliumBGPNodeConfig,
  CiliumBGPNodeConfigOverride,
  CiliumBGPPeerConfig,
  CiliumNode,
  Secret,
} from '../../k8s/types.ts';
import { StoreError, type ResourceStore } from '../../store/types.ts';
import { CLUSTER_CONFIG_CONDITIONS, PEER_CONFIG_CONDITIONS, clusterConfigConditions, nextConditions, peerConfigConditions } from './conditions.ts';
import { type ClusterConfigResult, deriveNodeConfigs } from './derive.ts';
import type { RouterIDPool } from './routerid.ts';

export interface BGPOperatorOptions {
  store: ResourceStore;
  clock: Clock;
  /** `enable-bgp-control-plane-status-report`: write conditions (true) or remove them (false). */
  statusReport: boolean;
  /** `bgp-secrets-namespace`. */
  secretsNamespace: string;
  /** Set in `ip-pool` router ID mode. */
  routerIDs?: RouterIDPool;
  log: (line: string) => void;
}

const KEY = 'bgp';

interface AnyInformer {
  on(h: EventHandlers<KObject>, replay?: boolean): unknown;
  start(): Promise<void>;
  stop(): void;
}
const FIELD_MANAGER = 'cilium-operator-bgp';

export class BGPOperator extends Reconciler {
  readonly name = 'bgp-control-plane-operator';
  private readonly clusterConfigs: Informer<CiliumBGPClusterConfig>;
  private readonly peerConfigs: Informer<CiliumBGPPeerConfig>;
  private readonly overrides: Informer<CiliumBGPNodeConfigOverride>;
  private readonly nodes: Informer<CiliumNode>;
  private readonly nodeConfigs: Informer<CiliumBGPNodeConfig>;
  private readonly secrets: Informer<Secret>;
  private readonly adverts: Informer<CiliumBGPAdvertisement>;
  /** Last reported problems per cluster or peer config, so a log line is written when they change. */
  private readonly reported = new Map<string, string>();
  private restored = false;

  constructor(private readonly o: BGPOperatorOptions) {
    super(o.store, o.clock, { maxDelayMs: 10_000, onError: (_k, err) => o.log(`bgp operator: ${(err as Error).message}`) });
    this.clusterConfigs = this.watch(GK.CiliumBGPClusterConfig);
    this.peerConfigs = this.watch(GK.CiliumBGPPeerConfig);
    this.overrides = this.watch(GK.CiliumBGPNodeConfigOverride);
    this.nodes = this.watch(GK.CiliumNode);
    this.nodeConfigs = this.watch(GK.CiliumBGPNodeConfig);
    this.secrets = this.watch(GK.Secret, { namespace: o.secretsNamespace });
    this.adverts = this.watch(GK.CiliumBGPAdvertisement);
  }

  protected handlers(): void {
    const kick = () => this.queue.add(KEY);
    const informers: AnyInformer[] = [this.clusterConfigs, this.peerConfigs, this.overrides, this.nodes, this.nodeConfigs, this.secrets, this.adverts];
    for (const inf of informers) {
      // status-only changes of our own writes need no pass; spec, labels and ownership do
      inf.on({ add: kick, delete: kick, update: (a, b) => (relevantChange(a, b) ? kick() : undefined) }, false);
    }
    kick();
  }

  protected async reconcile(): Promise<void> {
    const nodeConfigs = new Map(this.nodeConfigs.list().map((nc) => [nc.metadata.name!, nc]));
    const ids = this.o.routerIDs;
    if (ids && !this.restored) {
      ids.restore(nodeConfigs.values());
      this.restored = true;
    }
    ids?.beginPass();
    const result = deriveNodeConfigs({
      clusterConfigs: this.clusterConfigs.list().filter((cc) => !cc.metadata.deletionTimestamp),
      nodes: this.nodes.list(),
      overrides: new Map(this.overrides.list().map((o) => [o.metadata.name!, o])),
      nodeConfigs,
      peerConfigs: new Set(this.peerConfigs.list().map((p) => p.metadata.name!)),
      routerIDs: ids,
    });
    ids?.endPass();
    for (const key of ids?.exhausted ?? []) this.o.log(`bgp operator: router ID pool ${ids!.cidr.prefixLen} exhausted, no router ID for ${key}`);
    let failed: unknown;
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        // NotFound/AlreadyExists/Conflict: the next pass (from the watch event) sees the new state
        if (!(err instanceof StoreError)) throw err;
        failed ??= err;
      }
    };
    for (const w of result.create) {
      await attempt(() =>
        this.o.store.create<CiliumBGPNodeConfig>({
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumBGPNodeConfig',
          metadata: { name: w.node, ownerReferences: [w.owner] },
          spec: w.spec,
        }),
      );
    }
    for (const w of result.update) {
      const cur = nodeConfigs.get(w.node)!;
      await attempt(() => this.o.store.update<CiliumBGPNodeConfig>({ ...cur, metadata: { ...cur.metadata, ownerReferences: [w.owner] }, spec: w.spec }));
    }
    for (const node of result.delete) {
      await attempt(() => this.o.store.delete(GK.CiliumBGPNodeConfig, undefined, node, { resourceVersion: nodeConfigs.get(node)!.metadata.resourceVersion }));
    }
    for (const r of result.clusterConfigs) {
      this.logProblems(r);
      const cc = this.clusterConfigs.getByName(undefined, r.name);
      if (cc) await attempt(() => this.writeConditions(cc, this.o.statusReport ? clusterConfigConditions(r, cc.metadata.generation) : undefined, CLUSTER_CONFIG_CONDITIONS));
    }
    for (const pc of this.peerConfigs.list()) {
      const secret = pc.spec?.authSecretRef;
      const exists = secret !== undefined && this.secrets.getByName(this.o.secretsNamespace, secret) !== undefined;
      const unmatched = this.unmatchedFamilies(pc);
      const key = `peer/${pc.metadata.name}`;
      const text = unmatched.join(' ');
      if (text && this.reported.get(key) !== text) this.o.log(`bgp operator: CiliumBGPPeerConfig ${pc.metadata.name}: advertisements selector of ${unmatched.join(', ')} matches no CiliumBGPAdvertisement; nothing is advertised there`);
      this.reported.set(key, text);
      await attempt(() => this.writeConditions(pc, this.o.statusReport ? peerConfigConditions(secret, exists, unmatched, pc.metadata.generation) : undefined, PEER_CONFIG_CONDITIONS));
    }
    const live = new Set([...result.clusterConfigs.map((r) => `cluster/${r.name}`), ...this.peerConfigs.list().map((p) => `peer/${p.metadata.name}`)]);
    for (const k of [...this.reported.keys()]) if (!live.has(k)) this.reported.delete(k);
    if (failed) throw failed;
  }

  /** Families (`ipv4/unicast`) of a peer config whose advertisements selector picks no CiliumBGPAdvertisement (nil picks none). */
  private unmatchedFamilies(pc: CiliumBGPPeerConfig): string[] {
    const adverts = this.adverts.list();
    return (pc.spec?.families ?? [])
      .filter((f) => !adverts.some((a) => labelSelectorMatches(f.advertisements, a.metadata.labels, false)))
      .map((f) => `${f.afi}/${f.safi}`);
  }

  private logProblems(r: ClusterConfigResult): void {
    const problems: string[] = [];
    if (r.conflicting.length > 0) problems.push(`selects nodes already configured by CiliumBGPClusterConfig(s) ${r.conflicting.join(', ')}`);
    if (r.missingPeerConfigs.length > 0) problems.push(`references missing CiliumBGPPeerConfig(s) ${r.missingPeerConfigs.join(', ')}`);
    const text = problems.join('; ');
    const key = `cluster/${r.name}`;
    if ((this.reported.get(key) ?? '') !== text && text) this.o.log(`bgp operator: CiliumBGPClusterConfig ${r.name} ${text}`);
    this.reported.set(key, text);
  }

  private async writeConditions<T extends CiliumBGPClusterConfig | CiliumBGPPeerConfig>(obj: T, want: Parameters<typeof nextConditions>[1], types: readonly string[]): Promise<void> {
    const current = obj.status?.conditions;
    const next = nextConditions(current, want, types, formatTime(this.o.clock.now()));
    if (deepEqual(current ?? [], next)) return;
    await this.o.store.updateStatus({ ...obj, status: { ...(obj.status ?? {}), conditions: next } }, { fieldManager: FIELD_MANAGER });
  }
}

/** Whether an update can change the derivation: anything but status and the resourceVersion. */
function relevantChange(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => ({ ...o, status: undefined, metadata: { ...o.metadata, resourceVersion: undefined } });
  return !deepEqual(strip(a), strip(b));
}
