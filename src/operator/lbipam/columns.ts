// The `kubectl get ippools` columns (the CRD's additionalPrinterColumns, spec §1.2), read from a
// pool object alone: NAME, DISABLED (.spec.disabled), CONFLICTING (status of the PoolConflict
// condition), IPS AVAILABLE (message of the IPsAvailable condition), AGE (creationTimestamp).
// Pure and dependent only on k8s types, so a printer anywhere can use it.

import type { CiliumLoadBalancerIPPool } from '../../k8s/types.ts';
import { findCondition, POOL_CONFLICT, POOL_IPS_AVAILABLE } from './conditions.ts';

export interface IPPoolColumns {
  name: string;
  /** `false`/`true`; the CRD defaults spec.disabled to false. */
  disabled: string;
  /** `False`/`True`, or empty before the operator has seen the pool. */
  conflicting: string;
  /** A decimal count, possibly beyond 2^64 for IPv6; empty before the operator has counted. */
  ipsAvailable: string;
  /** For the AGE column, which the printer renders relative to now. */
  creationTimestamp: string | undefined;
}

export function ippoolColumns(pool: CiliumLoadBalancerIPPool): IPPoolColumns {
  const conds = pool.status?.conditions;
  return {
    name: pool.metadata.name ?? '',
    disabled: String(pool.spec?.disabled === true),
    conflicting: findCondition(conds, POOL_CONFLICT)?.status ?? '',
    ipsAvailable: findCondition(conds, POOL_IPS_AVAILABLE)?.message ?? '',
    creationTimestamp: pool.metadata.creationTimestamp,
  };
}
