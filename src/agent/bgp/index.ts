// The BGP control plane of the agent (listed in AGENT_FEATURES): on when `enable-bgp-control-plane`
// is true. Sessions run over the transport the runtime offers under BGP_TRANSPORT (the node's
// sockets in the emulated network, or real TCP for an agent on a real machine).

import type { Transport } from '../../bgp/transport.ts';
import { configBool } from '../../config/cilium.ts';
import { type AgentFeature, type ServiceKey, serviceKey } from '../agent.ts';
import { BGPManager } from './manager.ts';

export { BGPManager } from './manager.ts';
export type { BGPInstance } from './instance.ts';

/** The transport BGP sessions of a node use. */
export const BGP_TRANSPORT: ServiceKey<(nodeName: string) => Transport | undefined> = serviceKey('bgp/transport');

/** A node's default gateway of a family, from its routing table (autoDiscovery: DefaultGateway). */
export const BGP_DEFAULT_GATEWAY: ServiceKey<(nodeName: string, family: 4 | 6) => string | undefined> = serviceKey('bgp/default-gateway');

export const bgpFeature: AgentFeature = {
  name: 'bgp-control-plane',
  create(ctx) {
    if (!configBool(ctx.config, 'enable-bgp-control-plane')) return undefined;
    const transport = ctx.services.get(BGP_TRANSPORT)?.(ctx.nodeName);
    if (!transport) {
      ctx.log('bgp: no network transport for BGP sessions on this node; BGP control plane not started');
      return undefined;
    }
    const mode = ctx.config['bgp-router-id-allocation-mode'] || 'default';
    if (mode !== 'default' && mode !== 'ip-pool') {
      ctx.log(`bgp: unknown bgp-router-id-allocation-mode ${JSON.stringify(mode)}; BGP control plane not started`);
      return undefined;
    }
    return new BGPManager({
      store: ctx.store,
      clock: ctx.clock,
      rng: ctx.rng.fork('bgp'),
      nodeName: ctx.nodeName,
      transport,
      statusReport: (ctx.config['enable-bgp-control-plane-status-report'] ?? 'true').toLowerCase() !== 'false',
      secretsNamespace: ctx.config['bgp-secrets-namespace'] || 'kube-system',
      routerIdMode: mode,
      defaultGateway: (family) => ctx.services.get(BGP_DEFAULT_GATEWAY)?.(ctx.nodeName, family),
      log: ctx.log,
    });
  },
};
