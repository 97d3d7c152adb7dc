// Deployment controller: one ReplicaSet per pod template (named by its hash), rolling from the
// old ReplicaSets to the new one as the new pods become available.

import type { Clock } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import { GK } from '../k8s/kinds.ts';
import { controllerRef, setCondition } from '../k8s/meta.ts';
import { objectKey, splitObjectKey } from '../k8s/object.ts';
import type { Deployment, ReplicaSet } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { podTemplateHash, stableStringify } from './names.ts';
import { rfc3339 } from './time.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { controllerOwnerName, controllerOwnerUids } from './owners.ts';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

export class DeploymentController extends Reconciler {
  readonly name = 'deployment';
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;

  constructor(
    store: ResourceStore,
    clock: Clock,
  ) {
    super(store, clock, { maxDelayMs: 5000 });
    this.deployments = this.watch<Deployment>(GK.Deployment);
    this.replicaSets = this.watch<ReplicaSet>(GK.ReplicaSet, { indexers: { owner: controllerOwnerUids } });
  }

  protected handlers(): void {
    const enqueue = (d: Deployment) => this.queue.add(objectKey(d.metadata));
    this.deployments.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    const enqueueOwner = (rs: ReplicaSet) => {
      const owner = controllerOwnerName(rs, 'Deployment');
      if (owner) this.queue.add(objectKey({ namespace: rs.metadata.namespace, name: owner }));
    };
    this.replicaSets.on({ add: enqueueOwner, update: (_o, n) => enqueueOwner(n), delete: enqueueOwner });
  }

  protected async reconcile(key: string): Promise<void> {
    const d = this.deployments.get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const { namespace } = splitObjectKey(key);
    const desired = d.spec?.replicas ?? 1;
    const template = d.spec!.template;
    const hash = podTemplateHash(template, d.status?.collisionCount ?? 0);
    const owned = this.replicaSets.byIndex('owner', d.metadata.uid!).filter((rs) => !rs.metadata.deletionTimestamp);
    let current = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));

    if (!current) {
      const labels = { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash };
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace,
          labels,
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(desired),
            'deployment.kubernetes.io/max-replicas': String(desired + maxSurge(d, desired)),
            [REVISION]: String(maxRevision + 1),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: {
          replicas: desired,
          selector: {
            matchLabels: { ...(d.spec!.selector.matchLabels ?? {}), [HASH_LABEL]: hash },
            ...(d.spec!.selector.matchExpressions ? { matchExpressions: d.spec!.selector.matchExpressions } : {}),
          },
          template: { ...template, metadata: { ...template.metadata, labels } },
        },
      };
      current = await this.store.create(rs);
    } else if (current.spec?.replicas !== desired) {
      current = await this.store.update({
        ...current,
        metadata: {
          ...current.metadata,
          annotations: { ...current.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String(desired) },
        },
        spec: { ...current.spec!, replicas: desired },
      });
    }

    // Old ReplicaSets shrink as the new one's pods become available.
    const newAvailable = current.status?.availableReplicas ?? 0;
    const old = owned.filter((rs) => rs !== current && rs.metadata.name !== current!.metadata.name);
    let budget = Math.max(0, desired - newAvailable);
    for (const rs of old.sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0))) {
      const want = Math.min(rs.spec?.replicas ?? 0, budget);
      budget -= want;
      if ((rs.spec?.replicas ?? 0) !== want) await this.store.update({ ...rs, spec: { ...rs.spec!, replicas: want } });
    }
    await this.writeStatus(d, current, old);
  }

  private async writeStatus(d: Deployment, current: ReplicaSet, old: ReplicaSet[]): Promise<void> {
    const all = [current, ...old];
    const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const desired = d.spec?.replicas ?? 1;
    const available = sum((rs) => rs.status?.availableReplicas);
    const now = rfc3339(this.clock.now());
    let conditions = d.status?.conditions ?? [];
    const minAvailable = desired - maxUnavailable(d, desired);
    conditions = setCondition(
      conditions,
      available >= minAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    );
    const done = (current.status?.availableReplicas ?? 0) >= desired && old.every((rs) => (rs.status?.replicas ?? 0) === 0);
    conditions = setCondition(
      conditions,
      done
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` },
      now,
    );
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: current.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas) || undefined,
      availableReplicas: available || undefined,
      unavailableReplicas: Math.max(0, desired - available) || undefined,
      collisionCount: d.status?.collisionCount,
      conditions,
    };
    if (stableStringify(status) === stableStringify(d.status ?? {})) return;
    await this.store.updateStatus({ ...d, status });
  }
}

/** maxSurge resolved against the replica count (RollingUpdate default 25%, rounded up). */
function maxSurge(d: Deployment, replicas: number): number {
  const v = d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof v === 'number' ? v : Math.ceil((replicas * Number.parseInt(v, 10)) / 100);
}

/** maxUnavailable resolved against the replica count (default 25%, rounded down). */
function maxUnavailable(d: Deployment, replicas: number): number {
  const v = d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  return typeof v === 'number' ? v : Math.floor((replicas * Number.parseInt(v, 10)) / 100);
}
