// LB-IPAM as an operator feature: always on in Cilium 1.18 (it stays dormant until the first
// CiliumLoadBalancerIPPool), configured from cilium-config.

import type { OperatorFeature } from '../features.ts';
import { LBIPAMController } from './controller.ts';
import { lbipamOptionsFromConfig } from './service.ts';

export const lbipamFeature: OperatorFeature = {
  name: 'lbipam',
  create: ({ store, clock, config, log }) =>
    new LBIPAMController(store, {
      clock,
      config: lbipamOptionsFromConfig(config),
      log: (level, message) => log(`level=${level} msg=${JSON.stringify(message)} subsys=lbipam`),
    }),
};
