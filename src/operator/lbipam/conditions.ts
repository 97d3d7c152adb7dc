// Condition types, reasons and messages LB-IPAM writes (cilium operator/pkg/lbipam/lbipam.go), and
// an in-place form of meta.SetStatusCondition.

import { setCondition as setMetaCondition } from '../../k8s/meta.ts';
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
 * Sets `want` in `conditions` in place (meta.SetStatusCondition through k8s/meta.ts) and reports
 * whether anything changed. Reason and message are always written, as metav1.Condition requires.
 */
export function setCondition(conditions: Condition[], want: ConditionInput, now: () => string): boolean {
  // metav1.Condition's observedGeneration is omitempty: objects without a generation (Services) show none
  const { observedGeneration, ...rest } = want;
  const cond = { ...rest, reason: want.reason ?? '', message: want.message ?? '', ...(observedGeneration ? { observedGeneration } : {}) };
  const next = setMetaCondition(conditions, cond, now());
  if (next === conditions) return false;
  conditions.splice(0, conditions.length, ...next);
  return true;
}
