// How LB-IPAM's wishes land in an object's status (a new object; the input is not touched). LB-IPAM owns a service's
// status.loadBalancer.ingress and its cilium.io/IPAMRequestSatisfied condition (other conditions
// are left alone), and the whole status of a CiliumLoadBalancerIPPool.

import type { ServiceStatus } from 'kubernetes-types/core/v1.js';
import type { Condition } from '../../k8s/object.ts';
import { SERVICE_SATISFIED } from './conditions.ts';
import type { ServiceStatusWant } from './engine.ts';

/** The service status with LB-IPAM's part replaced; `null` clears it (the service was let go). */
export function serviceStatusWith(status: ServiceStatus | undefined, want: ServiceStatusWant | null): ServiceStatus {
  const out: ServiceStatus = { ...status };
  const ingress = want?.ingress ?? [];
  const lb = { ...out.loadBalancer };
  if (ingress.length > 0) lb.ingress = ingress;
  else delete lb.ingress;
  out.loadBalancer = lb;
  // metav1.Condition (kubernetes-types) and our Condition share their fields.
  const current = (out.conditions ?? []) as Condition[];
  const mine = want?.condition;
  let conditions: Condition[];
  if (!mine) conditions = current.filter((c) => c.type !== SERVICE_SATISFIED);
  else if (current.some((c) => c.type === SERVICE_SATISFIED)) conditions = current.map((c) => (c.type === SERVICE_SATISFIED ? mine : c));
  else conditions = [...current, mine];
  if (conditions.length > 0) out.conditions = conditions as ServiceStatus['conditions'];
  else delete out.conditions;
  return out;
}
