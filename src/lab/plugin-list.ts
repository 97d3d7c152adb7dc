// The plugins every lab runs, in order. A capability is added by listing its plugin here.

import type { LabPlugin } from './plugins.ts';
import { loadBalancerPlugin } from './plugins/loadbalancer.ts';
import { netemuPlugin } from './plugins/netemu.ts';

export const LAB_PLUGINS: readonly LabPlugin[] = [loadBalancerPlugin, netemuPlugin];
