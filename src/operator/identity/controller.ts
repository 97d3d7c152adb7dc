// CiliumIdentity allocation (identity-allocation-mode crd): every distinct set of security-relevant
// labels among the cluster's pods gets one CiliumIdentity. IDs are drawn at random from the
// cluster's range, as Cilium's ID pool does (pkg/idpool LeaseAvailableID); identities no pod uses
// any more are garbage-collected after two GC rounds (identity-gc-interval, 15m).

import type { Clock, TimerHandle } from '../../controller/clock.ts';
import { Informer } from '../../controller/informer.ts';
import type { Rng } from '../../controller/rng.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { GK } from '../../k8s/kinds.ts';
import { objectKey } from '../../k8s/object.ts';
import type { CiliumIdentity, Namespace, Pod } from '../../k8s/types.ts';
import { StoreError, type ResourceStore } from '../../store/types.ts';
import { identityLabels, labelsKey } from './labels.ts';

export interface IdentityOptions {
  cluster: string;
  clusterId: number;
  /** 255 (16 bits of local identities) or 511 (15 bits). */
  maxConnectedClusters: number;
  gcIntervalMs: number;
}

/** pkg/identity: the cluster-local range of allocatable identities. */
export function identityRange(clusterId: number, maxConnectedClusters: number): [number, number] {
  const shift = maxConnectedClusters === 511 ? 15 : 16;
  if (clusterId === 0) return [256, (1 << shift) - 1];
  return [clusterId << shift, ((clusterId + 1) << shift) - 1];
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Identity labels that are also valid Kubernetes labels become the object's metadata.labels. */
function metadataLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    const key = k.replace(/^k8s:/, '');
    const slash = key.lastIndexOf('/');
    const name = slash < 0 ? key : key.slice(slash + 1);
    const prefix = slash < 0 ? '' : key.slice(0, slash);
    if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name) || prefix.length > 253) continue;
    if (v.length > 63 || !LABEL_NAME.test(v)) continue;
    out[key] = v;
  }
  return out;
}

export class IdentityAllocator implements Runnable {
  readonly name = 'identity-allocator';
  private readonly pods: Informer<Pod>;
  private readonly namespaces: Informer<Namespace>;
  private readonly identities: Informer<CiliumIdentity>;
  private readonly queue: WorkQueue;
  /** labels key → identity ID, including identities created but not yet seen by the informer. */
  private readonly byLabels = new Map<string, number>();
  private readonly inUse = new Set<number>();
  private unusedLastRound = new Set<number>();
  private gcTimer: TimerHandle | undefined;
  private readonly range: [number, number];

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly opts: IdentityOptions,
  ) {
    this.pods = new Informer<Pod>(store, GK.Pod);
    this.namespaces = new Informer<Namespace>(store, GK.Namespace);
    this.identities = new Informer<CiliumIdentity>(store, GK.CiliumIdentity);
    this.queue = new WorkQueue(clock, { baseDelayMs: 50, maxDelayMs: 5000 });
    this.range = identityRange(opts.clusterId, opts.maxConnectedClusters);
  }

  async start(): Promise<void> {
    await Promise.all([this.pods.start(), this.namespaces.start(), this.identities.start()]);
    this.identities.on({
      add: (i) => this.learn(i),
      update: (_o, i) => this.learn(i),
      delete: (i) => {
        const id = Number(i.metadata.name);
        this.inUse.delete(id);
        const key = labelsKey(i['security-labels'] ?? {});
        if (this.byLabels.get(key) === id) this.byLabels.delete(key);
      },
    });
    const podKey = (p: Pod) => this.queue.add(`pod/${objectKey(p.metadata)}`);
    this.pods.on({ add: podKey, update: (_o, p) => podKey(p) });
    this.namespaces.on({
      update: (_o, ns) => {
        for (const p of this.pods.list()) if (p.metadata.namespace === ns.metadata.name) podKey(p);
      },
    });
    this.queue.run((key) => this.sync(key));
    this.gcTimer = this.clock.setInterval(() => this.queue.add('gc'), this.opts.gcIntervalMs);
  }

  stop(): void {
    this.gcTimer?.cancel();
    this.queue.stop();
    this.pods.stop();
    this.namespaces.stop();
    this.identities.stop();
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  private learn(i: CiliumIdentity): void {
    const id = Number(i.metadata.name);
    if (!Number.isInteger(id)) return;
    this.inUse.add(id);
    this.byLabels.set(labelsKey(i['security-labels'] ?? {}), id);
  }

  /** The identity labels of a pod, or undefined for pods that get none (host network). */
  labelsOf(pod: Pod): Record<string, string> | undefined {
    if (pod.spec?.hostNetwork) return undefined;
    const ns = this.namespaces.getByName(undefined, pod.metadata.namespace ?? 'default');
    return identityLabels({
      namespace: pod.metadata.namespace ?? 'default',
      podLabels: pod.metadata.labels ?? {},
      namespaceLabels: ns?.metadata.labels ?? { 'kubernetes.io/metadata.name': pod.metadata.namespace ?? 'default' },
      serviceAccount: pod.spec?.serviceAccountName ?? 'default',
      cluster: this.opts.cluster,
    });
  }

  private async sync(key: string): Promise<void> {
    if (key === 'gc') {
      await this.gc();
      return;
    }
    const podName = key.slice('pod/'.length);
    const slash = podName.indexOf('/');
    const pod = this.pods.getByName(podName.slice(0, slash), podName.slice(slash + 1));
    if (!pod) return;
    const labels = this.labelsOf(pod);
    if (!labels || this.byLabels.has(labelsKey(labels))) return;
    await this.allocate(labels);
  }

  private async allocate(labels: Record<string, string>): Promise<number> {
    const [lo, hi] = this.range;
    const size = hi - lo + 1;
    // a random start, then the next free ID: random like idpool's LeaseAvailableID, and it
    // cannot miss the last free IDs of a nearly full pool
    const start = this.rng.int(size);
    for (let k = 0; k < size; k++) {
      const id = lo + ((start + k) % size);
      if (this.inUse.has(id)) continue;
      try {
        await this.store.create<CiliumIdentity>(
          {
            apiVersion: 'cilium.io/v2',
            kind: 'CiliumIdentity',
            metadata: { name: String(id), labels: metadataLabels(labels) },
            'security-labels': labels,
          },
          { fieldManager: 'cilium-operator' },
        );
      } catch (e) {
        if (e instanceof StoreError && e.code === 'AlreadyExists') {
          this.inUse.add(id);
          continue;
        }
        throw e;
      }
      this.inUse.add(id);
      this.byLabels.set(labelsKey(labels), id);
      return id;
    }
    throw new Error(`identity pool exhausted: every ID in ${lo}..${hi} is in use`);
  }

  private async gc(): Promise<void> {
    const used = new Set<string>();
    for (const p of this.pods.list()) {
      const l = this.labelsOf(p);
      if (l) used.add(labelsKey(l));
    }
    const unused = new Set<number>();
    for (const i of this.identities.list()) {
      const id = Number(i.metadata.name);
      if (!used.has(labelsKey(i['security-labels'] ?? {}))) unused.add(id);
    }
    for (const id of unused) {
      if (!this.unusedLastRound.has(id)) continue;
      try {
        await this.store.delete(GK.CiliumIdentity, undefined, String(id));
      } catch (e) {
        if (!(e instanceof StoreError && e.code === 'NotFound')) throw e;
      }
    }
    this.unusedLastRound = unused;
  }
}
