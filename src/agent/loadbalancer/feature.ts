// The load-balancing feature of a node's Cilium agent (kube-proxy replacement). The node's LB
// maps belong to its datapath and outlive the agent: the runtime hands them out through
// LB_MAPS, so a restarted agent restores its service and backend IDs from them.

import { type AgentFeature, serviceKey } from '../agent.ts';
import { LBMaps } from '../../datapath/maps/lb.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { parseLBConfig } from './config.ts';
import { LoadBalancerController } from './controller.ts';

/** The node's LB maps (created once per node by the runtime and shared with its datapath hook). */
export const LB_MAPS = serviceKey<(nodeName: string) => LBMaps>('datapath/lb-maps');

/** The node's NodePort addresses (its devices' non-link-local addresses), when the network knows them. */
export const NODEPORT_ADDRESSES = serviceKey<(nodeName: string) => readonly AddrKey[]>('netemu/nodeport-addresses');

export const loadBalancerFeature: AgentFeature = {
  name: 'loadbalancer',
  create(ctx) {
    // An invalid configuration keeps the agent's load balancer from starting, as it keeps
    // cilium-agent from starting; the maps already loaded go on serving.
    const parsed = parseLBConfig(ctx.config);
    if ('errors' in parsed) {
      for (const e of parsed.errors) ctx.log(`${ctx.nodeName}: cilium-agent: ${e.message}`);
      return undefined;
    }
    let maps = ctx.services.get(LB_MAPS)?.(ctx.nodeName);
    if (!maps) {
      ctx.log(`${ctx.nodeName}: no datapath LB maps registered; load-balancing IDs will not survive an agent restart`);
      maps = new LBMaps();
    }
    return new LoadBalancerController({
      store: ctx.store,
      nodeName: ctx.nodeName,
      maps,
      clock: ctx.clock,
      config: ctx.config,
      nodeAddresses: ctx.services.get(NODEPORT_ADDRESSES)?.(ctx.nodeName),
      log: ctx.log,
    });
  },
};
