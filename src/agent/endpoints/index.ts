// The endpoints feature of the agent (add `endpointsFeature` to AGENT_FEATURES). It needs the
// lab's NETEMU_SERVICE; without the emulated network (agents running on real machines) it is off.

import type { AgentFeature } from '../agent.ts';
import { EndpointsController } from './controller.ts';
import { NETEMU_SERVICE } from './services.ts';

export { EndpointsController, containerEnv } from './controller.ts';
export { NETEMU_SERVICE, type NetemuService, type PodRef } from './services.ts';

export const endpointsFeature: AgentFeature = {
  name: 'endpoints',
  create: (ctx) => {
    const svc = ctx.services.get(NETEMU_SERVICE);
    const host = svc?.nodeHost(ctx.nodeName);
    if (!svc || !host) return undefined;
    return new EndpointsController(ctx, svc, host);
  },
};
