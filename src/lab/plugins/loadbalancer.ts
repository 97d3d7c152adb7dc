// Service load balancing in the lab: one set of LB maps per node, owned by the node's datapath
// and outliving agent restarts, handed to the agents' load-balancer feature (LB_MAPS); and the
// cilium-dbg views over them for the CLI (`cilia service list`, `bpf lb list`, `map get`...).

import { LB_MAPS } from '../../agent/loadbalancer/feature.ts';
import { parseLBConfig } from '../../agent/loadbalancer/config.ts';
import {
  type BpfLbListMode,
  formatBpfLbList,
  formatKubeProxyReplacementDetails,
  formatMapGet,
  formatServiceList,
  formatSockNatList,
  type KprDevice,
  lbMapEntries,
} from '../../agent/loadbalancer/views.ts';
import { LBMaps } from '../../datapath/maps/lb.ts';
import { StoreError } from '../../store/types.ts';
import type { LabPlugin } from '../plugins.ts';
import type { Lab } from '../runtime.ts';
import { nodeInternalIP } from '../topology.ts';

const mapsByLab = new WeakMap<Lab, Map<string, LBMaps>>();

/** The node's LB maps (created on first use). */
export function lbMapsOf(lab: Lab, node: string): LBMaps {
  let byNode = mapsByLab.get(lab);
  if (!byNode) mapsByLab.set(lab, (byNode = new Map()));
  let maps = byNode.get(node);
  if (!maps) byNode.set(node, (maps = new LBMaps()));
  return maps;
}

/** `node` parameter of a view, defaulting to the first node as `kubectl exec ds/cilium` would. */
export function viewNode(lab: Lab, params: Record<string, string>): string {
  const node = params.node ?? lab.topology.nodes[0]!.name;
  if (!lab.topology.nodes.some((n) => n.name === node)) throw new StoreError('NotFound', `nodes "${node}" not found`);
  return node;
}

/** Devices for the KubeProxyReplacement block, from the topology; the direct-routing one carries the node IP. */
function topologyDevices(lab: Lab, node: string): KprDevice[] {
  const n = lab.topology.nodes.find((x) => x.name === node)!;
  const internalIP = nodeInternalIP(n);
  return n.interfaces
    .filter((i) => i.type === 'ethernet')
    .map((i) => ({ name: i.name, addresses: i.addresses.map((a) => a.split('/')[0]!), directRouting: i.addresses.some((a) => a.split('/')[0] === internalIP) }));
}

const BPF_LB_MODES: Record<string, BpfLbListMode> = {
  '': 'services',
  revnat: 'revnat',
  frontends: 'frontends',
  backends: 'backends',
  'source-ranges': 'source-ranges',
};

export const loadBalancerPlugin: LabPlugin = {
  name: 'loadbalancer',
  setup(lab) {
    lab.services.set(LB_MAPS, (node) => lbMapsOf(lab, node));
    const views = lab.api.views;
    views.set('lb/service-list', (p) => formatServiceList(lbMapsOf(lab, viewNode(lab, p)), { clustermeshAffinity: p.clustermeshAffinity === 'true' }));
    views.set('lb/bpf-lb-list', (p) => {
      const mode = BPF_LB_MODES[p.mode ?? ''];
      if (!mode) throw new StoreError('BadRequest', `unknown bpf lb list mode "${p.mode}"`);
      return formatBpfLbList(lbMapsOf(lab, viewNode(lab, p)), mode);
    });
    views.set('lb/map-get', (p) => {
      const entries = lbMapEntries(lbMapsOf(lab, viewNode(lab, p)), p.map ?? '');
      if (!entries) throw new StoreError('NotFound', `map ${p.map} not found`);
      return formatMapGet(entries);
    });
    views.set('lb/socknat-list', (p) => formatSockNatList(lbMapsOf(lab, viewNode(lab, p))));
    views.set('lb/kpr-details', (p) => {
      const node = viewNode(lab, p);
      const parsed = parseLBConfig(lab.ciliumConfig);
      if ('errors' in parsed) throw new StoreError('Invalid', parsed.errors.map((e) => e.message).join('; '));
      return formatKubeProxyReplacementDetails(parsed.config, topologyDevices(lab, node));
    });
  },
};
