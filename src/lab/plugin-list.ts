// The plugins every lab runs, in order. A capability is added by listing its plugin here.

import type { LabPlugin } from './plugins.ts';
import { bgpPlugin } from './plugins/bgp.ts';
import { lbDatapathPlugin } from './plugins/lb-datapath.ts';
import { loadBalancerPlugin } from './plugins/loadbalancer.ts';
import { netemuPlugin } from './plugins/netemu.ts';
import { l2AnnouncementsPlugin } from './plugins/l2.ts';

export const LAB_PLUGINS: readonly LabPlugin[] = [loadBalancerPlugin, netemuPlugin, lbDatapathPlugin, l2AnnouncementsPlugin, bgpPlugin];
