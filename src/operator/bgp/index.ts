// The BGP control plane v2 in the operator (listed in OPERATOR_FEATURES): on when
// `enable-bgp-control-plane` is true.

import { configBool } from '../../config/cilium.ts';
import { parseCIDR } from '../../netaddr/cidr.ts';
import type { OperatorFeature } from '../features.ts';
import { BGPOperator } from './controller.ts';
import { RouterIDPool } from './routerid.ts';

export { BGPOperator } from './controller.ts';
export { deriveNodeConfigs } from './derive.ts';

export const bgpOperatorFeature: OperatorFeature = {
  name: 'bgp-control-plane',
  create: ({ store, clock, config, log }) => {
    if (!configBool(config, 'enable-bgp-control-plane')) return undefined;
    let routerIDs: RouterIDPool | undefined;
    const mode = config['bgp-router-id-allocation-mode'] || 'default';
    if (mode === 'ip-pool') {
      const pool = parseCIDR(config['bgp-router-id-allocation-ip-pool'] ?? '');
      if (!pool || pool.family !== 4) {
        // cilium-operator refuses to start with an unusable pool; the BGP part stays off here
        log(`bgp operator: bgp-router-id-allocation-mode is ip-pool but bgp-router-id-allocation-ip-pool ${JSON.stringify(config['bgp-router-id-allocation-ip-pool'] ?? '')} is not an IPv4 CIDR; BGP control plane disabled`);
        return undefined;
      }
      routerIDs = new RouterIDPool(pool);
    } else if (mode !== 'default') {
      log(`bgp operator: unknown bgp-router-id-allocation-mode ${JSON.stringify(mode)}; BGP control plane disabled`);
      return undefined;
    }
    return new BGPOperator({
      store,
      clock,
      statusReport: (config['enable-bgp-control-plane-status-report'] ?? 'true').toLowerCase() !== 'false',
      secretsNamespace: config['bgp-secrets-namespace'] || 'kube-system',
      routerIDs,
      log,
    });
  },
};
