// `kubectl apply` semantics, executed next to the store: create what is missing, otherwise a
// three-way merge of the last applied configuration, the new configuration and the live object
// (fields the user removed are removed; fields controllers set are kept). All objects of one
// invocation go into one store transaction, so a failing multi-document apply applies nothing.

import { resourceTypeOf } from '../k8s/kinds.ts';
import type { GroupKind, KObject } from '../k8s/object.ts';
import { groupKindOf } from '../k8s/object.ts';
import { applyMergePatch } from '../k8s/patch.ts';
import { type ResourceStore, type StoreOp, StoreError } from '../store/types.ts';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  /** `deployment.apps/webpod` as kubectl prints it. */
  ref: string;
  action: ApplyAction;
  object: KObject;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386 patch that turns `from` into `to` (null deletes; lists are replaced). */
export function mergeDiff(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) return JSON.stringify(from) === JSON.stringify(to) ? undefined : (to as Json);
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const d = mergeDiff(from[k], v);
    if (d !== undefined) patch[k] = d;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** The patch kubectl's client-side apply sends: deletions of fields dropped since the last apply, plus the new configuration. */
export function threeWayPatch(lastApplied: KObject | undefined, config: KObject, live: KObject): Json | undefined {
  const deletions = lastApplied ? mergeDiff(lastApplied, config) : undefined;
  const fromLive = mergeDiff(live, applyMergePatch(live, config) as KObject);
  if (!isObject(deletions)) return fromLive;
  const onlyDeletes: Record<string, Json> = {};
  const pickDeletes = (d: Record<string, Json>, out: Record<string, Json>) => {
    for (const [k, v] of Object.entries(d)) {
      if (v === null) out[k] = null;
      else if (isObject(v)) {
        const sub: Record<string, Json> = {};
        pickDeletes(v, sub);
        if (Object.keys(sub).length) out[k] = sub;
      }
    }
  };
  pickDeletes(deletions, onlyDeletes);
  return applyMergePatch(onlyDeletes, (fromLive ?? {}) as Json) as Json;
}

export function objectRef(obj: KObject): string {
  const gk = groupKindOf(obj);
  const t = resourceTypeOf(gk);
  const res = t ? (t.group ? `${t.singular}.${t.group}` : t.singular) : obj.kind.toLowerCase();
  return `${res}/${obj.metadata.name ?? obj.metadata.generateName ?? ''}`;
}

function withLastApplied(obj: KObject): KObject {
  const { [LAST_APPLIED]: _previous, ...others } = obj.metadata.annotations ?? {};
  const configMeta = { ...obj.metadata };
  if (Object.keys(others).length) configMeta.annotations = others;
  else delete configMeta.annotations;
  const config = `${JSON.stringify({ ...obj, metadata: configMeta })}\n`;
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...others, [LAST_APPLIED]: config } } };
}

interface Planned {
  op: StoreOp | undefined;
  live: KObject | undefined;
  desired: KObject;
}

/** What applying one object means against its live version: a create, an update, or nothing. */
function plan(obj: KObject, live: KObject | undefined, ns: string | undefined): Planned {
  const desired = withLastApplied({ ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } });
  if (!live) return { op: { op: 'create', object: desired }, live, desired };
  const raw = live.metadata.annotations?.[LAST_APPLIED];
  const last = raw ? (JSON.parse(raw) as KObject) : undefined;
  const patch = threeWayPatch(last, desired, live);
  if (patch === undefined) return { op: undefined, live, desired };
  const merged = applyMergePatch(live, patch) as KObject;
  // a resourceVersion in the applied configuration is an optimistic lock, as with kubectl apply
  const resourceVersion = obj.metadata.resourceVersion ?? live.metadata.resourceVersion;
  return { op: { op: 'update', object: { ...merged, metadata: { ...merged.metadata, resourceVersion } } }, live, desired };
}

/**
 * Applies objects in one store transaction: all of them or none. A conflicting concurrent write
 * makes the whole invocation retry once from fresh reads, like kubectl's apply retry.
 */
export async function applyObjects(store: ResourceStore, objects: readonly KObject[], opts: { dryRun?: boolean } = {}): Promise<ApplyResult[]> {
  for (let attempt = 0; ; attempt++) {
    const plans: Planned[] = [];
    for (const obj of objects) {
      const gk: GroupKind = groupKindOf(obj);
      const ns = resourceTypeOf(gk)?.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
      const live = obj.metadata.name ? await store.get(gk, ns, obj.metadata.name) : undefined;
      plans.push(plan(obj, live, ns));
    }
    const ops = plans.flatMap((p) => (p.op ? [p.op] : []));
    let written: KObject[];
    try {
      written = ops.length ? await store.transaction(ops, { dryRun: opts.dryRun }) : [];
    } catch (err) {
      const locked = objects.some((o) => o.metadata.resourceVersion);
      if (attempt === 0 && !locked && err instanceof StoreError && err.code === 'Conflict') continue;
      throw err;
    }
    let i = 0;
    return plans.map((p) => {
      if (!p.op) return { ref: objectRef(p.live!), action: 'unchanged', object: p.live! };
      const object = written[i++]!;
      const action: ApplyAction = p.op.op === 'create' ? 'created' : object.metadata.resourceVersion === p.live!.metadata.resourceVersion && !opts.dryRun ? 'unchanged' : 'configured';
      return { ref: objectRef(object), action, object };
    });
  }
}
