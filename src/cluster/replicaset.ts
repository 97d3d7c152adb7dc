// ReplicaSet controller: keeps `spec.replicas` pods from the template, deleting the least
// established extras first, and reports ready/available counts.

import type { Clock } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { GK } from '../k8s/kinds.ts';
import { controllerRef } from '../k8s/meta.ts';
import { objectKey } from '../k8s/object.ts';
import type { Pod, ReplicaSet } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { stableStringify } from './names.ts';
import { controllerOwnerName, controllerOwnerUids } from './owners.ts';
import { isPodReady } from './pods.ts';

export class ReplicaSetController extends Reconciler {
  readonly name = 'replicaset';
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(
    store: ResourceStore,
    clock: Clock,
  ) {
    super(store, clock, { maxDelayMs: 5000 });
    this.replicaSets = this.watch<ReplicaSet>(GK.ReplicaSet);
    this.pods = this.watch<Pod>(GK.Pod, { indexers: { owner: controllerOwnerUids } });
  }

  protected handlers(): void {
    const enqueue = (rs: ReplicaSet) => this.queue.add(objectKey(rs.metadata));
    this.replicaSets.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    const enqueueOwner = (pod: Pod) => {
      const owner = controllerOwnerName(pod, 'ReplicaSet');
      if (owner) this.queue.add(objectKey({ namespace: pod.metadata.namespace, name: owner }));
    };
    this.pods.on({ add: enqueueOwner, update: (_o, n) => enqueueOwner(n), delete: enqueueOwner });
  }

  protected async reconcile(key: string): Promise<void> {
    const rs = this.replicaSets.get(key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const owned = this.pods.byIndex('owner', rs.metadata.uid!);
    const active = owned.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    const want = rs.spec?.replicas ?? 1;
    if (active.length < want) {
      for (let i = active.length; i < want; i++) await this.store.create(this.podFromTemplate(rs));
    } else if (active.length > want) {
      for (const pod of active.sort(deletionOrder).slice(0, active.length - want)) {
        await this.store.delete(GK.Pod, pod.metadata.namespace, pod.metadata.name!);
      }
    }
    const ready = active.filter(isPodReady).length;
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready || undefined,
      availableReplicas: ready || undefined,
      observedGeneration: rs.metadata.generation,
    };
    if (stableStringify(status) === stableStringify(rs.status ?? {})) return;
    await this.store.updateStatus({ ...rs, status });
  }

  private podFromTemplate(rs: ReplicaSet): Pod {
    const t = rs.spec!.template!;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [{ ...controllerRef(rs), blockOwnerDeletion: true }],
      },
      spec: structuredClone(t.spec!),
    };
  }
}

/** controller.ActivePods ordering: unscheduled, then pending, then not ready, then the newest first. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta === tb ? 0 : ta > tb ? -1 : 1;
}
