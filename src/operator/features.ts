// The Cilium operator's controllers, in the order they start. A feature is added by listing it here.

import type { Clock } from '../controller/clock.ts';
import type { Rng } from '../controller/rng.ts';
import type { Runnable } from '../controller/runnable.ts';
import { type CiliumConfig, configBool } from '../config/cilium.ts';
import { parseCIDR } from '../netaddr/cidr.ts';
import type { ResourceStore } from '../store/types.ts';
import { bgpOperatorFeature } from './bgp/index.ts';
import { identityFeature } from './identity/index.ts';
import { ClusterPoolAllocator } from './ipam/cluster-pool.ts';
import { lbipamFeature } from './lbipam/feature.ts';

export interface OperatorContext {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  config: CiliumConfig;
  log: (line: string) => void;
}

export interface OperatorFeature {
  readonly name: string;
  /** The feature's controller, or undefined when the configuration disables it. */
  create(ctx: OperatorContext): Runnable | undefined;
}

const clusterPoolIPAM: OperatorFeature = {
  name: 'cluster-pool-ipam',
  create: ({ store, clock, config }) => {
    if (config.ipam !== 'cluster-pool') return undefined;
    const pools: { cidr: NonNullable<ReturnType<typeof parseCIDR>>; maskSize: number }[] = [];
    if (configBool(config, 'enable-ipv4')) {
      for (const c of (config['cluster-pool-ipv4-cidr'] ?? '').split(/[ ,]+/).filter(Boolean)) {
        const cidr = parseCIDR(c);
        if (cidr) pools.push({ cidr, maskSize: Number(config['cluster-pool-ipv4-mask-size'] ?? 24) });
      }
    }
    if (configBool(config, 'enable-ipv6')) {
      for (const c of (config['cluster-pool-ipv6-cidr'] ?? '').split(/[ ,]+/).filter(Boolean)) {
        const cidr = parseCIDR(c);
        if (cidr) pools.push({ cidr, maskSize: Number(config['cluster-pool-ipv6-mask-size'] ?? 120) });
      }
    }
    return new ClusterPoolAllocator(store, clock, { pools });
  },
};

export const OPERATOR_FEATURES: readonly OperatorFeature[] = [clusterPoolIPAM, identityFeature, lbipamFeature, bgpOperatorFeature];
