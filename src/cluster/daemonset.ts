// DaemonSet controller: one pod per eligible node, replaced one node at a time when the
// template changes (RollingUpdate, maxUnavailable 1) — which is what `rollout restart ds/cilium` does.

import type { Clock } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { GK } from '../k8s/kinds.ts';
import { controllerRef } from '../k8s/meta.ts';
import { objectKey } from '../k8s/object.ts';
import type { DaemonSet as DaemonSetT } from 'kubernetes-types/apps/v1.js';
import type { Typed } from '../k8s/object.ts';
import type { Node, Pod } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { podTemplateHash, stableStringify } from './names.ts';
import { controllerOwnerName, controllerOwnerUids } from './owners.ts';
import { isPodReady } from './pods.ts';

const REVISION_LABEL = 'controller-revision-hash';

type DaemonSet = Typed<DaemonSetT>;

export class DaemonSetController extends Reconciler {
  readonly name = 'daemonset';
  private readonly daemonSets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;

  constructor(
    store: ResourceStore,
    clock: Clock,
  ) {
    super(store, clock, { maxDelayMs: 5000 });
    this.daemonSets = this.watch<DaemonSet>(GK.DaemonSet);
    this.pods = this.watch<Pod>(GK.Pod, { indexers: { owner: controllerOwnerUids } });
    this.nodes = this.watch<Node>(GK.Node);
  }

  protected handlers(): void {
    const enqueue = (ds: DaemonSet) => this.queue.add(objectKey(ds.metadata));
    this.daemonSets.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    const enqueueOwner = (pod: Pod) => {
      const owner = controllerOwnerName(pod, 'DaemonSet');
      if (owner) this.queue.add(objectKey({ namespace: pod.metadata.namespace, name: owner }));
    };
    this.pods.on({ add: enqueueOwner, update: (_o, n) => enqueueOwner(n), delete: enqueueOwner });
    const all = () => {
      for (const ds of this.daemonSets.list()) enqueue(ds);
    };
    this.nodes.on({ add: all, update: all, delete: all });
  }

  protected async reconcile(key: string): Promise<void> {
    const ds = this.daemonSets.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = podTemplateHash(ds.spec!.template);
    const joined = (n: Node) => n.metadata.creationTimestamp ?? '';
    const eligible = this.nodes
      .list()
      .filter((n) => nodeSelectorMatches(ds, n))
      .sort((a, b) => joined(a).localeCompare(joined(b))); // stable: equal times keep join order
    const owned = this.pods.byIndex('owner', ds.metadata.uid!);
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      const list = byNode.get(p.spec?.nodeName ?? '') ?? [];
      list.push(p);
      byNode.set(p.spec?.nodeName ?? '', list);
    }
    // A rollout replaces one node's pod at a time, once every other pod is ready.
    let unavailable = owned.filter((p) => !p.metadata.deletionTimestamp && !isPodReady(p)).length;
    for (const node of eligible) {
      const pods = (byNode.get(node.metadata.name!) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (pods.length === 0) {
        if ((byNode.get(node.metadata.name!) ?? []).length === 0) await this.store.create(this.podFor(ds, node, hash));
        continue;
      }
      const outdated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
      if (outdated.length > 0 && unavailable === 0) {
        unavailable++;
        for (const p of outdated) await this.store.delete(GK.Pod, p.metadata.namespace, p.metadata.name!);
      }
    }
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name!));
    for (const p of owned) {
      if (!eligibleNames.has(p.spec?.nodeName ?? '') && !p.metadata.deletionTimestamp) {
        await this.store.delete(GK.Pod, p.metadata.namespace, p.metadata.name!);
      }
    }
    const live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const ready = live.filter(isPodReady).length;
    const status = {
      currentNumberScheduled: live.length,
      desiredNumberScheduled: eligible.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready || undefined,
      numberUnavailable: Math.max(0, eligible.length - ready) || undefined,
      updatedNumberScheduled: live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash).length,
      observedGeneration: ds.metadata.generation,
    };
    if (stableStringify(status) === stableStringify(ds.status ?? {})) return;
    await this.store.updateStatus({ ...ds, status });
  }

  private podFor(ds: DaemonSet, node: Node, hash: string): Pod {
    const t = ds.spec!.template;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}), [REVISION_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [{ ...controllerRef(ds), blockOwnerDeletion: true }],
      },
      spec: { ...structuredClone(t.spec!), nodeName: node.metadata.name },
    };
  }
}

function nodeSelectorMatches(ds: DaemonSet, node: Node): boolean {
  const sel = ds.spec?.template.spec?.nodeSelector ?? {};
  return Object.entries(sel).every(([k, v]) => node.metadata.labels?.[k] === v);
}
