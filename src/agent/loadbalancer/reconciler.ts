// Writes desired frontends into the LB maps, as cilium pkg/loadbalancer/reconciler (BPFOps):
// IDs restored from the maps on start, NodePort frontends expanded to one entry per node
// address, backend slots ordered (healthy, state, address, port), Maglev tables, reverse NAT,
// source ranges and affinity-match entries, and orphans removed.

import {
  AFFINITY_TIMEOUT_MASK,
  BACKEND_ACTIVE,
  BACKEND_MAINTENANCE,
  BACKEND_QUARANTINED,
  BACKEND_TERMINATING,
  type BackendValue,
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_ALG_UNDEF,
  type LBMaps,
  PROTO_ANY,
  PROTO_TCP,
  SVC_FLAG_EXT_LOCAL_SCOPE,
  SVC_FLAG_EXTERNAL_IPS,
  SVC_FLAG_FWD_MODE_DSR,
  SVC_FLAG_HOSTPORT,
  SVC_FLAG_INT_LOCAL_SCOPE,
  SVC_FLAG_LOADBALANCER,
  SVC_FLAG_LOCAL_REDIRECT,
  SVC_FLAG_LOOPBACK,
  SVC_FLAG_NODEPORT,
  SVC_FLAG_QUARANTINED,
  SVC_FLAG_ROUTABLE,
  SVC_FLAG_SESSION_AFFINITY,
  SVC_FLAG_SOURCE_RANGE,
  SVC_FLAG_SOURCE_RANGE_DENY,
  SVC_FLAG_TWO_SCOPES,
  type ServiceKey,
  type ServiceValue,
  type SvcType,
} from '../../datapath/maps/lb.ts';
import { compareAddrKey, formatAddrKey, isUnspecified, protoName } from '../../datapath/maps/lbaddr.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { type LBConfig, datapathConfig } from './config.ts';
import { AddrPortTable } from './addrtable.ts';
import { IdAllocator } from './idalloc.ts';
import { maglevHashString, maglevTable } from './maglev.ts';
import { type BackendParams, type DesiredFrontend, type L3n4, l3n4Key } from './model.ts';

// cilium reconciler/id_allocator.go: firstFreeServiceID..maxSetOfServiceID (exclusive), same for backends.
const FIRST_SERVICE_ID = 1;
const MAX_SERVICE_ID = 0xffff;
const FIRST_BACKEND_ID = 1;
const MAX_BACKEND_ID = 0xffffffff;

/** Ordering of L3n4Addr keys in Cilium's frontend table (address bytes, port, protocol, scope). */
export function compareL3n4(a: L3n4, b: L3n4): number {
  return compareAddrKey(a.addr, b.addr) || a.port - b.port || a.proto - b.proto || a.scope - b.scope;
}

interface BackendState {
  id: number;
  refCount: number;
  /** The entry in the backend map (shared object). */
  value: BackendValue;
}

interface FrontendState {
  id: number;
  key: ServiceKey;
  desired: DesiredFrontend;
  /** The backends this frontend's slots reference. */
  backends: BackendState[];
  /** For a per-node-address NodePort/HostPort entry: the key of its 0.0.0.0 surrogate. */
  parent?: string;
}

export interface ReconcileError {
  frontend: string;
  message: string;
}

function typeFlag(t: SvcType): number {
  switch (t) {
    case 'ExternalIPs':
      return SVC_FLAG_EXTERNAL_IPS;
    case 'NodePort':
      return SVC_FLAG_NODEPORT;
    case 'LoadBalancer':
      return SVC_FLAG_LOADBALANCER;
    case 'HostPort':
      return SVC_FLAG_HOSTPORT;
    case 'LocalRedirect':
      return SVC_FLAG_LOCAL_REDIRECT;
    case 'ClusterIP':
      return 0;
  }
}

function isExpansion(d: DesiredFrontend): boolean {
  return d.params.type === 'NodePort' || (d.params.type === 'HostPort' && isUnspecified(d.params.address.addr));
}

function sameSlots(a: readonly ServiceValue[], b: readonly ServiceValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.backendId !== y.backendId || x.count !== y.count || x.qcount !== y.qcount || x.revNat !== y.revNat || x.flags !== y.flags) return false;
  }
  return true;
}

function compareBackends(a: BackendParams, b: BackendParams): number {
  return (
    Number(a.unhealthy ?? false) - Number(b.unhealthy ?? false) ||
    a.state - b.state ||
    compareAddrKey(a.address.addr, b.address.addr) ||
    a.address.port - b.address.port
  );
}

/** The backends that get slots, in slot order (maintenance backends keep their backend entry but get no slot). */
function slotOrder(backends: readonly BackendParams[]): readonly BackendParams[] {
  let inOrder = true;
  for (let i = 0; i < backends.length; i++) {
    if (backends[i]!.state === BACKEND_MAINTENANCE || (i > 0 && compareBackends(backends[i - 1]!, backends[i]!) > 0)) {
      inOrder = false;
      break;
    }
  }
  if (inOrder) return backends;
  const out = backends.filter((b) => b.state !== BACKEND_MAINTENANCE);
  if (out.length > 16) return out.sort(compareBackends);
  // An insertion sort (stable, as sort is) without sort's allocations, for the few backends most services have.
  for (let i = 1; i < out.length; i++) {
    const b = out[i]!;
    let j = i - 1;
    for (; j >= 0 && compareBackends(out[j]!, b) > 0; j--) out[j + 1] = out[j]!;
    out[j + 1] = b;
  }
  return out;
}

export class LBReconciler {
  private cfg: LBConfig;
  private readonly serviceIds: IdAllocator;
  private readonly backendIds: IdAllocator;
  /** IDs found in the maps at start, not yet claimed (cilium restoredServiceIDs/restoredBackendIDs). */
  private readonly restoredServiceIds = new Map<string, number>();
  private readonly restoredBackendIds = new AddrPortTable<number>();
  private readonly frontends = new Map<string, FrontendState>();
  /** Primary frontend key → the keys of its per-node-address expansions. */
  private readonly expansions = new Map<string, Set<string>>();
  private readonly backendStates = new AddrPortTable<BackendState>();
  private nodeAddrs: AddrKey[] = [];
  /** Maglev tables of one reconcile call, by backend-set signature (all NodePort expansions share one). */
  private readonly maglevCache = new Map<string, Uint32Array>();
  private errors: ReconcileError[] = [];

  /** `idLimits` narrows the ID ranges (exclusive upper bounds), for tests of exhaustion. */
  constructor(
    readonly maps: LBMaps,
    cfg: LBConfig,
    idLimits: { services?: number; backends?: number } = {},
  ) {
    this.cfg = cfg;
    this.serviceIds = new IdAllocator(FIRST_SERVICE_ID, idLimits.services ?? MAX_SERVICE_ID);
    this.backendIds = new IdAllocator(FIRST_BACKEND_ID, idLimits.backends ?? MAX_BACKEND_ID);
    maps.config = datapathConfig(cfg);
    this.restore();
  }

  /** cilium BPFOps.ResetAndRestore: IDs from the backend map and from the master slots' rev-NAT index. */
  private restore(): void {
    for (const fam of [4, 6] as const) {
      for (const [id, be] of this.maps.backendsOf(fam)) {
        this.restoredBackendIds.set(be.addr, be.port, be.proto, id);
        this.backendIds.reserve(id);
      }
      for (const e of this.maps.servicesOf(fam).entries()) {
        const revNat = e.values[0]?.revNat ?? 0;
        if (revNat === 0) continue;
        this.restoredServiceIds.set(l3n4Key(e.key), revNat);
        this.serviceIds.reserve(revNat);
      }
    }
  }

  get config(): LBConfig {
    return this.cfg;
  }

  setConfig(cfg: LBConfig): void {
    this.cfg = cfg;
    this.maps.config = datapathConfig(cfg);
    this.refreshAll();
  }

  /** The node's addresses that serve NodePorts (cilium NodeAddress table, NodePort index). */
  setNodeAddresses(addrs: readonly AddrKey[]): void {
    const sorted = [...addrs].sort(compareAddrKey);
    if (sorted.length === this.nodeAddrs.length && sorted.every((a, i) => a === this.nodeAddrs[i])) return;
    this.nodeAddrs = sorted;
    this.refreshAll();
  }

  /** Re-applies every primary frontend (config or node address change). */
  private refreshAll(): void {
    const primaries = [...this.frontends.values()].filter((f) => f.parent === undefined).map((f) => f.desired);
    primaries.sort((a, b) => compareL3n4(a.params.address, b.params.address));
    for (const d of primaries) this.upsert(d);
    this.maglevCache.clear();
  }

  /** Errors of the writes since the last call (ID exhaustion); the frontends concerned were left as they were. */
  takeErrors(): ReconcileError[] {
    const e = this.errors;
    this.errors = [];
    return e;
  }

  keyOf(a: L3n4): ServiceKey {
    const proto = this.cfg.protoDiff ? a.proto : PROTO_ANY;
    return proto === a.proto ? a : { addr: a.addr, port: a.port, proto, scope: a.scope };
  }

  /**
   * Makes the maps match one service's desired frontends: upserts them (in frontend-key order,
   * which decides the order new IDs are handed out) and deletes `previous` ones no longer wanted.
   */
  reconcileService(desired: readonly DesiredFrontend[], previous: readonly L3n4[]): void {
    if (desired.length === 1) {
      // The common case, one frontend: nothing to order or merge.
      const d = desired[0]!;
      const key = this.keyOf(d.params.address);
      const k = l3n4Key(key);
      this.upsert(d, key, k);
      for (const a of previous) {
        const pk = l3n4Key(this.keyOf(a));
        if (pk !== k) this.delete(pk);
      }
      this.maglevCache.clear();
      return;
    }
    const sorted = desired.length > 1 ? [...desired].sort((a, b) => compareL3n4(a.params.address, b.params.address)) : desired;
    // Without bpf-lb-proto-diff frontends are keyed without protocol: frontends that differ only
    // in protocol share one entry, with the backends of all of them.
    const merged = new Map<string, { key: ServiceKey; d: DesiredFrontend }>();
    for (const d of sorted) {
      const key = this.keyOf(d.params.address);
      const k = l3n4Key(key);
      const m = merged.get(k);
      if (!m) merged.set(k, { key, d });
      else {
        const extra = d.backends.filter((b) => !m.d.backends.some((x) => x.address.addr === b.address.addr && x.address.port === b.address.port && x.address.proto === b.address.proto));
        m.d = { ...m.d, backends: [...m.d.backends, ...extra] };
      }
    }
    for (const [k, m] of merged) this.upsert(m.d, m.key, k);
    for (const a of previous) {
      const k = l3n4Key(this.keyOf(a));
      if (!merged.has(k)) this.delete(k);
    }
    this.maglevCache.clear();
  }

  private isDatapathCandidate(t: SvcType): boolean {
    if (this.cfg.kubeProxyReplacement) return true;
    if (t === 'ClusterIP' || t === 'LocalRedirect' || t === 'ExternalIPs') return true;
    return t === 'LoadBalancer' && this.cfg.routingMode === 'tunnel';
  }

  private upsert(d: DesiredFrontend, key = this.keyOf(d.params.address), k = l3n4Key(key)): void {
    if (!this.isDatapathCandidate(d.params.type)) {
      this.delete(k);
      return;
    }
    if (!this.write(d, key, k, undefined) || !isExpansion(d)) return;
    const want = new Set<string>();
    for (const na of this.nodeAddrs) {
      if (typeof na !== typeof key.addr) continue;
      const ek: ServiceKey = { ...key, addr: na };
      const eks = l3n4Key(ek);
      // Node addresses already used by a primary frontend (e.g. an LB IP) keep that one (cilium #44730).
      const existing = this.frontends.get(eks);
      if (existing && existing.parent === undefined) continue;
      want.add(eks);
      this.write(d, ek, eks, k);
    }
    for (const ek of [...(this.expansions.get(k) ?? [])]) if (!want.has(ek)) this.delete(ek);
  }

  /** Records which primary an entry expands (undefined: it is a primary itself). */
  private setParent(st: FrontendState, k: string, parent: string | undefined): void {
    if (st.parent === parent) return;
    if (st.parent !== undefined) {
      const set = this.expansions.get(st.parent);
      set?.delete(k);
      if (set?.size === 0) this.expansions.delete(st.parent);
    }
    if (parent !== undefined) {
      let set = this.expansions.get(parent);
      if (!set) this.expansions.set(parent, (set = new Set()));
      set.add(k);
    }
    st.parent = parent;
  }

  /** Deletes a frontend (and its NodePort expansions) from the maps. */
  delete(k: string): void {
    const st = this.frontends.get(k);
    if (!st) return;
    for (const ek of [...(this.expansions.get(k) ?? [])]) this.delete(ek);
    this.setParent(st, k, undefined);
    const fam = typeof st.key.addr === 'number' ? 4 : 6;
    this.maps.maglevOf(fam).delete(st.id);
    for (const bs of st.backends) this.maps.affinityMatch.delete(this.maps.affinityMatchKey(bs.id, st.id));
    this.maps.deleteService(st.key);
    this.maps.revNatOf(fam).delete(st.id);
    this.maps.sourceRangesOf(fam).delete(st.id);
    this.moveRefs(st, []);
    this.frontends.delete(k);
    this.serviceIds.release(st.id);
  }

  private fail(k: ServiceKey, message: string): false {
    this.errors.push({ frontend: `${formatAddrKey(k.addr)}:${k.port}/${protoName(k.proto)}`, message });
    return false;
  }

  private flagsFor(d: DesiredFrontend, key: ServiceKey): number {
    const svc = d.service;
    const type = d.params.type;
    let flags = typeFlag(type);
    if (svc.extTrafficLocal) flags |= SVC_FLAG_EXT_LOCAL_SCOPE;
    if (svc.intTrafficLocal) flags |= SVC_FLAG_INT_LOCAL_SCOPE;
    if (svc.sessionAffinity && this.cfg.sessionAffinity) flags |= SVC_FLAG_SESSION_AFFINITY;
    // isRoutable: not a surrogate, and not a ClusterIP unless bpf-lb-external-clusterip.
    if (!isUnspecified(key.addr) && (type !== 'ClusterIP' || this.cfg.externalClusterIP)) flags |= SVC_FLAG_ROUTABLE;
    if (this.sourceRangeChecked(d)) {
      flags |= SVC_FLAG_SOURCE_RANGE;
      if (svc.sourceRangesDeny) flags |= SVC_FLAG_SOURCE_RANGE_DENY;
    }
    if (svc.extTrafficLocal !== svc.intTrafficLocal && type !== 'ClusterIP') flags |= SVC_FLAG_TWO_SCOPES;
    // ToSVCForwardingMode: dsr, or hybrid for TCP; the annotation wins when enabled.
    let dsr = this.cfg.mode === 'dsr' || (this.cfg.mode === 'hybrid' && d.params.address.proto === PROTO_TCP);
    if (this.cfg.modeAnnotation && svc.forwardingMode) dsr = svc.forwardingMode === 'dsr';
    if (dsr) flags |= SVC_FLAG_FWD_MODE_DSR;
    if (svc.loopbackHostPort || svc.proxyDelegation) flags |= SVC_FLAG_LOOPBACK;
    return flags;
  }

  private sourceRangeChecked(d: DesiredFrontend): boolean {
    if (d.service.sourceRanges.length === 0) return false;
    const t = d.params.type;
    return t === 'LoadBalancer' || (this.cfg.sourceRangeAllTypes && t !== 'ClusterIP' && t !== 'LocalRedirect');
  }

  private lbAlg(d: DesiredFrontend): number {
    if (!this.cfg.algorithmAnnotation || !d.service.lbAlgorithm) return LB_ALG_UNDEF;
    return d.service.lbAlgorithm === 'maglev' ? LB_ALG_MAGLEV : LB_ALG_RANDOM;
  }

  private useMaglev(d: DesiredFrontend, key: ServiceKey): boolean {
    if (isUnspecified(key.addr)) return false;
    const alg = this.lbAlg(d);
    if (alg !== LB_ALG_UNDEF) return alg === LB_ALG_MAGLEV;
    if (this.cfg.algorithm !== 'maglev') return false;
    if (d.params.type === 'ClusterIP' && !this.cfg.externalClusterIP) return false;
    return d.params.type !== 'LocalRedirect';
  }

  /** The backend's state, its ID restored from the maps or newly allocated; undefined when IDs ran out. */
  private backendState(be: BackendParams): BackendState | undefined {
    const { addr, port, proto } = be.address;
    let bs = this.backendStates.get(addr, port, proto);
    if (bs) {
      if (bs.value.state !== be.state) {
        // The backend map holds the k8s state; quarantine is per frontend (slot flag).
        bs.value = { ...bs.value, state: be.state };
        this.maps.upsertBackend(bs.id, bs.value);
      }
      return bs;
    }
    const restored = this.restoredBackendIds.get(addr, port, proto);
    const id = restored ?? this.backendIds.allocate();
    if (id === undefined) return undefined;
    if (restored !== undefined) this.restoredBackendIds.delete(addr, port, proto);
    const inMap = this.maps.lookupBackend(id);
    const same = inMap !== undefined && inMap.addr === addr && inMap.port === port && inMap.proto === proto && inMap.state === be.state;
    bs = { id, refCount: 0, value: same ? inMap : { addr, port, proto, state: be.state, clusterId: 0, zone: 0 } };
    if (!same) this.maps.upsertBackend(id, bs.value);
    this.backendStates.set(addr, port, proto, bs);
    return bs;
  }

  /** Writes one frontend entry (a primary or a NodePort expansion); `k` is the key's l3n4Key. */
  private write(d: DesiredFrontend, key: ServiceKey, k: string, parent: string | undefined): boolean {
    const fam = typeof key.addr === 'number' ? 4 : 6;
    const old = this.frontends.get(k);
    let id = old?.id;
    if (id === undefined) {
      const restored = this.restoredServiceIds.get(k);
      id = restored ?? this.serviceIds.allocate();
      if (id === undefined) return this.fail(key, 'failed to allocate id: no ID available');
      this.restoredServiceIds.delete(k);
    }

    const masterFlags = this.flagsFor(d, key);
    const slotFlags = masterFlags & ~(SVC_FLAG_SOURCE_RANGE | SVC_FLAG_SOURCE_RANGE_DENY);
    const sessionAffinity = (masterFlags & SVC_FLAG_SESSION_AFFINITY) !== 0;
    const ordered = slotOrder(d.backends);

    const states: BackendState[] = [];
    const slots: ServiceValue[] = [{ backendId: 0, count: 0, qcount: 0, revNat: id, flags: masterFlags }];
    let active = 0;
    let terminating = 0;
    let inactive = 0;
    for (const be of ordered) {
      const bs = this.backendState(be);
      if (!bs) {
        // Nothing of this frontend changes; backends created for it so far go again.
        for (const s of states) if (s.refCount === 0) this.dropBackend(s);
        if (!old) this.serviceIds.release(id);
        return this.fail(key, 'failed to allocate backend id: no ID available');
      }
      states.push(bs);
      const state = be.unhealthy ? BACKEND_QUARANTINED : be.state;
      slots.push({ backendId: bs.id, count: 0, qcount: 0, revNat: id, flags: state === BACKEND_QUARANTINED ? slotFlags | SVC_FLAG_QUARANTINED : slotFlags });
      if (sessionAffinity || this.maps.affinityMatch.size > 0) {
        const matchKey = this.maps.affinityMatchKey(bs.id, id);
        if (sessionAffinity && state === BACKEND_ACTIVE) this.maps.affinityMatch.add(matchKey);
        else this.maps.affinityMatch.delete(matchKey);
      }
      if (state === BACKEND_ACTIVE) active++;
      else if (state === BACKEND_TERMINATING) terminating++;
      else inactive++;
    }
    // KEP-1669: with no active backend, the terminating ones take new connections.
    if (active === 0) active = terminating;
    else inactive += terminating;

    const maglev = this.maps.maglevOf(fam);
    if (this.useMaglev(d, key) && active > 0) maglev.set(id, this.maglevFor(ordered.slice(0, active), states.slice(0, active)));
    else maglev.delete(id);

    const ranges = this.sourceRangeChecked(d) ? d.service.sourceRanges.filter((r) => typeof r.addr === typeof key.addr) : undefined;
    if (ranges && ranges.length > 0) this.maps.sourceRangesOf(fam).set(id, ranges);
    else this.maps.sourceRangesOf(fam).delete(id);

    const revNat = this.maps.revNatOf(fam);
    const rn = revNat.get(id);
    if (!rn || rn.addr !== key.addr || rn.port !== key.port) revNat.set(id, { addr: key.addr, port: key.port });

    const master = slots[0]!;
    master.count = active;
    master.qcount = inactive;
    master.backendId = (this.lbAlg(d) << 24) >>> 0;
    if (sessionAffinity) master.backendId = (master.backendId + (d.service.sessionAffinityTimeoutSec & AFFINITY_TIMEOUT_MASK)) >>> 0;
    // Unchanged entries stay as they are (a resync or an agent restart rewrites nothing).
    const current = this.maps.lookupService(key.addr, key.port, key.proto, key.scope);
    if (!current || !sameSlots(current.values, slots)) this.maps.upsertService(key, slots);

    if (old && this.maps.affinityMatch.size > 0) {
      for (const bs of old.backends) if (!states.includes(bs)) this.maps.affinityMatch.delete(this.maps.affinityMatchKey(bs.id, id));
    }
    const st = old ?? { id, key, desired: d, backends: [] };
    st.desired = d;
    this.setParent(st, k, parent);
    this.moveRefs(st, states);
    if (!old) this.frontends.set(k, st);
    return true;
  }

  private maglevFor(bes: readonly BackendParams[], states: readonly BackendState[]): Uint32Array {
    const infos = bes.map((be, i) => ({
      id: states[i]!.id,
      hashString: maglevHashString(formatAddrKey(be.address.addr), typeof be.address.addr === 'number' ? 4 : 6, be.address.port, protoName(be.address.proto), be.address.scope === 1),
      weight: be.weight,
    }));
    const sig = infos.map((i) => `${i.id}:${i.weight}`).join(',');
    let t = this.maglevCache.get(sig);
    if (!t) {
      t = maglevTable(infos, this.cfg.maglevTableSize, this.cfg.seeds.murmur);
      this.maglevCache.set(sig, t);
    }
    return t;
  }

  /** Moves a frontend's backend references to `next`; backends nobody references leave the maps. */
  private moveRefs(st: FrontendState, next: BackendState[]): void {
    for (const bs of next) bs.refCount++;
    for (const bs of st.backends) {
      bs.refCount--;
      if (bs.refCount <= 0) this.dropBackend(bs);
    }
    st.backends = next;
  }

  private dropBackend(bs: BackendState): void {
    this.maps.deleteBackend(bs.id);
    this.backendIds.release(bs.id);
    this.backendStates.delete(bs.value.addr, bs.value.port, bs.value.proto);
  }

  /**
   * After the first full sync: removes what was restored from the maps but no longer exists
   * (cilium BPFOps.Prune), and releases the restored IDs nobody claimed.
   */
  prune(): void {
    for (const fam of [4, 6] as const) {
      for (const e of [...this.maps.servicesOf(fam).entries()]) if (!this.frontends.has(l3n4Key(e.key))) this.maps.deleteService(e.key);
      const backends = this.maps.backendsOf(fam);
      for (const [id, be] of [...backends]) if (this.backendStates.get(be.addr, be.port, be.proto)?.id !== id) backends.delete(id);
      const live = new Set<number>();
      for (const st of this.frontends.values()) if (typeof st.key.addr === (fam === 4 ? 'number' : 'bigint')) live.add(st.id);
      for (const table of [this.maps.revNatOf(fam), this.maps.maglevOf(fam), this.maps.sourceRangesOf(fam)]) {
        for (const id of [...table.keys()]) if (!live.has(id)) table.delete(id);
      }
    }
    if (this.maps.affinityMatch.size > 0) {
      const live = new Set<string>();
      for (const st of this.frontends.values()) {
        if ((this.flagsFor(st.desired, st.key) & SVC_FLAG_SESSION_AFFINITY) === 0) continue;
        for (const bs of st.backends) live.add(this.maps.affinityMatchKey(bs.id, st.id));
      }
      for (const m of [...this.maps.affinityMatch]) if (!live.has(m)) this.maps.affinityMatch.delete(m);
    }
    for (const id of this.restoredServiceIds.values()) this.serviceIds.release(id);
    for (const id of this.restoredBackendIds.values()) this.backendIds.release(id);
    this.restoredServiceIds.clear();
    this.restoredBackendIds.clear();
  }
}
