// `kubectl apply` semantics, executed next to the store: create what is missing, otherwise a
// three-way merge of the last applied configuration, the new configuration and the live object
// (fields the user removed are removed; fields controllers set are kept). All objects of one
// invocation are checked first (dry run), so a failing multi-document apply applies nothing.

import { resourceTypeOf } from '../k8s/kinds.ts';
import type { GroupKind, KObject } from '../k8s/object.ts';
import { groupKindOf } from '../k8s/object.ts';
import { applyMergePatch } from '../k8s/patch.ts';
import type { ResourceStore } from '../store/types.ts';

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
  const config = structuredClone(obj);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  if (config.metadata.annotations) {
    delete config.metadata.annotations[LAST_APPLIED];
    if (Object.keys(config.metadata.annotations).length === 0) delete config.metadata.annotations;
  }
  annotations[LAST_APPLIED] = `${JSON.stringify(config)}\n`;
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

async function applyOne(store: ResourceStore, obj: KObject, dryRun: boolean): Promise<ApplyResult> {
  const gk: GroupKind = groupKindOf(obj);
  const ns = resourceTypeOf(gk)?.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  const desired = withLastApplied({ ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } });
  const live = obj.metadata.name ? await store.get(gk, ns, obj.metadata.name) : undefined;
  if (!live) {
    const created = await store.create(desired, { dryRun });
    return { ref: objectRef(created), action: 'created', object: created };
  }
  const raw = live.metadata.annotations?.[LAST_APPLIED];
  const last = raw ? (JSON.parse(raw) as KObject) : undefined;
  const patch = threeWayPatch(last, desired, live);
  if (patch === undefined) return { ref: objectRef(live), action: 'unchanged', object: live };
  const merged = applyMergePatch(live, patch) as KObject;
  const updated = await store.update({ ...merged, metadata: { ...merged.metadata, resourceVersion: live.metadata.resourceVersion } }, { dryRun });
  const changed = updated.metadata.resourceVersion !== live.metadata.resourceVersion || dryRun;
  return { ref: objectRef(updated), action: changed ? 'configured' : 'unchanged', object: updated };
}

/** Applies objects in order after a dry run of all of them; throws the first error before changing anything. */
export async function applyObjects(store: ResourceStore, objects: readonly KObject[], opts: { dryRun?: boolean } = {}): Promise<ApplyResult[]> {
  for (const obj of objects) await applyOne(store, obj, true);
  if (opts.dryRun) return Promise.all(objects.map((o) => applyOne(store, o, true)));
  const out: ApplyResult[] = [];
  for (const obj of objects) out.push(await applyOne(store, obj, false));
  return out;
}
