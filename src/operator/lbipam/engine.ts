// The LB-IPAM allocation engine: pools, their ranges and allocators, the services LB-IPAM is
// responsible for, sharing groups, conflict settlement and the desired status of every pool and
// service. Synchronous and free of I/O: the controller feeds it objects and writes what it wants.
// The flow follows cilium operator/pkg/lbipam/lbipam.go (1.18); deviations are marked "cilia:".

import type { LoadBalancerIngress } from 'kubernetes-types/core/v1.js';
import type { Condition } from '../../k8s/object.ts';
import { objectKey } from '../../k8s/object.ts';
import { fromLabelSelector, matches, type Selector } from '../../k8s/selectors.ts';
import type { CiliumLoadBalancerIPPool, Service } from '../../k8s/types.ts';
import { formatRange, rangesOverlap } from '../../netaddr/cidr.ts';
import { type Family, formatIP, type IP, ipEquals, parseIP, parseIPv4Number } from '../../netaddr/ip.ts';
import { RangeAllocator } from '../../netaddr/range-allocator.ts';
import { findCondition } from '../../k8s/meta.ts';
import { jsonEqual } from '../../store/json.ts';
import { type PoolRange, parsePoolRanges } from './blocks.ts';
import { settleConflicts } from './conflicts.ts';
import {
  type ConditionInput,
  msg,
  POOL_CONFLICT,
  POOL_IPS_AVAILABLE,
  POOL_IPS_TOTAL,
  POOL_IPS_USED,
  SERVICE_SATISFIED,
  setCondition,
} from './conditions.ts';
import {
  isResponsible,
  type LBIPAMOptions,
  requestedFamilies,
  requestedIPs,
  type SharingInfo,
  selectorLabels,
  sharingIncompatibility,
  sharingInfo,
} from './service.ts';

export type EngineLog = (level: 'info' | 'warn' | 'error', message: string) => void;

interface PoolState {
  readonly name: string;
  /** Order in which the engine first saw the pool: ranges are tried in this order. */
  readonly seq: number;
  readonly createdMs: number;
  generation: number;
  spec: unknown;
  /** undefined: no serviceSelector, every service matches. */
  selector: Selector | undefined;
  disabled: boolean;
  noFirstLast: boolean;
  ranges: LBRange[];
  /** Bumped whenever a range is added or removed. */
  rangesVersion: number;
  /** What the count conditions were last computed from. */
  counted: { generation: number; rangesVersion: number; used: number } | undefined;
  conflicting: boolean;
  conditions: Condition[];
}

class LBRange {
  readonly alloc: RangeAllocator<Slot>;
  removed = false;
  constructor(
    readonly pool: PoolState,
    readonly family: Family,
    readonly from: bigint,
    readonly to: bigint,
    public fromCidr: boolean,
  ) {
    this.alloc = new RangeAllocator<Slot>(from, to);
  }
  /** No new allocations: pool disabled (spec), conflicting (internal), or the range is gone. */
  get disabled(): boolean {
    return this.pool.disabled || this.pool.conflicting || this.removed;
  }
  contains(ip: IP): boolean {
    return ip.family === this.family && ip.value >= this.from && ip.value <= this.to;
  }
  text(): string {
    return formatRange(this);
  }
}

/**
 * One allocated address and the services sharing it (cilium keeps `[]*ServiceView` per IP).
 * Reserved first/last addresses are slots without members; so are mirrors, which mark in an
 * enabled range an address that an overlapping (conflicting) range still hands to a service.
 */
interface Slot {
  readonly ip: IP;
  readonly text: string;
  readonly range: LBRange;
  members: ServiceView[];
  mirror: boolean;
  /** Sharing keys whose index lists this slot (created on first use). */
  keys: Set<string> | undefined;
}

interface ServiceView {
  readonly key: string;
  generation: number;
  labels: Record<string, string>;
  requested: IP[];
  unparsable: string;
  v4: boolean;
  v6: boolean;
  sharing: SharingInfo;
  /** The slots this service holds, in the order it got them. */
  allocations: Slot[];
  ingress: LoadBalancerIngress[];
  /** The service's cilium.io/IPAMRequestSatisfied condition (0 or 1 entries). */
  conditions: Condition[];
}

/** What a service's status should carry: the ingress list and LB-IPAM's condition. */
export interface ServiceStatusWant {
  ingress: LoadBalancerIngress[];
  condition: Condition | undefined;
}

export interface EngineChanges {
  /** null: LB-IPAM let go of the service; its ingress and condition are to be cleared. */
  services: Map<string, ServiceStatusWant | null>;
  pools: Map<string, Condition[]>;
}

/** One held address, for inspection: by services, reserved (first/last), or mirroring an overlap. */
export interface AllocationInfo {
  pool: string;
  ip: string;
  services: string[];
  kind: 'service' | 'reserved' | 'mirror';
}

function copyCondition(c: Condition): Condition {
  return { ...c };
}

export class LBIPAMEngine {
  private pools = new Map<string, PoolState>();
  private ranges: LBRange[] = [];
  private satisfied = new Map<string, ServiceView>();
  private unsatisfied = new Map<string, ServiceView>();
  private sharing = new Map<string, Slot[]>();
  private initialized = false;
  private poolSeq = 0;
  /** Whether any two ranges overlap (then holds are checked across ranges). */
  private overlapping = false;
  private dirtyServices = new Set<string>();
  private released = new Set<string>();
  private dirtyPools = new Set<string>();
  private carried: EngineChanges | undefined;

  constructor(
    private readonly opts: LBIPAMOptions,
    private readonly now: () => string,
    private readonly log: EngineLog = () => {},
  ) {}

  /** Dormant until the first (valid) pool: services are not processed at all. */
  get dormant(): boolean {
    return !this.initialized;
  }

  // ---- entry points -------------------------------------------------------------------------

  /**
   * Leaves the dormant state with everything currently in the store: pools first, then services,
   * whose ingress IPs are adopted before anything new is allocated — so a restart reshuffles
   * nothing. Stays dormant when there is no valid pool.
   * Pools are taken oldest first, which is the order cilium sees them in a fresh cluster.
   * cilia: pools keep the conflict state their status records (cilium re-settles from scratch,
   * which can disable a different pool than before and strip its services), and first/last
   * addresses of allowFirstLastIPs: No pools are reserved after the adoption, where still free,
   * so a service holding one keeps it.
   */
  initialize(pools: readonly CiliumLoadBalancerIPPool[], services: readonly Service[]): void {
    if (this.initialized) throw new Error('lbipam: initialize called twice');
    const poolOrder = (a: CiliumLoadBalancerIPPool, b: CiliumLoadBalancerIPPool) =>
      createdMs(a.metadata.creationTimestamp) - createdMs(b.metadata.creationTimestamp) ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
    const deferred: LBRange[] = [];
    for (const p of [...pools].sort(poolOrder)) {
      const ranges = this.parse(p);
      if (ranges) this.addPool(p, ranges, deferred);
    }
    if (this.pools.size === 0) return;
    this.settleConflicts();
    this.initialized = true;
    const svcOrder = (a: Service, b: Service) =>
      createdMs(a.metadata.creationTimestamp) - createdMs(b.metadata.creationTimestamp) ||
      objectKey(a.metadata).localeCompare(objectKey(b.metadata));
    for (const svc of [...services].sort(svcOrder)) {
      if (isResponsible(svc, this.opts)) this.storeView(this.newView(svc));
    }
    for (const sv of [...this.satisfied.values(), ...this.unsatisfied.values()]) this.storeView(sv, this.stripOrImportIngresses(sv));
    for (const r of deferred) this.reserveEnds(r);
    this.revalidateAll();
    this.updatePoolCounts();
  }

  upsertPool(pool: CiliumLoadBalancerIPPool): void {
    this.requireInitialized();
    const ranges = this.parse(pool);
    if (!ranges) return;
    const cur = this.pools.get(pool.metadata.name ?? '');
    if (cur) {
      if (jsonEqual(cur.spec, pool.spec)) return;
      this.modifyPool(cur, pool, ranges);
    } else {
      this.addPool(pool, ranges);
    }
    this.settleConflicts();
    this.satisfyAll();
    this.updatePoolCounts();
  }

  /** Removes a pool; when it was the last one LB-IPAM goes dormant again. */
  deletePool(name: string): void {
    const pool = this.pools.get(name);
    if (!this.initialized || !pool) return;
    const affected = new Set<ServiceView>();
    for (const r of [...pool.ranges]) this.removeRange(r, affected);
    this.pools.delete(name);
    this.dirtyPools.delete(name);
    for (const sv of affected) {
      let modified = this.stripOrImportIngresses(sv);
      if (!this.isSatisfied(sv)) modified = this.satisfyService(sv) || modified;
      this.storeView(sv, modified);
    }
    this.settleConflicts();
    this.satisfyAll();
    this.updatePoolCounts();
    if (this.pools.size === 0) this.reset();
  }

  upsertService(svc: Service): void {
    if (!this.initialized) return;
    const key = objectKey(svc.metadata);
    const known = this.view(key);
    if (!isResponsible(svc, this.opts)) {
      if (!known) return;
      this.release(known);
      this.released.add(key);
    } else {
      this.released.delete(key);
      const sv = known ? this.refreshView(known, svc) : this.newView(svc);
      this.revalidate(sv);
    }
    this.satisfyAll();
    this.updatePoolCounts();
  }

  deleteService(key: string): void {
    const sv = this.view(key);
    if (!this.initialized || !sv) return;
    this.release(sv);
    this.satisfyAll();
    this.updatePoolCounts();
  }

  /** The desired statuses that changed since the last call. */
  takeChanges(): EngineChanges {
    const out = this.carried ?? { services: new Map(), pools: new Map() };
    this.carried = undefined;
    for (const key of this.dirtyServices) {
      const sv = this.view(key);
      if (sv) out.services.set(key, this.want(sv));
    }
    for (const key of this.released) out.services.set(key, null);
    for (const name of this.dirtyPools) {
      const p = this.pools.get(name);
      if (p) out.pools.set(name, p.conditions.map(copyCondition));
    }
    this.dirtyServices.clear();
    this.released.clear();
    this.dirtyPools.clear();
    return out;
  }

  /** What a service's status should carry, or undefined when LB-IPAM does not handle it. */
  serviceWant(key: string): ServiceStatusWant | undefined {
    const sv = this.view(key);
    return sv ? this.want(sv) : undefined;
  }

  /** A pool's desired status conditions, or undefined when the engine does not know the pool. */
  poolConditions(name: string): Condition[] | undefined {
    return this.pools.get(name)?.conditions.map(copyCondition);
  }

  /** Every held address, by pool, in range and address order. */
  allocations(): AllocationInfo[] {
    const out: AllocationInfo[] = [];
    for (const r of this.ranges) {
      const slots = [...r.alloc.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      for (const [, s] of slots) {
        const kind = s.mirror ? 'mirror' : s.members.length === 0 ? 'reserved' : 'service';
        out.push({ pool: r.pool.name, ip: s.text, services: s.members.map((m) => m.key), kind });
      }
    }
    return out;
  }

  // ---- pools --------------------------------------------------------------------------------

  private requireInitialized(): void {
    if (!this.initialized) throw new Error('lbipam: dormant; initialize with the first pool');
  }

  /** A pool's ranges, or undefined (logged) when the spec is unusable: nothing of it is applied. */
  private parse(pool: CiliumLoadBalancerIPPool): PoolRange[] | undefined {
    const { ranges, errors } = parsePoolRanges(pool.spec);
    for (const e of errors) this.log('error', `CiliumLoadBalancerIPPool/${pool.metadata.name}: ${e.field}: ${e.message}; pool ignored`);
    return errors.length === 0 ? ranges : undefined;
  }

  private applySpec(p: PoolState, pool: CiliumLoadBalancerIPPool): void {
    const sel = pool.spec?.serviceSelector;
    p.generation = pool.metadata.generation ?? 0;
    p.spec = structuredClone(pool.spec);
    // parsePoolRanges has already rejected selectors that do not convert.
    p.selector = sel === undefined || sel === null ? undefined : (fromLabelSelector(sel) as Selector);
    p.disabled = pool.spec?.disabled === true;
    p.noFirstLast = pool.spec?.allowFirstLastIPs === 'No';
  }

  /** With `deferReserve` (initialisation) the ranges whose ends are to be reserved are collected there. */
  private addPool(pool: CiliumLoadBalancerIPPool, ranges: PoolRange[], deferReserve?: LBRange[]): void {
    const p: PoolState = {
      name: pool.metadata.name ?? '',
      seq: this.poolSeq++,
      createdMs: createdMs(pool.metadata.creationTimestamp),
      generation: 0,
      spec: undefined,
      selector: undefined,
      disabled: false,
      noFirstLast: false,
      ranges: [],
      rangesVersion: 0,
      counted: undefined,
      conflicting: false,
      conditions: (pool.status?.conditions ?? []).map(copyCondition),
    };
    this.applySpec(p, pool);
    this.pools.set(p.name, p);
    for (const r of ranges) {
      const range = this.addRange(p, r);
      if (deferReserve) deferReserve.push(range);
      else this.reserveEnds(range);
    }
    // cilium handleNewPool: every new pool is first un-marked, so kubectl never shows a blank
    // CONFLICTING. cilia: on (re)initialisation a pool the status says is conflicting stays so,
    // and settleConflicts decides from there exactly as before the restart.
    if (deferReserve && findCondition(p.conditions, POOL_CONFLICT)?.status === 'True') p.conflicting = true;
    else this.unmark(p);
  }

  private addRange(p: PoolState, r: PoolRange): LBRange {
    const range = new LBRange(p, r.family, r.from, r.to, r.fromCidr);
    p.ranges.push(range);
    p.rangesVersion++;
    this.ranges.push(range);
    // Until settleConflicts looks, assume the new range may overlap another.
    this.overlapping = true;
    return range;
  }

  /** allowFirstLastIPs: No reserves first and last of cidr blocks of 3+ addresses, where free. */
  private reserveEnds(range: LBRange): void {
    if (!range.fromCidr || !range.pool.noFirstLast || range.to - range.from < 2n) return;
    for (const addr of [range.from, range.to]) {
      if (!range.alloc.has(addr) && !this.heldElsewhere(range, addr)) range.alloc.alloc(addr, this.newSlot(range, addr, []));
    }
  }

  /** No→Yes frees a reserved first/last address unless a service holds it. */
  private unreserve(range: LBRange, addr: bigint): void {
    const slot = range.alloc.get(addr);
    if (slot && slot.members.length === 0 && !slot.mirror) range.alloc.free(addr);
  }

  private modifyPool(p: PoolState, pool: CiliumLoadBalancerIPPool, ranges: PoolRange[]): void {
    const wasNo = p.noFirstLast;
    this.applySpec(p, pool);
    const same = (r: LBRange, n: PoolRange) => r.family === n.family && r.from === n.from && r.to === n.to;
    const existing = [...p.ranges];
    for (const r of existing) {
      const kept = ranges.find((n) => same(r, n));
      if (!kept) {
        // Its services are re-satisfied by revalidateAll below.
        this.removeRange(r, new Set());
        continue;
      }
      const toggled = wasNo !== p.noFirstLast || r.fromCidr !== kept.fromCidr;
      r.fromCidr = kept.fromCidr;
      if (toggled && r.to - r.from >= 2n) {
        if (p.noFirstLast && r.fromCidr) this.reserveEnds(r);
        else for (const addr of [r.from, r.to]) this.unreserve(r, addr);
      }
    }
    for (const n of ranges) if (!existing.some((r) => same(r, n))) this.reserveEnds(this.addRange(p, n));
    // cilia: conflicts are settled before services are revalidated (cilium does it after), so a
    // range edited into an overlap never hands out an address held in the range it overlaps.
    this.settleConflicts();
    this.revalidateAll();
  }

  /** Drops a range: its holders lose those addresses (the caller re-satisfies them). */
  private removeRange(r: LBRange, affected: Set<ServiceView>): void {
    r.removed = true;
    this.ranges.splice(this.ranges.indexOf(r), 1);
    r.pool.ranges.splice(r.pool.ranges.indexOf(r), 1);
    r.pool.rangesVersion++;
    for (const [, slot] of r.alloc.entries()) {
      for (const sv of slot.members) {
        sv.allocations = sv.allocations.filter((s) => s !== slot);
        affected.add(sv);
      }
      slot.members = [];
      this.unindex(slot);
      if (!slot.mirror) this.freeMirrors(slot);
    }
  }

  /** cilium settleConflicts (see conflicts.ts), then whether any two ranges overlap at all. */
  private settleConflicts(): void {
    for (const d of settleConflicts<LBRange, PoolState>([...this.pools.values()])) {
      if ('mark' in d) this.mark(d.mark, d.other, d.range, d.otherRange);
      else this.unmark(d.unmark);
    }
    this.overlapping = this.ranges.some((a, i) => this.ranges.some((b, j) => j > i && rangesOverlap(a, b)));
  }

  private mark(target: PoolState, other: PoolState, range: LBRange, otherRange: LBRange): void {
    if (target.conflicting) return;
    target.conflicting = true;
    const message = msg.conflict(range.text(), otherRange.text(), other.name);
    this.log('warn', `Pool '${target.name}' conflicts since range '${range.text()}' overlaps range '${otherRange.text()}' from IP Pool '${other.name}'`);
    this.setPoolCondition(target, { type: POOL_CONFLICT, status: 'True', reason: 'cidr_overlap', message, observedGeneration: target.generation });
  }

  private unmark(p: PoolState): void {
    p.conflicting = false;
    this.setPoolCondition(p, { type: POOL_CONFLICT, status: 'False', reason: 'resolved', message: '', observedGeneration: p.generation });
  }

  private setPoolCondition(p: PoolState, c: ConditionInput): void {
    if (setCondition(p.conditions, c, this.now)) this.dirtyPools.add(p.name);
  }

  /**
   * cilium updatePoolCounts. cilia: all three counts are set in every pass; cilium 1.18 sets only
   * the first changed one per pass and relies on later events for the rest — the steady state is
   * the same and a lab with no further events would otherwise show stale counts.
   */
  private updatePoolCounts(): void {
    for (const p of this.pools.values()) {
      let used = 0;
      for (const r of p.ranges) used += r.alloc.allocatedCount;
      const last = p.counted;
      if (last && last.generation === p.generation && last.rangesVersion === p.rangesVersion && last.used === used) continue;
      p.counted = { generation: p.generation, rangesVersion: p.rangesVersion, used };
      let total = 0n;
      for (const r of p.ranges) total += r.alloc.size;
      const count = (type: string, n: bigint) => ({ type, status: 'Unknown' as const, reason: 'noreason', message: n.toString(), observedGeneration: p.generation });
      this.setPoolCondition(p, count(POOL_IPS_TOTAL, total));
      this.setPoolCondition(p, count(POOL_IPS_AVAILABLE, total - BigInt(used)));
      this.setPoolCondition(p, count(POOL_IPS_USED, BigInt(used)));
    }
  }

  private reset(): void {
    this.carried = this.takeChanges();
    this.pools.clear();
    this.ranges = [];
    this.satisfied.clear();
    this.unsatisfied.clear();
    this.sharing.clear();
    this.overlapping = false;
    this.initialized = false;
  }

  // ---- services -----------------------------------------------------------------------------

  private view(key: string): ServiceView | undefined {
    return this.satisfied.get(key) ?? this.unsatisfied.get(key);
  }

  /** A first sight: the status in the store is adopted (ingress IPs and condition). */
  private newView(svc: Service): ServiceView {
    // metav1.Condition from kubernetes-types is the same shape, with status typed as a plain string.
    const cond = findCondition(svc.status?.conditions as Condition[] | undefined, SERVICE_SATISFIED);
    const sv: ServiceView = {
      key: objectKey(svc.metadata),
      generation: 0,
      labels: {},
      requested: [],
      unparsable: '',
      v4: false,
      v6: false,
      sharing: sharingInfo(svc),
      allocations: [],
      ingress: (svc.status?.loadBalancer?.ingress ?? []).map((i) => structuredClone(i)),
      conditions: cond ? [copyCondition(cond)] : [],
    };
    return this.refreshView(sv, svc);
  }

  /** Later sights: only the spec-derived fields change; the status is LB-IPAM's own. */
  private refreshView(sv: ServiceView, svc: Service): ServiceView {
    sv.generation = svc.metadata.generation ?? 0;
    sv.labels = selectorLabels(svc);
    const fam = requestedFamilies(svc, this.opts);
    sv.v4 = fam.v4;
    sv.v6 = fam.v6;
    const req = requestedIPs(svc);
    sv.requested = req.ips;
    const bad = req.unparsable.join(',');
    if (bad !== '' && bad !== sv.unparsable) {
      this.log('warn', `Service ${sv.key}: ignoring requested IPs that do not parse: ${req.unparsable.map((u) => `"${u}"`).join(', ')}`);
    }
    sv.unparsable = bad;
    sv.sharing = sharingInfo(svc);
    return sv;
  }

  private storeView(sv: ServiceView, modified = false): void {
    if (modified) this.dirtyServices.add(sv.key);
    if (this.isSatisfied(sv)) {
      this.unsatisfied.delete(sv.key);
      this.satisfied.set(sv.key, sv);
    } else {
      this.satisfied.delete(sv.key);
      this.unsatisfied.set(sv.key, sv);
    }
  }

  private want(sv: ServiceView): ServiceStatusWant {
    const ingress = sv.ingress.map((i) => (i.ports ? { ...i, ports: i.ports.map((p) => ({ ...p })) } : { ...i }));
    return { ingress, condition: sv.conditions[0] && copyCondition(sv.conditions[0]) };
  }

  /** cilium handleUpsertService / revalidateAllServices for one service. */
  private revalidate(sv: ServiceView): void {
    this.stripInvalidAllocations(sv);
    let modified = this.stripOrImportIngresses(sv);
    if (!this.isSatisfied(sv)) modified = this.satisfyService(sv) || modified;
    this.storeView(sv, modified);
  }

  /** Satisfied services first, so a widened range gives them back their own IPs before others ask. */
  private revalidateAll(): void {
    for (const sv of [...this.satisfied.values()]) this.revalidate(sv);
    for (const sv of [...this.unsatisfied.values()]) this.revalidate(sv);
  }

  private satisfyAll(): void {
    if (this.unsatisfied.size === 0) return;
    for (const sv of [...this.unsatisfied.values()]) this.storeView(sv, this.satisfyService(sv));
  }

  private release(sv: ServiceView): void {
    for (const slot of sv.allocations) this.leave(slot, sv);
    sv.allocations = [];
    this.satisfied.delete(sv.key);
    this.unsatisfied.delete(sv.key);
    this.dirtyServices.delete(sv.key);
  }

  /** Takes `sv` out of a slot's sharing group; the address is freed when the group empties. */
  private leave(slot: Slot, sv: ServiceView): void {
    slot.members = slot.members.filter((m) => m !== sv);
    if (slot.members.length > 0) return;
    // Also a reserved first/last address a sharing-key service had joined (cilium frees it too).
    slot.range.alloc.free(slot.ip.value);
    this.unindex(slot);
    this.freeMirrors(slot);
  }

  private selects(p: PoolState, sv: ServiceView): boolean {
    return p.selector === undefined || matches(p.selector, sv.labels);
  }

  private incompatibility(slot: Slot, sv: ServiceView): string | undefined {
    for (const m of slot.members) {
      if (m === sv) continue;
      const why = sharingIncompatibility(m.sharing, sv.sharing, this.opts.protocolDifferentiation);
      if (why) return why;
    }
    return undefined;
  }

  /** cilium stripInvalidAllocations (spec §1.8), newest allocation first. */
  private stripInvalidAllocations(sv: ServiceView): void {
    for (let i = sv.allocations.length - 1; i >= 0; i--) {
      const slot = sv.allocations[i]!;
      const keep =
        !slot.range.removed &&
        this.selects(slot.range.pool, sv) &&
        sv.allocations.every((s) => s.members.length === 1 || this.incompatibility(s, sv) === undefined) &&
        (sv.requested.length > 0
          ? sv.requested.some((ip) => ipEquals(ip, slot.ip))
          : slot.ip.family === 6
            ? sv.v6
            : sv.v4);
      if (keep) continue;
      sv.allocations.splice(i, 1);
      this.leave(slot, sv);
    }
  }

  /**
   * cilium stripOrImportIngresses: ingress IPs LB-IPAM does not hold are adopted when they are
   * requested (or of a requested family), lie in an enabled range whose pool selects the service
   * and are free; the rest are dropped (an IP held by someone else is left to the sharing logic).
   */
  private stripOrImportIngresses(sv: ServiceView): boolean {
    if (sv.ingress.length === 0) return false;
    const kept: LoadBalancerIngress[] = [];
    for (const ing of sv.ingress) {
      const ip = ing.ip ? parseIP(ing.ip) : undefined;
      if (!ip) continue;
      if (!this.holds(sv, ip) && !this.adopt(sv, ip)) continue;
      // Duplicates collapse only when adjacent, as cilium's slices.CompactFunc does.
      if (kept.length > 0 && kept[kept.length - 1]!.ip === ing.ip) continue;
      kept.push(ing);
    }
    const modified = kept.length !== sv.ingress.length;
    sv.ingress = kept;
    return modified;
  }

  private holds(sv: ServiceView, ip: IP): boolean {
    for (const s of sv.allocations) if (ipEquals(s.ip, ip)) return true;
    return false;
  }

  /**
   * Adopts an ingress IP LB-IPAM does not hold yet. cilia deviations, both so that a restart
   * moves nothing: the family test applies only without requested IPs (cilium also applies it to
   * requested ones, dropping a requested IPv4 of a service whose ipFamilies say IPv6); and an IP
   * already shared by compatible services of the same key is joined here (cilium drops it and lets
   * the key index pick the first compatible IP, which after a restart may be another one).
   */
  private adopt(sv: ServiceView, ip: IP): boolean {
    if (sv.requested.length > 0) {
      if (!sv.requested.some((r) => ipEquals(r, ip))) return false;
    } else if (ip.family === 6 ? !sv.v6 : !sv.v4) {
      return false;
    }
    const { range } = this.findRange(sv, ip);
    if (!range) {
      this.log('info', `Service ${sv.key}: ingress IP ${formatIP(ip)} is in no matching pool; allocating anew`);
      return false;
    }
    if (this.heldElsewhere(range, ip.value)) return false;
    let slot = range.alloc.get(ip.value);
    if (slot) {
      const joinable = sv.sharing.sharingKey !== '' && slot.members.length > 0 && !slot.mirror && this.incompatibility(slot, sv) === undefined;
      if (!joinable) return false;
      slot.members.push(sv);
    } else {
      slot = this.newSlot(range, ip.value, [sv]);
      range.alloc.alloc(ip.value, slot);
    }
    sv.allocations.push(slot);
    if (sv.sharing.sharingKey !== '') this.index(sv.sharing.sharingKey, slot);
    return true;
  }

  /** The first enabled range holding `ip` whose pool selects the service; poolFound when only selection failed. */
  private findRange(sv: ServiceView, ip: IP): { range?: LBRange; poolFound: boolean } {
    let poolFound = false;
    for (const r of this.ranges) {
      if (r.disabled || !r.contains(ip)) continue;
      poolFound = true;
      if (this.selects(r.pool, sv)) return { range: r, poolFound: false };
    }
    return { poolFound };
  }

  /** cilium satisfyService: allocate what is missing, append it to the ingress, set the condition. */
  private satisfyService(sv: ServiceView): boolean {
    let modified = sv.requested.length > 0 ? this.satisfyRequested(sv) : this.satisfyFamilies(sv);
    for (const slot of sv.allocations) {
      if (sv.ingress.some((i) => i.ip !== undefined && sameIP(i.ip, slot.ip))) continue;
      sv.ingress.push({ ip: slot.text, ipMode: 'VIP' });
      modified = true;
      if (sv.sharing.sharingKey !== '') this.index(sv.sharing.sharingKey, slot);
    }
    if (this.isSatisfied(sv)) modified = this.setServiceCondition(sv, 'True', 'satisfied', '') || modified;
    return modified;
  }

  private setServiceCondition(sv: ServiceView, status: 'True' | 'False', reason: string, message: string): boolean {
    return setCondition(sv.conditions, { type: SERVICE_SATISFIED, status, reason, message, observedGeneration: sv.generation }, this.now);
  }

  /** cilium satisfySpecificIPRequests. */
  private satisfyRequested(sv: ServiceView): boolean {
    let modified = false;
    const fail = (reason: string, message: string) => {
      modified = this.setServiceCondition(sv, 'False', reason, message) || modified;
    };
    for (const ip of sv.requested) {
      if (this.holds(sv, ip)) continue;
      const text = formatIP(ip);
      const { range, poolFound } = this.findRange(sv, ip);
      if (!range) {
        if (poolFound) fail('pool_selector_mismatch', msg.selectorMismatch(text));
        else fail('no_pool', msg.noPoolForIP(text));
        continue;
      }
      // An address a conflicting pool's service still holds cannot be shared across the conflict.
      if (this.heldElsewhere(range, ip.value)) {
        fail('already_allocated', msg.alreadyAllocated(text));
        continue;
      }
      let slot = range.alloc.get(ip.value);
      if (slot) {
        if (sv.sharing.sharingKey === '') {
          fail('already_allocated', msg.alreadyAllocated(text));
          continue;
        }
        const why = this.incompatibility(slot, sv);
        if (why) {
          fail('already_allocated_incompatible_service', msg.incompatible(text, why));
          continue;
        }
        // A sharing-key service may join a reserved first/last address (cilium quirk, spec §1.9).
        slot.members.push(sv);
      } else {
        slot = this.newSlot(range, ip.value, [sv]);
        range.alloc.alloc(ip.value, slot);
      }
      sv.allocations.push(slot);
    }
    return modified;
  }

  /** cilium satisfyGenericIPRequests: one IP of each requested family not yet held. */
  private satisfyFamilies(sv: ServiceView): boolean {
    let modified = false;
    for (const family of FAMILIES) {
      if (!(family === 4 ? sv.v4 : sv.v6) || sv.allocations.some((s) => s.ip.family === family)) continue;
      if (this.joinSharingGroup(sv, family)) continue;
      const got = this.allocateNew(sv, family);
      if (got === 'ok') continue;
      modified =
        (got === 'full'
          ? this.setServiceCondition(sv, 'False', 'out_of_ips', msg.outOfIPs)
          : this.setServiceCondition(sv, 'False', 'no_pool', msg.noPool)) || modified;
    }
    return modified;
  }

  /**
   * Reuses the first IP of the service's sharing key (in the order they joined the key) that all
   * its sharers accept. cilia: only from an enabled range whose pool selects the service; cilium
   * also joins others, which its own re-validation (§1.8 rule 2) then takes away again.
   */
  private joinSharingGroup(sv: ServiceView, family: Family): boolean {
    if (sv.sharing.sharingKey === '') return false;
    for (const slot of this.sharing.get(sv.sharing.sharingKey) ?? []) {
      if (slot.ip.family !== family || slot.members.length === 0) continue;
      if (slot.range.disabled || !this.selects(slot.range.pool, sv)) continue;
      if (this.incompatibility(slot, sv) !== undefined) continue;
      slot.members.push(sv);
      sv.allocations.push(slot);
      return true;
    }
    return false;
  }

  /** cilium allocateIPAddress: the first enabled, selecting range of the family with room. */
  private allocateNew(sv: ServiceView, family: Family): 'ok' | 'full' | 'none' {
    let full = false;
    for (const range of this.ranges) {
      if (range.disabled || range.family !== family || !this.selects(range.pool, sv)) continue;
      for (;;) {
        const addr = range.alloc.allocAny((a) => this.newSlot(range, a, [sv]));
        if (addr === undefined) break;
        const slot = range.alloc.get(addr)!;
        if (this.heldElsewhere(range, addr)) {
          slot.members = [];
          slot.mirror = true;
          continue;
        }
        sv.allocations.push(slot);
        return 'ok';
      }
      full = true;
    }
    return full ? 'full' : 'none';
  }

  private isSatisfied(sv: ServiceView): boolean {
    if (sv.requested.length > 0) return sv.requested.every((ip) => sv.ingress.some((i) => i.ip !== undefined && sameIP(i.ip, ip)));
    let v4 = false;
    let v6 = false;
    for (const i of sv.ingress) {
      // cilium tests To4() == nil: anything that is not IPv4 counts as IPv6.
      if (parseIPv4Number(i.ip ?? '') >= 0) v4 = true;
      else v6 = true;
    }
    return !((sv.v4 && !v4) || (sv.v6 && !v6));
  }

  // ---- slots, sharing index, overlapping ranges ---------------------------------------------

  private newSlot(range: LBRange, addr: bigint, members: ServiceView[]): Slot {
    const ip = { family: range.family, value: addr };
    return { ip, text: formatIP(ip), range, members, mirror: false, keys: undefined };
  }

  private index(key: string, slot: Slot): void {
    slot.keys ??= new Set();
    if (slot.keys.has(key)) return;
    slot.keys.add(key);
    const list = this.sharing.get(key);
    if (list) list.push(slot);
    else this.sharing.set(key, [slot]);
  }

  private unindex(slot: Slot): void {
    if (!slot.keys) return;
    for (const key of slot.keys) {
      const list = this.sharing.get(key)!.filter((s) => s !== slot);
      if (list.length > 0) this.sharing.set(key, list);
      else this.sharing.delete(key);
    }
    slot.keys = undefined;
  }

  /**
   * A slot of another range that hands `addr` to services. Only overlapping ranges (where one
   * pool is conflicting but keeps its allocations) can hold the same address twice.
   */
  private heldElsewhere(range: LBRange, addr: bigint): Slot | undefined {
    if (!this.overlapping) return undefined;
    for (const r of this.ranges) {
      if (r === range || addr < r.from || addr > r.to || r.family !== range.family) continue;
      const s = r.alloc.get(addr);
      if (s && !s.mirror && s.members.length > 0) return s;
    }
    return undefined;
  }

  /** When a held address is freed, the mirrors other ranges kept for it are freed too. */
  private freeMirrors(slot: Slot): void {
    if (!this.overlapping) return;
    for (const r of this.ranges) {
      if (r === slot.range || !r.contains(slot.ip)) continue;
      if (r.alloc.get(slot.ip.value)?.mirror) r.alloc.free(slot.ip.value);
    }
  }
}

const FAMILIES = [4, 6] as const;

function sameIP(text: string, ip: IP): boolean {
  const p = parseIP(text);
  return p !== undefined && ipEquals(p, ip);
}

function createdMs(ts: string | undefined): number {
  const ms = ts ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}
