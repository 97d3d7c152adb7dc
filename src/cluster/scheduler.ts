// The scheduler: binds pending pods to nodes. Filters as kube-scheduler does for the rules the
// labs use (readiness, cordon, taints, nodeSelector, required node affinity, required pod
// (anti-)affinity); scores by spreading pods of one owner, then by load; ties broken by the Rng.

import type { Clock } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import type { Rng } from '../controller/rng.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { GK } from '../k8s/kinds.ts';
import { setCondition } from '../k8s/meta.ts';
import { objectKey } from '../k8s/object.ts';
import { labelSelectorMatches } from '../k8s/selectors.ts';
import type { Node, Pod } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { rfc3339 } from './time.ts';

type Affinity = NonNullable<NonNullable<Pod['spec']>['affinity']>;
type PodAffinityTerm = NonNullable<NonNullable<Affinity['podAntiAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>[number];
type NodeSelectorTerm = NonNullable<NonNullable<Affinity['nodeAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>['nodeSelectorTerms'][number];

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export class Scheduler extends Reconciler {
  readonly name = 'scheduler';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Bindings made but not yet seen through the informer (kube-scheduler's "assumed pods"). */
  private readonly assumed = new Map<string, string>();

  constructor(
    store: ResourceStore,
    clock: Clock,
    private readonly rng: Rng,
  ) {
    super(store, clock, { baseDelayMs: 1000, maxDelayMs: 30_000 });
    this.pods = this.watch<Pod>(GK.Pod, { indexers: { node: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
    this.nodes = this.watch<Node>(GK.Node);
  }

  protected handlers(): void {
    const consider = (p: Pod) => {
      if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) this.queue.add(objectKey(p.metadata));
      if (p.spec?.nodeName) this.assumed.delete(objectKey(p.metadata));
    };
    this.pods.on({ add: consider, update: (_o, n) => consider(n), delete: () => this.retryPending() });
    this.nodes.on({ add: () => this.retryPending(), update: () => this.retryPending() });
  }

  private retryPending(): void {
    for (const p of this.pods.list()) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) this.queue.add(objectKey(p.metadata));
  }

  private podsOn(node: string): Pod[] {
    const out = this.pods.byIndex('node', node).filter((p) => !p.metadata.deletionTimestamp);
    for (const [key, n] of this.assumed) {
      if (n !== node) continue;
      const p = this.pods.get(key);
      if (p && !p.spec?.nodeName) out.push(p);
    }
    return out;
  }

  protected async reconcile(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || this.assumed.has(key)) return;
    const nodes = this.nodes.list().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const reasons = new Map<string, number>();
    const fits: Node[] = [];
    for (const node of nodes) {
      const why = this.unfitReason(pod, node, nodes);
      if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
      else fits.push(node);
    }
    if (fits.length === 0) {
      await this.markUnschedulable(pod, nodes.length, reasons);
      return;
    }
    const ownerUid = pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
    const score = (n: Node) => {
      const here = this.podsOn(n.metadata.name!);
      const siblings = ownerUid ? here.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ownerUid)).length : 0;
      return siblings * 1000 + here.length;
    };
    const best = Math.min(...fits.map(score));
    const chosen = this.rng.pick(fits.filter((n) => score(n) === best));
    this.assumed.set(key, chosen.metadata.name!);
    const now = rfc3339(this.clock.now());
    await this.store.update({ ...pod, spec: { ...pod.spec!, nodeName: chosen.metadata.name } });
    const bound = await this.store.get<Pod>(GK.Pod, pod.metadata.namespace, pod.metadata.name!);
    if (bound) {
      await this.store.updateStatus({
        ...bound,
        status: {
          ...bound.status,
          phase: bound.status?.phase ?? 'Pending',
          conditions: setCondition(bound.status?.conditions ?? [], { type: 'PodScheduled', status: 'True' }, now),
        },
      });
    }
  }

  private async markUnschedulable(pod: Pod, total: number, reasons: Map<string, number>): Promise<void> {
    const parts = [...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([why, n]) => `${n} ${why}`);
    const message = `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
    const conditions = setCondition(
      pod.status?.conditions ?? [],
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message },
      rfc3339(this.clock.now()),
    );
    if (JSON.stringify(conditions) !== JSON.stringify(pod.status?.conditions ?? [])) {
      await this.store.updateStatus({ ...pod, status: { ...pod.status, phase: 'Pending', conditions } });
    }
  }

  /** The kube-scheduler reason text for a node that does not fit, or undefined when it fits. */
  private unfitReason(pod: Pod, node: Node, all: Node[]): string | undefined {
    const spec = pod.spec!;
    if (!isNodeReady(node)) return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
    if (node.spec?.unschedulable) return 'node(s) were unschedulable';
    for (const taint of node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      const tolerated = (spec.tolerations ?? []).some(
        (t) =>
          (t.key === undefined || t.key === taint.key || (t.operator === 'Exists' && !t.key)) &&
          (t.operator === 'Exists' || t.value === taint.value) &&
          (!t.effect || t.effect === taint.effect),
      );
      if (!tolerated) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
    }
    const labels = node.metadata.labels ?? {};
    if (spec.nodeSelector && !Object.entries(spec.nodeSelector).every(([k, v]) => labels[k] === v)) {
      return "node(s) didn't match Pod's node affinity/selector";
    }
    const nodeTerms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (nodeTerms && !nodeTerms.some((t) => nodeTermMatches(t, node))) return "node(s) didn't match Pod's node affinity/selector";
    for (const term of spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (this.domainHasMatch(pod, term, node, all)) return "node(s) didn't match pod anti-affinity rules";
    }
    for (const term of spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (!this.domainHasMatch(pod, term, node, all)) return "node(s) didn't match pod affinity rules";
    }
    return undefined;
  }

  /** Whether a pod matching the term runs in the same topology domain as `node`. */
  private domainHasMatch(pod: Pod, term: PodAffinityTerm, node: Node, all: Node[]): boolean {
    const domain = node.metadata.labels?.[term.topologyKey];
    if (domain === undefined) return false;
    const namespaces = term.namespaces?.length ? term.namespaces : [pod.metadata.namespace];
    for (const other of all) {
      if (other.metadata.labels?.[term.topologyKey] !== domain) continue;
      for (const p of this.podsOn(other.metadata.name!)) {
        if (p.metadata.uid === pod.metadata.uid) continue;
        if (!namespaces.includes(p.metadata.namespace)) continue;
        if (labelSelectorMatches(term.labelSelector, p.metadata.labels)) return true;
      }
    }
    return false;
  }
}

function nodeTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  const exprOk = (term.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        return v !== undefined && (e.values ?? []).includes(v);
      case 'NotIn':
        return v === undefined || !(e.values ?? []).includes(v);
      case 'Exists':
        return v !== undefined;
      case 'DoesNotExist':
        return v === undefined;
      case 'Gt':
        return v !== undefined && Number(v) > Number(e.values?.[0]);
      case 'Lt':
        return v !== undefined && Number(v) < Number(e.values?.[0]);
      default:
        return false;
    }
  });
  const fieldsOk = (term.matchFields ?? []).every((f) => {
    const inList = (f.values ?? []).includes(node.metadata.name!);
    return f.operator === 'In' ? inList : f.operator === 'NotIn' ? !inList : false;
  });
  return exprOk && fieldsOk;
}
