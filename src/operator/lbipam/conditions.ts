// Condition types, reasons and messages LB-IPAM writes (cilium operator/pkg/lbipam/lbipam.go), and
// the apimachinery meta.SetStatusCondition rule it relies on.
// A local helper until src/k8s/meta.ts provides a shared setCondition.

import type { Condition } from '../../k8s/object.ts';

export const SERVICE_SATISFIED = 'cilium.io/IPAMRequestSatisfied';
export const POOL_CONFLICT = 'cilium.io/PoolConflict';
export const POOL_IPS_TOTAL = 'cilium.io/IPsTotal';
export const POOL_IPS_AVAILABLE = 'cilium.io/IPsAvailable';
export const POOL_IPS_USED = 'cilium.io/IPsUsed';

/** Field manager of every status write (cilium: ciliumFieldManager). */
export const FIELD_MANAGER = 'cilium-operator-lb-ipam';

export const msg = {
  noPoolForIP: (ip: string) => `No pool exists with a CIDR containing '${ip}'`,
  selectorMismatch: (ip: string) => `The pool with the CIDR containing '${ip}', doesn't select this service`,
  alreadyAllocated: (ip: string) => `The IP '${ip}' is already allocated to another service`,
  incompatible: (ip: string, reason: string) =>
    `The IP '${ip}' is already allocated to an incompatible service. Reason: ${reason}`,
  noPool: 'There are no enabled CiliumLoadBalancerIPPools that match this service',
  outOfIPs: 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs',
  conflict: (range: string, otherRange: string, otherPool: string) =>
    `Pool conflicts since range '${range}' overlaps range '${otherRange}' from IP Pool '${otherPool}'`,
} as const;

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Sets `want` in `conditions` (replacing the one of the same type in place, else appending) and
 * reports whether anything changed. Like cilium's setPoolCondition/setSVCSatisfiedCondition, nothing
 * changes when status, reason, message and observedGeneration are all equal; like
 * meta.SetStatusCondition, lastTransitionTime moves only when the status changes.
 */
export function setCondition(conditions: Condition[], want: ConditionInput, now: () => string): boolean {
  const i = conditions.findIndex((c) => c.type === want.type);
  const cur = i >= 0 ? conditions[i] : undefined;
  if (
    cur &&
    cur.status === want.status &&
    (cur.reason ?? '') === (want.reason ?? '') &&
    (cur.message ?? '') === (want.message ?? '') &&
    (cur.observedGeneration ?? 0) === (want.observedGeneration ?? 0)
  ) {
    return false;
  }
  const next: Condition = {
    type: want.type,
    status: want.status,
    lastTransitionTime: cur && cur.status === want.status && cur.lastTransitionTime ? cur.lastTransitionTime : now(),
    reason: want.reason ?? '',
    message: want.message ?? '',
  };
  // metav1.Condition's observedGeneration is omitempty: objects without a generation (Services)
  // show none, as in the seeds.
  if (want.observedGeneration) next.observedGeneration = want.observedGeneration;
  if (cur) conditions[i] = next;
  else conditions.push(next);
  return true;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
