// Service load balancing in the lab: one set of LB maps per node, owned by the node's datapath
// and outliving agent restarts, handed to the agents' load-balancer feature (LB_MAPS); and the
// cilium-dbg views over them and the node's conntrack/NAT/ipcache maps for the CLI (`cilia
// service list`, `bpf lb list`, `bpf ct list global`, `bpf nat list`, `map list`, `map get`...)
// and for `cilium-dbg` inside the nodes (src/lab/plugins/lb-datapath.ts).

import { LB_MAPS } from '../../agent/loadbalancer/feature.ts';
import { type LBConfig, parseLBConfig } from '../../agent/loadbalancer/config.ts';
import {
  type BpfLbListMode,
  formatBpfLbList,
  formatCtEntry,
  formatKprDevices,
  formatKubeProxyReplacementDetails,
  formatMapGet,
  formatMapList,
  formatNatEntry,
  formatServiceList,
  formatSockNatList,
  ipcacheValueString,
  type KprDevice,
  lbMapEntries,
  lbMapListRows,
  type MapCacheEntry,
  type MapListRow,
} from '../../agent/loadbalancer/views.ts';
import { IPCACHE_FLAG_HAS_TUNNEL, IPCACHE_MAP_NAME, formatIPCachePrefix } from '../../datapath/maps/ipcache.ts';
import { LB_MAP_NAMES, LBMaps } from '../../datapath/maps/lb.ts';
import { formatAddrKey } from '../../datapath/maps/lbaddr.ts';
import { LXC_MAP_NAME } from '../../datapath/maps/endpoints.ts';
import type { NodeMaps } from '../../datapath/maps/node.ts';
import { CiliumDatapath } from '../../netemu/cilium/datapath.ts';
import { StoreError } from '../../store/types.ts';
import type { LabPlugin } from '../plugins.ts';
import type { Lab } from '../runtime.ts';
import { nodeInternalIP } from '../topology.ts';
import { labNetwork } from './netemu.ts';

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

/** The node's datapath (conntrack, NAT, ipcache, endpoints), when the lab's network has one. */
function datapathOf(lab: Lab, node: string): CiliumDatapath | undefined {
  const host = labNetwork(lab).net.host(node);
  return host ? CiliumDatapath.existing(host) : undefined;
}

/**
 * The KubeProxyReplacement devices: the node's native devices with their addresses (IPv6
 * link-local included) once its datapath runs, else the topology's; the direct-routing one
 * carries the node IP.
 */
function kprDevices(lab: Lab, node: string): KprDevice[] {
  const n = lab.topology.nodes.find((x) => x.name === node)!;
  const internalIP = nodeInternalIP(n);
  const dp = datapathOf(lab, node);
  if (dp?.cfg) {
    return dp.nativeDevices().map((d) => {
      const addresses = [...d.v4Addrs(), ...d.v6Addrs()].map((a) => formatAddrKey(a.addr));
      return { name: d.name, addresses, directRouting: addresses.includes(internalIP) };
    });
  }
  return n.interfaces
    .filter((i) => i.type === 'ethernet')
    .map((i) => ({ name: i.name, addresses: i.addresses.map((a) => a.split('/')[0]!), directRouting: i.addresses.some((a) => a.split('/')[0] === internalIP) }));
}

/** The LB configuration the agents run with; an invalid one is the error cilium-agent would stop on. */
function lbConfig(lab: Lab): LBConfig {
  const parsed = parseLBConfig(lab.ciliumConfig);
  if ('errors' in parsed) throw new StoreError('Invalid', parsed.errors.map((e) => e.message).join('; '));
  return parsed.config;
}

/**
 * `cilium-dbg status [--verbose]`: the agent's summary lines this lab models (label column of 25),
 * and with --verbose the KubeProxyReplacement details.
 */
function formatAgentStatus(lab: Lab, node: string, verbose: boolean): string {
  const cfg = lbConfig(lab);
  const c = lab.ciliumConfig;
  const devices = kprDevices(lab, node);
  const k8s = lab.topology.kubernetes.version;
  const row = (label: string, value: string) => `${label.padEnd(25)}${value}\n`;
  let t = row('KVStore:', 'Disabled');
  t += row('Kubernetes:', `Ok         ${k8s.replace(/^v(\d+\.\d+).*$/, '$1')} (${k8s}) [linux/amd64]`);
  t += row('KubeProxyReplacement:', `${cfg.kubeProxyReplacement ? 'True' : 'False'}   [${formatKprDevices(devices)}]`);
  t += row('Cilium:', `Ok   ${lab.topology.cilium.version}`);
  t += row('Routing:', `Network: ${cfg.routingMode === 'tunnel' ? `Tunnel [${cfg.tunnelProtocol}]` : 'Native'}   Host: BPF`);
  const masq = (c['enable-ipv4-masquerade'] ?? 'true') === 'true';
  const cidr = c['ipv4-native-routing-cidr'] ?? c['cluster-pool-ipv4-cidr'] ?? '';
  t += row('Masquerading:', masq ? `BPF   [${devices.map((d) => d.name).join(', ')}]   ${cidr} [IPv4: Enabled, IPv6: Disabled]` : 'Disabled');
  if (verbose) t += formatKubeProxyReplacementDetails(cfg, devices);
  return t;
}

/** `bpf ct list global`: cilium_ct4_global and cilium_ct_any4_global, then IPv6, remaining lifetimes at the node's clock. */
function formatCtList(dp: CiliumDatapath | undefined): string {
  if (!dp) return '';
  const now = dp.monoNow();
  return dp.maps.ct
    .all()
    .flatMap((m) => m.entries())
    .map((e) => formatCtEntry(e, now))
    .join('');
}

function formatNatList(dp: CiliumDatapath | undefined): string {
  if (!dp) return '';
  const now = dp.monoNow();
  return [...dp.maps.nat4.entries(), ...dp.maps.nat6.entries()].map((e) => formatNatEntry(e, now)).join('');
}

/** The agent-cached maps `map list` shows: LB maps, the ipcache and the endpoint map (conntrack and NAT have no cache). */
function mapListRows(lb: LBMaps, maps: NodeMaps | undefined, ipv6: boolean): MapListRow[] {
  const rows = lbMapListRows(lb, ipv6);
  const at = (name: string) => rows.findIndex((r) => r.name === name);
  const node = (name: string, entries: number): MapListRow => ({ name, entries, errors: 0, cacheEnabled: true });
  rows.splice(at(LB_MAP_NAMES.backends4) + 1, 0, node(IPCACHE_MAP_NAME, maps?.ipcache.size ?? 0));
  rows.splice(at(LB_MAP_NAMES.revNat4) + 1, 0, node(LXC_MAP_NAME, maps?.lxc.size ?? 0));
  return rows;
}

/** `map get cilium_ipcache_v2`: the agent's cache of the ipcache, every entry in sync. */
function ipcacheEntries(maps: NodeMaps): MapCacheEntry[] {
  return maps.ipcache.entries().map(({ prefix, entry }) => ({
    key: formatIPCachePrefix(prefix),
    value: ipcacheValueString({
      identity: entry.identity,
      encryptKey: entry.encryptKey,
      tunnelEndpoint: formatAddrKey(entry.tunnelEndpoint),
      flags: entry.flags & IPCACHE_FLAG_HAS_TUNNEL ? ['hastunnel'] : [],
    }),
    state: 'sync',
  }));
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
      const node = viewNode(lab, p);
      const dp = datapathOf(lab, node);
      const entries = p.map === IPCACHE_MAP_NAME && dp ? ipcacheEntries(dp.maps) : lbMapEntries(lbMapsOf(lab, node), p.map ?? '');
      if (!entries) throw new StoreError('NotFound', `map ${p.map} not found`);
      return formatMapGet(entries);
    });
    views.set('lb/map-list', (p) => {
      const node = viewNode(lab, p);
      return formatMapList(mapListRows(lbMapsOf(lab, node), datapathOf(lab, node)?.maps, lbConfig(lab).enableIPv6));
    });
    views.set('lb/ct-list', (p) => formatCtList(datapathOf(lab, viewNode(lab, p))));
    views.set('lb/nat-list', (p) => formatNatList(datapathOf(lab, viewNode(lab, p))));
    views.set('lb/socknat-list', (p) => formatSockNatList(lbMapsOf(lab, viewNode(lab, p))));
    views.set('lb/kpr-details', (p) => formatKubeProxyReplacementDetails(lbConfig(lab), kprDevices(lab, viewNode(lab, p))));
    views.set('lb/agent-status', (p) => formatAgentStatus(lab, viewNode(lab, p), p.verbose === 'true'));
  },
};
