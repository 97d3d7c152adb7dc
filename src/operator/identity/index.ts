// The identity allocator as an operator feature (add `identityFeature` to OPERATOR_FEATURES).

import { parseDuration } from '../../config/cilium.ts';
import type { OperatorFeature } from '../features.ts';
import { IdentityAllocator } from './controller.ts';

export { IdentityAllocator, identityRange } from './controller.ts';
export { identityLabels, isSecurityRelevant, labelStrings, labelsKey } from './labels.ts';

export const identityFeature: OperatorFeature = {
  name: 'identity-allocator',
  create: ({ store, clock, rng, config }) => {
    if ((config['identity-allocation-mode'] ?? 'crd') !== 'crd') return undefined;
    return new IdentityAllocator(store, clock, rng, {
      cluster: config['cluster-name'] ?? 'default',
      clusterId: Number(config['cluster-id'] ?? 0),
      maxConnectedClusters: Number(config['max-connected-clusters'] ?? 255),
      gcIntervalMs: parseDuration(config['identity-gc-interval'] ?? '15m') ?? 900_000,
    });
  },
};
