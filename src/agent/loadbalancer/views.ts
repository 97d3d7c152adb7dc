// The load-balancing views of cilium-dbg as pure functions over the maps: `service list`,
// `bpf lb list`, `map list`, `map get <lb map>`, `bpf socknat list`, `bpf ct list` / `bpf nat list`
// lines for LB flows, and the `KubeProxyReplacement Details` block of `status --verbose`.
// Layouts follow cilium-dbg/cmd (tabwriter(minwidth 5, padding 3) unless noted).

import {
  BACKEND_ACTIVE,
  BACKEND_MAINTENANCE,
  BACKEND_QUARANTINED,
  BACKEND_TERMINATING,
  LB_MAP_NAMES,
  type LBMaps,
  SVC_FLAG_EXT_LOCAL_SCOPE,
  SVC_FLAG_EXTERNAL_IPS,
  SVC_FLAG_FWD_MODE_DSR,
  SVC_FLAG_HOSTPORT,
  SVC_FLAG_INT_LOCAL_SCOPE,
  SVC_FLAG_L7_LOADBALANCER,
  SVC_FLAG_LOADBALANCER,
  SVC_FLAG_LOCAL_REDIRECT,
  SVC_FLAG_LOOPBACK,
  SVC_FLAG_NAT_46X64,
  SVC_FLAG_NODEPORT,
  SVC_FLAG_QUARANTINED,
  SVC_FLAG_ROUTABLE,
  SVC_FLAG_SESSION_AFFINITY,
  SVC_FLAG_SOURCE_RANGE,
  SVC_FLAG_SOURCE_RANGE_DENY,
  SVC_FLAG_TWO_SCOPES,
  type ServiceEntry,
  type ServiceKey,
  type ServiceValue,
  type SvcType,
  lbMapCounts,
} from '../../datapath/maps/lb.ts';
import { formatAddrKey, formatL3n4, isUnspecified, joinHostPort, protoName } from '../../datapath/maps/lbaddr.ts';
import { CT_FLAG_NAMES, type LBCtEntry, type LBNatEntry, type LBTuple } from '../../datapath/maps/lbct.ts';
import type { LBConfig } from './config.ts';
import { tabwrite } from '../../text/tabwriter.ts';

const TABLE = { minWidth: 5, padding: 3 };

/** ServiceFlags.SVCType(). */
export function svcTypeOfFlags(flags: number): SvcType {
  if (flags & SVC_FLAG_EXTERNAL_IPS) return 'ExternalIPs';
  if (flags & SVC_FLAG_NODEPORT) return 'NodePort';
  if (flags & SVC_FLAG_LOADBALANCER) return 'LoadBalancer';
  if (flags & SVC_FLAG_HOSTPORT) return 'HostPort';
  if (flags & SVC_FLAG_LOCAL_REDIRECT) return 'LocalRedirect';
  return 'ClusterIP';
}

/** ServiceFlags.String(), e.g. `ClusterIP, non-routable`, `NodePort, Local, two-scopes, dsr`. */
export function serviceFlagsString(flags: number): string {
  const out: string[] = [svcTypeOfFlags(flags)];
  let seenDeny = false;
  if (flags & SVC_FLAG_EXT_LOCAL_SCOPE) out.push('Local');
  if (flags & SVC_FLAG_INT_LOCAL_SCOPE) out.push('InternalLocal');
  if (flags & SVC_FLAG_TWO_SCOPES) out.push('two-scopes');
  if (flags & SVC_FLAG_SESSION_AFFINITY) out.push('sessionAffinity');
  if (!(flags & SVC_FLAG_ROUTABLE)) out.push('non-routable');
  if (flags & SVC_FLAG_SOURCE_RANGE) {
    out.push('check source-range');
    if (flags & SVC_FLAG_SOURCE_RANGE_DENY) {
      seenDeny = true;
      out.push('deny');
    }
  }
  if (flags & SVC_FLAG_NAT_46X64) out.push('46x64');
  if (flags & SVC_FLAG_L7_LOADBALANCER) out.push('l7-load-balancer');
  if (flags & SVC_FLAG_LOOPBACK) out.push(svcTypeOfFlags(flags) === 'HostPort' ? 'loopback' : 'delegate-if-local');
  if (!seenDeny && flags & SVC_FLAG_QUARANTINED) out.push('quarantined');
  if (flags & SVC_FLAG_FWD_MODE_DSR) out.push('dsr');
  return out.join(', ');
}

export function backendStateName(state: number): string {
  switch (state) {
    case BACKEND_ACTIVE:
      return 'active';
    case BACKEND_TERMINATING:
      return 'terminating';
    case BACKEND_QUARANTINED:
      return 'quarantined';
    case BACKEND_MAINTENANCE:
      return 'maintenance';
    default:
      return 'invalid';
  }
}

/** Service4Key.String(): `10.96.48.145:80/TCP (2)`; Service6Key: `[fd00::1]:80/TCP (0)`. */
export function serviceKeyString(k: ServiceKey, slot: number): string {
  return `${formatL3n4(k.addr, k.port, k.proto, k.scope)} (${slot})`;
}

/** Service4Value.String(): `backend count[qcount] (revnat) [0xflags 0xflags2]`. */
export function serviceValueString(v: ServiceValue): string {
  return `${v.backendId} ${v.count}[${v.qcount}] (${v.revNat}) [0x${(v.flags & 0xff).toString(16)} 0x${((v.flags >>> 8) & 0xff).toString(16)}]`;
}

function allServiceEntries(maps: LBMaps): ServiceEntry[] {
  return [...maps.services4.entries(), ...maps.services6.entries()];
}

/**
 * A per-node-address NodePort/HostPort entry (1.18 lists only the 0.0.0.0 surrogate): a routable
 * entry of that type whose surrogate exists.
 */
function isExpansionEntry(maps: LBMaps, e: ServiceEntry): boolean {
  const t = svcTypeOfFlags(e.values[0]!.flags);
  if ((t !== 'NodePort' && t !== 'HostPort') || isUnspecified(e.key.addr)) return false;
  const surrogate = maps.lookupService(typeof e.key.addr === 'number' ? 0 : 0n, e.key.port, e.key.proto, e.key.scope);
  return surrogate !== undefined && svcTypeOfFlags(surrogate.values[0]!.flags) === t;
}

/** `cilium-dbg service list [--clustermesh-affinity]` (1.18). */
export function formatServiceList(maps: LBMaps, opts: { clustermeshAffinity?: boolean } = {}): string {
  const rows = allServiceEntries(maps)
    .filter((e) => !isExpansionEntry(maps, e))
    .map((e) => ({ id: e.values[0]!.revNat, e }))
    .sort((a, b) => a.id - b.id);
  let text = 'ID\tFrontend\tService Type\tBackend\t\n';
  for (const { id, e } of rows) {
    const master = e.values[0]!;
    const backends: string[] = [];
    for (let slot = 1; slot < e.values.length; slot++) {
      const v = e.values[slot]!;
      const be = maps.lookupBackend(v.backendId);
      if (!be) continue;
      const state = v.flags & SVC_FLAG_QUARANTINED ? 'quarantined' : backendStateName(be.state);
      const preferred = opts.clustermeshAffinity ? ' (preferred)' : '';
      backends.push(`${backends.length + 1} => ${formatL3n4(be.addr, be.port, be.proto, 0)} (${state})${preferred}`);
    }
    const fe = formatL3n4(e.key.addr, e.key.port, e.key.proto, e.key.scope);
    const type = svcTypeOfFlags(master.flags);
    text += `${id}\t${fe}\t${type}\t${backends[0] ?? ''}\t\n`;
    for (const b of backends.slice(1)) text += `\t\t\t${b}\t\n`;
  }
  return tabwrite(text, TABLE);
}

/** cilium-dbg TablePrinter: a two-column table of keys with one or more values each. */
function tablePrinter(first: string, second: string, data: Map<string, string[]>): string {
  let text = `${first}\t${second}\t\n`;
  for (const [key, values] of data) {
    values.forEach((v, i) => {
      text += `${i === 0 ? key : ''}\t${v}\t\n`;
    });
  }
  return tabwrite(text, TABLE);
}

function push(data: Map<string, string[]>, key: string, value: string): void {
  const l = data.get(key);
  if (l) l.push(value);
  else data.set(key, [value]);
}

export type BpfLbListMode = 'services' | 'revnat' | 'frontends' | 'backends' | 'source-ranges';

/** `cilium-dbg bpf lb list [--revnat|--frontends|--backends|--source-ranges]`. */
export function formatBpfLbList(maps: LBMaps, mode: BpfLbListMode = 'services'): string {
  const data = new Map<string, string[]>();
  switch (mode) {
    case 'revnat':
      for (const fam of [4, 6] as const) for (const [id, v] of maps.revNatOf(fam)) push(data, String(id), joinHostPort(v.addr, v.port));
      return tablePrinter('ID', 'BACKEND ADDRESS (REVNAT_ID) (SLOT)', data);
    case 'frontends':
      for (const e of allServiceEntries(maps)) {
        for (const [slot, v] of e.values.entries()) push(data, serviceKeyString(e.key, slot), serviceValueString(v));
      }
      return tablePrinter('SERVICE ADDRESS', 'BACKEND ID', data);
    case 'backends':
      for (const fam of [4, 6] as const) for (const [id, be] of maps.backendsOf(fam)) push(data, String(id), `${protoName(be.proto)}://${formatAddrKey(be.addr)}`);
      return tablePrinter('ID', 'BACKEND ADDRESS (REVNAT_ID) (SLOT)', data);
    case 'source-ranges':
      for (const fam of [4, 6] as const) {
        for (const [id, ranges] of maps.sourceRangesOf(fam)) for (const r of ranges) push(data, `${formatAddrKey(r.addr)}/${r.prefixLen} (${id})`, '');
      }
      return tablePrinter('SOURCE RANGE (REVNAT_ID)', '', data);
    case 'services':
      for (const e of allServiceEntries(maps)) {
        e.values.forEach((v, slot) => {
          const key = serviceKeyString(e.key, slot);
          if (slot === 0) {
            const ip = typeof e.key.addr === 'number' ? '0.0.0.0' : '[::]';
            push(data, key, `${ip}:0 (${v.revNat}) (0) [${serviceFlagsString(v.flags)}] `);
            return;
          }
          const be = maps.lookupBackend(v.backendId);
          push(data, key, be ? `${formatL3n4(be.addr, be.port, be.proto, 0)} (${v.revNat}) (${slot})` : `backend ${v.backendId} not found`);
        });
      }
      return tablePrinter('SERVICE ADDRESS', 'BACKEND ADDRESS (REVNAT_ID) (SLOT)', data);
  }
}

export interface MapCacheEntry {
  key: string;
  value: string;
  /** Desired action of the agent's cache (`sync` for ipcache); empty for the LB maps. */
  state?: string;
  error?: string;
}

/** `cilium-dbg map get <name>` over a map's cache entries. */
export function formatMapGet(entries: readonly MapCacheEntry[]): string {
  if (entries.length === 0) return 'Cache is empty\n\n';
  let text = 'Key\tValue\tState\tError\n';
  for (const e of entries) text += `${e.key}\t${e.value}\t${e.state ?? ''}\t${e.error ?? ''}\n`;
  return tabwrite(text, TABLE);
}

/** The cache entries of an LB map by its Cilium name; undefined for maps that are not LB maps. */
export function lbMapEntries(maps: LBMaps, name: string): MapCacheEntry[] | undefined {
  const out: MapCacheEntry[] = [];
  switch (name) {
    case LB_MAP_NAMES.services4:
    case LB_MAP_NAMES.services6:
      for (const e of maps.servicesOf(name === LB_MAP_NAMES.services4 ? 4 : 6).entries()) {
        for (const [slot, v] of e.values.entries()) out.push({ key: serviceKeyString(e.key, slot), value: serviceValueString(v) });
      }
      return out;
    case LB_MAP_NAMES.backends4:
    case LB_MAP_NAMES.backends6:
      for (const [id, be] of maps.backendsOf(name === LB_MAP_NAMES.backends4 ? 4 : 6)) {
        out.push({ key: String(id), value: `${protoName(be.proto)}://${formatAddrKey(be.addr)}` });
      }
      return out;
    case LB_MAP_NAMES.revNat4:
    case LB_MAP_NAMES.revNat6:
      for (const [id, v] of maps.revNatOf(name === LB_MAP_NAMES.revNat4 ? 4 : 6)) out.push({ key: String(id), value: joinHostPort(v.addr, v.port) });
      return out;
    case LB_MAP_NAMES.affinityMatch:
      for (const k of maps.affinityMatch) out.push({ key: k.replace('|', ' '), value: '' });
      return out;
    default:
      return undefined;
  }
}

export interface MapListRow {
  name: string;
  entries: number;
  errors: number;
  cacheEnabled: boolean;
}

/** `cilium-dbg map list`. */
export function formatMapList(rows: readonly MapListRow[]): string {
  let text = 'Name\tNum entries\tNum errors\tCache enabled\n';
  for (const r of rows) text += `${r.name}\t${r.entries}\t${r.errors}\t${r.cacheEnabled}\n`;
  return tabwrite(text, TABLE);
}

/** The LB maps' rows for `map list` (IPv6 maps only when IPv6 is enabled). */
export function lbMapListRows(maps: LBMaps, ipv6: boolean): MapListRow[] {
  return lbMapCounts(maps)
    .filter((c) => ipv6 || !c.name.startsWith('cilium_lb6_'))
    .map((c) => ({ name: c.name, entries: c.entries, errors: 0, cacheEnabled: true }));
}

export interface IpcacheValue {
  identity: number;
  encryptKey: number;
  /** Tunnel endpoint address text (`0.0.0.0` when none). */
  tunnelEndpoint: string;
  flags: readonly string[];
}

/** RemoteEndpointInfo.String() of cilium_ipcache_v2: `identity=2 encryptkey=0 tunnelendpoint=... flags=hastunnel`. */
export function ipcacheValueString(v: IpcacheValue): string {
  return `identity=${v.identity} encryptkey=${v.encryptKey} tunnelendpoint=${v.tunnelEndpoint} flags=${v.flags.length ? v.flags.join(',') : '<none>'}`;
}

/** The int16 the Go struct field holds when a network-order u16 is read on little-endian: socknat prints that. */
function leInt16(n: number): number {
  const swapped = ((n & 0xff) << 8) | ((n >>> 8) & 0xff);
  return swapped >= 0x8000 ? swapped - 0x10000 : swapped;
}

function leUint16(n: number): number {
  return ((n & 0xff) << 8) | ((n >>> 8) & 0xff);
}

/**
 * `cilium-dbg bpf socknat list`. Cilium prints the raw network-order fields: ports as int16 and the
 * rev-NAT index byte-swapped (10.96.0.1:443 shows as `10.96.0.1:-17663`).
 */
export function formatSockNatList(maps: LBMaps): string {
  const data = new Map<string, string[]>();
  for (const fam of [4, 6] as const) {
    for (const e of maps.sockRevNatOf(fam).values()) {
      const l = fam === 4 ? formatAddrKey(e.backendAddr) : `[${formatAddrKey(e.backendAddr)}]`;
      const r = fam === 4 ? formatAddrKey(e.frontendAddr) : `[${formatAddrKey(e.frontendAddr)}]`;
      push(data, String(e.cookie), `${l}:${leInt16(e.backendPort)} -> ${r}:${leInt16(e.frontendPort)} (revnat=${leUint16(e.revNat)})`);
    }
  }
  return tablePrinter('Socket Cookie', 'Backend -> Frontend', data);
}

function tupleText(t: LBTuple): [string, string] {
  const a = typeof t.src === 'number' ? formatAddrKey(t.src) : `[${formatAddrKey(t.src)}]`;
  const b = typeof t.dst === 'number' ? formatAddrKey(t.dst) : `[${formatAddrKey(t.dst)}]`;
  return [`${a}:${t.sport}`, `${b}:${t.dport}`];
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** One line of `cilium-dbg bpf ct list global` (CtKey.Dump + CtEntry.StringWithTimeDiff). */
export function formatCtEntry(e: LBCtEntry, nowSec: number): string {
  const [a, b] = tupleText(e.tuple);
  let flags = `Flags=0x${(e.flags & 0xffff).toString(16).padStart(4, '0')} [ `;
  for (const [bit, name] of CT_FLAG_NAMES) if (e.flags & bit) flags += `${name} `;
  flags += ']';
  return (
    `${protoName(e.tuple.proto)} ${e.dir} ${a} -> ${b} ` +
    `expires=${e.expires} (remaining: ${e.expires - nowSec} sec(s)) Packets=${e.packets} Bytes=${e.bytes} ` +
    `RxFlagsSeen=0x${hex2(e.rxFlagsSeen)} LastRxReport=${e.lastRxReport} TxFlagsSeen=0x${hex2(e.txFlagsSeen)} LastTxReport=${e.lastTxReport} ` +
    `${flags} RevNAT=${e.revNat} SourceSecurityID=${e.sourceSecurityId} BackendID=${e.backendId} NatPort=${e.natPort} \n`
  );
}

/** One line of `cilium-dbg bpf nat list` (NatKey.Dump + NatEntry.Dump). */
export function formatNatEntry(e: LBNatEntry, nowSec: number): string {
  const [a, b] = tupleText(e.tuple);
  const to = typeof e.addr === 'number' ? formatAddrKey(e.addr) : `[${formatAddrKey(e.addr)}]`;
  return `${protoName(e.tuple.proto)} ${e.dir} ${a} -> ${b} XLATE_${e.dir === 'IN' ? 'DST' : 'SRC'} ${to}:${e.port} Created=${nowSec - e.created}sec ago NeedsCT=${e.needsCT ? 1 : 0}\n`;
}

export interface KprDevice {
  name: string;
  addresses: readonly string[];
  directRouting: boolean;
}

/** The devices as `cilium-dbg status` lists them: `eth0   10.0.2.15 fe80::..., eth1   ... (Direct Routing)`. */
export function formatKprDevices(devices: readonly KprDevice[]): string {
  return devices.map((d) => `${d.name}   ${d.addresses.join(' ')}${d.directRouting ? ' (Direct Routing)' : ''}`).join(', ');
}

/** The `KubeProxyReplacement Details:` block of `cilium-dbg status --verbose` (tabwriter 0, 3). */
export function formatKubeProxyReplacementDetails(cfg: LBConfig, devices: readonly KprDevice[]): string {
  const enabled = (b: boolean) => (b ? 'Enabled' : 'Disabled');
  const devs = formatKprDevices(devices);
  const mode = { snat: 'SNAT', dsr: 'DSR', hybrid: 'Hybrid' }[cfg.mode];
  const dispatch = { opt: 'IP Option/Extension', ipip: 'IPIP', geneve: 'Geneve' }[cfg.dsrDispatch];
  const selection = cfg.algorithm === 'maglev' ? `Maglev (Table Size: ${cfg.maglevTableSize})` : 'Random';
  const kpr = cfg.kubeProxyReplacement;
  let t = 'KubeProxyReplacement Details:\n';
  t += `  Status:\t${kpr ? 'True' : 'False'}\n`;
  t += `  Socket LB:\t${enabled(cfg.socketLB)}\n`;
  t += `  Socket LB Tracing:\t${enabled(cfg.socketLB)}\n`;
  t += `  Socket LB Coverage:\t${cfg.socketLBHostnsOnly ? 'Hostns-only' : 'Full'}\n`;
  if (devs !== '') t += `  Devices:\t${devs}\n`;
  if (kpr) {
    t += `  Mode:\t${mode}\n`;
    if (cfg.mode !== 'snat') t += `    DSR Dispatch Mode:\t${dispatch}\n`;
    t += `  Backend Selection:\t${selection}\n`;
  }
  t += `  Session Affinity:\t${enabled(cfg.sessionAffinity)}\n`;
  t += '  NAT46/64 Support:\tDisabled\n';
  if (kpr) t += '  XDP Acceleration:\tDisabled\n';
  t += '  Services:\n';
  t += '  - ClusterIP:\tEnabled\n';
  t += `  - NodePort:\t${kpr ? `Enabled (Range: ${cfg.nodePortMin}-${cfg.nodePortMax})` : 'Disabled'} \n`;
  t += `  - LoadBalancer:\t${enabled(kpr)} \n`;
  t += `  - externalIPs:\t${enabled(cfg.enableExternalIPs)} \n`;
  t += `  - HostPort:\t${enabled(cfg.enableHostPort)}\n`;
  t += '  Annotations:\n';
  const annotations = [
    'service.cilium.io/node',
    'service.cilium.io/node-selector',
    'service.cilium.io/proxy-delegation',
    'service.cilium.io/src-ranges-policy',
    'service.cilium.io/type',
  ];
  if (cfg.algorithmAnnotation) annotations.push('service.cilium.io/lb-algorithm');
  if (cfg.modeAnnotation) annotations.push('service.cilium.io/forwarding-mode');
  for (const a of annotations.sort()) t += `  - ${a}\n`;
  return tabwrite(t, { minWidth: 0, padding: 3 });
}
