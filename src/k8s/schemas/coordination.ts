// coordination.k8s.io/v1 Lease (k8s.io/kubernetes pkg/apis/coordination/validation).

import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { kind, nonNegative, obj, positive, str, time } from './dsl.ts';
import { objectMeta } from './meta.ts';

const leaseSpec = obj<LeaseSpec>()({
  acquireTime: time().optional(),
  holderIdentity: str().optional(),
  leaseDurationSeconds: positive().optional(),
  leaseTransitions: nonNegative().optional(),
  renewTime: time().optional(),
});

export const lease = kind<Lease>()({ metadata: objectMeta.optional(), spec: leaseSpec.optional() });
