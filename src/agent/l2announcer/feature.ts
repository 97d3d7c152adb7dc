// The L2 announcements feature of a node's agent (add `l2AnnouncerFeature` to AGENT_FEATURES).
// With `enable-l2-announcements` off it only collects leftover leases once, as Cilium does.

import type { AgentFeature } from '../agent.ts';
import { L2Announcer } from './announcer.ts';
import { API_REACHABLE, L2_DATAPATH } from './datapath.ts';

export const l2AnnouncerFeature: AgentFeature = {
  name: 'l2-announcer',
  create(ctx) {
    const reachable = ctx.services.get(API_REACHABLE);
    return new L2Announcer({
      store: ctx.store,
      clock: ctx.clock,
      rng: ctx.rng,
      nodeName: ctx.nodeName,
      config: ctx.config,
      datapath: ctx.services.get(L2_DATAPATH)?.(ctx.nodeName),
      apiReachable: reachable ? () => reachable(ctx.nodeName) : undefined,
      log: ctx.log,
    });
  },
};
