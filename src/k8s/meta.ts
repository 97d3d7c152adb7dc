// Helpers every controller needs: conditions (apimachinery meta.SetStatusCondition semantics),
// owner references (metav1.NewControllerRef, IsControlledBy), label/annotation getters, timestamps,
// and deep clone/equality for JSON-shaped objects.

import type { KObject, ObjectMeta, OwnerReference } from './object.ts';

/** The fields every condition type shares (metav1.Condition, PodCondition, NodeCondition, ...). */
export interface ConditionLike {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function findCondition<C extends ConditionLike>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly ConditionLike[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Sets a condition like meta.SetStatusCondition: a new type is appended; for an existing type the
 * status, reason, message and observedGeneration are updated and lastTransitionTime changes only
 * when the status does. `now` (RFC 3339) is used when cond brings no lastTransitionTime.
 * Returns a new list, or the same list when nothing changed.
 */
export function setCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  cond: NoInfer<Omit<C, 'lastTransitionTime'> & { lastTransitionTime?: string }>,
  now: string,
): C[] {
  const list = conditions ?? [];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...list, { ...cond, lastTransitionTime: cond.lastTransitionTime || now } as C];
  const old = list[i]!;
  const next = { ...old, ...cond } as C;
  next.lastTransitionTime = old.status !== cond.status ? cond.lastTransitionTime || now : old.lastTransitionTime;
  if (deepEqual(old, next)) return list as C[];
  const out = [...list];
  out[i] = next;
  return out;
}

export function removeCondition<C extends ConditionLike>(conditions: readonly C[] | undefined, type: string): C[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** A controller owner reference to `owner` (metav1.NewControllerRef). */
export function controllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner reference with controller: true, if any (metav1.GetControllerOf). */
export function controllerOf(obj: Pick<KObject, 'metadata'>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: Pick<KObject, 'metadata'>, owner: Pick<KObject, 'metadata'>): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && owner.metadata.uid !== undefined && ref.uid === owner.metadata.uid;
}

export function labelsOf(obj: { metadata?: ObjectMeta }): Readonly<Record<string, string>> {
  return obj.metadata?.labels ?? {};
}

export function getLabel(obj: { metadata?: ObjectMeta }, key: string): string | undefined {
  return obj.metadata?.labels?.[key];
}

export function getAnnotation(obj: { metadata?: ObjectMeta }, key: string): string | undefined {
  return obj.metadata?.annotations?.[key];
}

/** metav1.Time: RFC 3339 with second precision (`2025-08-07T08:17:59Z`). */
export function formatTime(t: Date | number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with microseconds (`2025-08-08T04:49:06.568316Z`); JS time has milliseconds. */
export function formatMicroTime(t: Date | number): string {
  return new Date(t).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

/** A deep copy of a JSON-shaped value (objects, arrays, primitives); undefined properties are dropped. */
export function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(deepClone) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    // a JSON key "__proto__" is an own property; plain assignment would set the prototype instead
    if (k === '__proto__') Object.defineProperty(out, k, { value: deepClone(x), enumerable: true, writable: true, configurable: true });
    else out[k] = deepClone(x);
  }
  return out as T;
}

/** Structural equality of JSON-shaped values; key order does not matter, undefined properties count as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}
