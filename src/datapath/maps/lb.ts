// The load-balancing maps, modelled on Cilium's BPF maps (bpf/lib/lb.h, pkg/loadbalancer/maps):
// cilium_lb{4,6}_services_v2, _backends_v3, _reverse_nat, _maglev, _source_range, _reverse_sk,
// _affinity and cilium_lb_affinity_match. The agent (src/agent/loadbalancer) writes the first
// five and the affinity-match map; the datapath (src/datapath/lb) reads them and writes the
// socket reverse-NAT and affinity maps. Addresses are AddrKeys (IPv4 a uint32 number, IPv6 a
// bigint), the representation of netemu's packets, so the per-packet path converts nothing.
//
// Dump order is insertion order (the real tools print Go-map order, which is random).

import type { AddrKey } from '../../netaddr/lpm.ts';

export const PROTO_ANY = 0;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_SCTP = 132;

export const SCOPE_EXTERNAL = 0;
export const SCOPE_INTERNAL = 1;

// cilium pkg/loadbalancer: BackendState* and the datapath flags (lb{4,6}_backend.flags).
export const BACKEND_ACTIVE = 0;
export const BACKEND_TERMINATING = 1;
export const BACKEND_QUARANTINED = 2;
export const BACKEND_MAINTENANCE = 3;
export type BackendStateFlag = 0 | 1 | 2 | 3;

// cilium pkg/loadbalancer ServiceFlags (lb{4,6}_service.flags | flags2 << 8).
export const SVC_FLAG_EXTERNAL_IPS = 1 << 0;
export const SVC_FLAG_NODEPORT = 1 << 1;
export const SVC_FLAG_EXT_LOCAL_SCOPE = 1 << 2;
export const SVC_FLAG_HOSTPORT = 1 << 3;
export const SVC_FLAG_SESSION_AFFINITY = 1 << 4;
export const SVC_FLAG_LOADBALANCER = 1 << 5;
export const SVC_FLAG_ROUTABLE = 1 << 6;
export const SVC_FLAG_SOURCE_RANGE = 1 << 7;
export const SVC_FLAG_LOCAL_REDIRECT = 1 << 8;
export const SVC_FLAG_NAT_46X64 = 1 << 9;
export const SVC_FLAG_L7_LOADBALANCER = 1 << 10;
export const SVC_FLAG_LOOPBACK = 1 << 11;
export const SVC_FLAG_INT_LOCAL_SCOPE = 1 << 12;
export const SVC_FLAG_TWO_SCOPES = 1 << 13;
/** On backend slots: quarantined. On the master slot the same bit means "source ranges deny". */
export const SVC_FLAG_QUARANTINED = 1 << 14;
export const SVC_FLAG_SOURCE_RANGE_DENY = 1 << 14;
export const SVC_FLAG_FWD_MODE_DSR = 1 << 15;

// cilium pkg/loadbalancer SVCLoadBalancingAlgorithm, kept in the top byte of the master slot's
// backend_id (the low 24 bits hold the session-affinity timeout).
export const LB_ALG_UNDEF = 0;
export const LB_ALG_RANDOM = 1;
export const LB_ALG_MAGLEV = 2;
export const AFFINITY_TIMEOUT_MASK = 0x00ffffff;

export type SvcType = 'ClusterIP' | 'NodePort' | 'ExternalIPs' | 'LoadBalancer' | 'HostPort' | 'LocalRedirect';

/** The frontend half of `struct lb{4,6}_key` (address, dport, proto, scope); the slot is the index into `values`. */
export interface ServiceKey {
  readonly addr: AddrKey;
  readonly port: number;
  readonly proto: number;
  readonly scope: number;
}

/** `struct lb{4,6}_service`. */
export interface ServiceValue {
  /** Slot > 0: the backend ID. Master: lbAlg << 24 | affinity timeout (seconds). */
  backendId: number;
  count: number;
  qcount: number;
  revNat: number;
  /** flags | flags2 << 8. */
  flags: number;
}

/** All slots of one frontend: values[0] is the master, values[n] backend slot n. */
export interface ServiceEntry {
  readonly key: ServiceKey;
  values: ServiceValue[];
}

/** `struct lb{4,6}_backend`. */
export interface BackendValue {
  readonly addr: AddrKey;
  readonly port: number;
  readonly proto: number;
  state: BackendStateFlag;
  clusterId: number;
  zone: number;
}

/** `struct lb{4,6}_reverse_nat`. */
export interface RevNatValue {
  readonly addr: AddrKey;
  readonly port: number;
}

export interface SourceRange {
  readonly addr: AddrKey;
  readonly prefixLen: number;
}

/** `struct lb{4,6}_affinity_key` + `lb_affinity_val`. */
export interface AffinityEntry {
  /** Client IP, or the netns cookie for socket-LB. */
  readonly clientId: AddrKey;
  readonly netnsCookie: boolean;
  readonly revNat: number;
  backendId: number;
  lastUsedMs: number;
}

/** `cilium_lb{4,6}_reverse_sk`: socket cookie + backend address → frontend address and rev-NAT ID. */
export interface SockRevNatEntry {
  readonly cookie: number;
  readonly backendAddr: AddrKey;
  readonly backendPort: number;
  readonly frontendAddr: AddrKey;
  readonly frontendPort: number;
  readonly revNat: number;
}

export type LBMode = 'snat' | 'dsr' | 'hybrid';
export type DsrDispatch = 'opt' | 'ipip' | 'geneve';
export type LBAlgorithm = 'random' | 'maglev';

/** What node_config.h tells the BPF programs; written by the agent, read by src/datapath/lb. */
export interface LBDatapathConfig {
  /** The default algorithm (a frontend's master slot may override it). */
  algorithm: LBAlgorithm;
  /** The jhash seeds of bpf-lb-maglev-hash-seed (bytes 4..7 for IPv4, 8..11 for IPv6). */
  hashSeed4: number;
  hashSeed6: number;
  dsrDispatch: DsrDispatch;
  sessionAffinity: boolean;
  socketLB: boolean;
  /** bpf-lb-sock-hostns-only: socket-LB only for host-namespace sockets. */
  socketLBHostnsOnly: boolean;
  /** service-no-backend-response: reject (ICMP unreachable) or drop. */
  noBackendResponse: 'reject' | 'drop';
  nodePortMin: number;
  nodePortMax: number;
}

export function defaultDatapathConfig(): LBDatapathConfig {
  return {
    algorithm: 'random',
    hashSeed4: 0,
    hashSeed6: 0,
    dsrDispatch: 'opt',
    sessionAffinity: true,
    socketLB: true,
    socketLBHostnsOnly: false,
    noBackendResponse: 'reject',
    nodePortMin: 30000,
    nodePortMax: 32767,
  };
}

function familyKey(addr: AddrKey): 4 | 6 {
  return typeof addr === 'number' ? 4 : 6;
}

/** IPv4 addresses as int32 map keys: uint32 values above 2^31 would be boxed on every lookup. */
function addrMapKey(a: AddrKey): AddrKey {
  return typeof a === 'number' ? a | 0 : a;
}

/** port, proto and scope packed into one number: the second level of the frontend index. */
function l4Key(port: number, proto: number, scope: number): number {
  return port * 512 + proto * 2 + scope;
}

/** A per-family table keyed by address then L4 key, so a lookup is two Map.get of numbers (IPv4). */
export class FrontendTable {
  private readonly byAddr = new Map<AddrKey, Map<number, ServiceEntry>>();
  /** Insertion order of entries, for dumps. */
  private readonly order = new Set<ServiceEntry>();
  private slots = 0;

  get(addr: AddrKey, port: number, proto: number, scope: number): ServiceEntry | undefined {
    return this.byAddr.get(typeof addr === 'number' ? addr | 0 : addr)?.get(l4Key(port, proto, scope));
  }

  set(entry: ServiceEntry): void {
    const { port, proto, scope } = entry.key;
    const addr = addrMapKey(entry.key.addr);
    let inner = this.byAddr.get(addr);
    if (!inner) this.byAddr.set(addr, (inner = new Map()));
    const k = l4Key(port, proto, scope);
    const old = inner.get(k);
    if (old) {
      this.order.delete(old);
      this.slots -= old.values.length;
    }
    inner.set(k, entry);
    this.order.add(entry);
    this.slots += entry.values.length;
  }

  delete(key: ServiceKey): boolean {
    const addr = addrMapKey(key.addr);
    const inner = this.byAddr.get(addr);
    const k = l4Key(key.port, key.proto, key.scope);
    const old = inner?.get(k);
    if (!inner || !old) return false;
    inner.delete(k);
    if (inner.size === 0) this.byAddr.delete(addr);
    this.order.delete(old);
    this.slots -= old.values.length;
    return true;
  }

  entries(): IterableIterator<ServiceEntry> {
    return this.order.values();
  }

  /** Number of BPF map entries: one per slot including masters. */
  get size(): number {
    return this.slots;
  }
}

function affinityKey(clientId: AddrKey, netnsCookie: boolean, revNat: number): string {
  return `${clientId}|${netnsCookie ? 1 : 0}|${revNat}`;
}

function sockKey(cookie: number, addr: AddrKey, port: number): string {
  return `${cookie}|${addr}|${port}`;
}

/** One node's LB maps (both families). */
export class LBMaps {
  readonly services4 = new FrontendTable();
  readonly services6 = new FrontendTable();
  readonly backends4 = new Map<number, BackendValue>();
  readonly backends6 = new Map<number, BackendValue>();
  readonly revNat4 = new Map<number, RevNatValue>();
  readonly revNat6 = new Map<number, RevNatValue>();
  /** Outer map rev-NAT ID → inner LUT of backend IDs. */
  readonly maglev4 = new Map<number, Uint32Array>();
  readonly maglev6 = new Map<number, Uint32Array>();
  readonly sourceRanges4 = new Map<number, SourceRange[]>();
  readonly sourceRanges6 = new Map<number, SourceRange[]>();
  /** cilium_lb_affinity_match: `${backendId}|${revNat}`. */
  readonly affinityMatch = new Set<string>();
  readonly affinity4 = new Map<string, AffinityEntry>();
  readonly affinity6 = new Map<string, AffinityEntry>();
  readonly sockRevNat4 = new Map<string, SockRevNatEntry>();
  readonly sockRevNat6 = new Map<string, SockRevNatEntry>();
  config: LBDatapathConfig = defaultDatapathConfig();

  // ---- services ------------------------------------------------------------------------

  servicesOf(family: 4 | 6): FrontendTable {
    return family === 4 ? this.services4 : this.services6;
  }

  lookupService(addr: AddrKey, port: number, proto: number, scope: number): ServiceEntry | undefined {
    return (typeof addr === 'number' ? this.services4 : this.services6).get(addr, port, proto, scope);
  }

  /** Replaces all slots of a frontend. */
  upsertService(key: ServiceKey, values: ServiceValue[]): void {
    this.servicesOf(familyKey(key.addr)).set({ key, values });
  }

  deleteService(key: ServiceKey): boolean {
    return this.servicesOf(familyKey(key.addr)).delete(key);
  }

  // ---- backends ------------------------------------------------------------------------

  backendsOf(family: 4 | 6): Map<number, BackendValue> {
    return family === 4 ? this.backends4 : this.backends6;
  }

  /** Backend IDs are one pool for both families, so a lookup tries IPv4 first. */
  lookupBackend(id: number): BackendValue | undefined {
    return this.backends4.get(id) ?? this.backends6.get(id);
  }

  upsertBackend(id: number, value: BackendValue): void {
    const fam = familyKey(value.addr);
    this.backendsOf(fam === 4 ? 6 : 4).delete(id);
    this.backendsOf(fam).set(id, value);
  }

  deleteBackend(id: number): void {
    this.backends4.delete(id);
    this.backends6.delete(id);
  }

  // ---- reverse NAT ---------------------------------------------------------------------

  revNatOf(family: 4 | 6): Map<number, RevNatValue> {
    return family === 4 ? this.revNat4 : this.revNat6;
  }

  lookupRevNat(family: 4 | 6, id: number): RevNatValue | undefined {
    return this.revNatOf(family).get(id);
  }

  // ---- maglev / source ranges ------------------------------------------------------------

  maglevOf(family: 4 | 6): Map<number, Uint32Array> {
    return family === 4 ? this.maglev4 : this.maglev6;
  }

  sourceRangesOf(family: 4 | 6): Map<number, SourceRange[]> {
    return family === 4 ? this.sourceRanges4 : this.sourceRanges6;
  }

  // ---- affinity ------------------------------------------------------------------------

  affinityMatchKey(backendId: number, revNat: number): string {
    return `${backendId}|${revNat}`;
  }

  affinityOf(family: 4 | 6): Map<string, AffinityEntry> {
    return family === 4 ? this.affinity4 : this.affinity6;
  }

  lookupAffinity(clientId: AddrKey, netnsCookie: boolean, revNat: number): AffinityEntry | undefined {
    return this.affinityOf(familyKey(clientId)).get(affinityKey(clientId, netnsCookie, revNat));
  }

  updateAffinity(entry: AffinityEntry): void {
    this.affinityOf(familyKey(entry.clientId)).set(affinityKey(entry.clientId, entry.netnsCookie, entry.revNat), entry);
  }

  deleteAffinity(clientId: AddrKey, netnsCookie: boolean, revNat: number): void {
    this.affinityOf(familyKey(clientId)).delete(affinityKey(clientId, netnsCookie, revNat));
  }

  // ---- socket reverse NAT --------------------------------------------------------------

  sockRevNatOf(family: 4 | 6): Map<string, SockRevNatEntry> {
    return family === 4 ? this.sockRevNat4 : this.sockRevNat6;
  }

  updateSockRevNat(e: SockRevNatEntry): void {
    this.sockRevNatOf(familyKey(e.backendAddr)).set(sockKey(e.cookie, e.backendAddr, e.backendPort), e);
  }

  lookupSockRevNat(cookie: number, backendAddr: AddrKey, backendPort: number): SockRevNatEntry | undefined {
    return this.sockRevNatOf(familyKey(backendAddr)).get(sockKey(cookie, backendAddr, backendPort));
  }

  deleteSockRevNat(cookie: number, backendAddr: AddrKey, backendPort: number): void {
    this.sockRevNatOf(familyKey(backendAddr)).delete(sockKey(cookie, backendAddr, backendPort));
  }
}

// ---- names and counts ----------------------------------------------------------------------

export const LB_MAP_NAMES = {
  services4: 'cilium_lb4_services_v2',
  services6: 'cilium_lb6_services_v2',
  backends4: 'cilium_lb4_backends_v3',
  backends6: 'cilium_lb6_backends_v3',
  revNat4: 'cilium_lb4_reverse_nat',
  revNat6: 'cilium_lb6_reverse_nat',
  maglev4: 'cilium_lb4_maglev',
  maglev6: 'cilium_lb6_maglev',
  sourceRange4: 'cilium_lb4_source_range',
  sourceRange6: 'cilium_lb6_source_range',
  affinityMatch: 'cilium_lb_affinity_match',
  affinity4: 'cilium_lb4_affinity',
  affinity6: 'cilium_lb6_affinity',
  sockRevNat4: 'cilium_lb4_reverse_sk',
  sockRevNat6: 'cilium_lb6_reverse_sk',
} as const;

/** Entry counts per map name, in Cilium's map-name spelling. */
export function lbMapCounts(m: LBMaps): { name: string; entries: number }[] {
  const ranges = (t: Map<number, SourceRange[]>) => {
    let n = 0;
    for (const r of t.values()) n += r.length;
    return n;
  };
  return [
    { name: LB_MAP_NAMES.services4, entries: m.services4.size },
    { name: LB_MAP_NAMES.backends4, entries: m.backends4.size },
    { name: LB_MAP_NAMES.revNat4, entries: m.revNat4.size },
    { name: LB_MAP_NAMES.maglev4, entries: m.maglev4.size },
    { name: LB_MAP_NAMES.sourceRange4, entries: ranges(m.sourceRanges4) },
    { name: LB_MAP_NAMES.affinity4, entries: m.affinity4.size },
    { name: LB_MAP_NAMES.sockRevNat4, entries: m.sockRevNat4.size },
    { name: LB_MAP_NAMES.services6, entries: m.services6.size },
    { name: LB_MAP_NAMES.backends6, entries: m.backends6.size },
    { name: LB_MAP_NAMES.revNat6, entries: m.revNat6.size },
    { name: LB_MAP_NAMES.maglev6, entries: m.maglev6.size },
    { name: LB_MAP_NAMES.sourceRange6, entries: ranges(m.sourceRanges6) },
    { name: LB_MAP_NAMES.affinity6, entries: m.affinity6.size },
    { name: LB_MAP_NAMES.sockRevNat6, entries: m.sockRevNat6.size },
    { name: LB_MAP_NAMES.affinityMatch, entries: m.affinityMatch.size },
  ];
}
