// Adj-RIB-Out of one peer for one family: what was advertised per destination, what is waiting
// to be re-evaluated, and the export decision (split horizon, well-known communities, RFC 8212,
// policy, the eBGP/iBGP attribute rewrite). Out-going attribute sets are interned and cached per
// (in-set, source kind, policy outcome), so a million prefixes sharing attributes cost one
// rewrite and one policy outcome key each.

import { type RouteView, applyActions, evaluate } from '../policy/evaluate.ts';
import type { PolicyAssignment, Statement } from '../policy/types.ts';
import { type PathAttrs, prependAs } from '../wire/attributes.ts';
import type { FamilyKey } from '../wire/constants.ts';
import type { AttrStore } from './attrset.ts';
import { SourceKind } from './decision.ts';
import type { RibTable } from './table.ts';

/** The receiving peer, as the export decision sees it. */
export interface ExportTarget {
  /** This peer's path source index (for split horizon). */
  source: number;
  ebgp: boolean;
  localAs: number;
  selfNextHop4: number;
  selfNextHop6: Uint8Array;
  /** iBGP `next-hop-self`. */
  nextHopSelf: boolean;
  policy: PolicyAssignment | undefined;
  /** RFC 8212: an eBGP peer without export policy gets nothing. */
  blocked: boolean;
  /** Advertise a path back to the peer it was learnt from (FRR does). */
  sendBack: boolean;
  peerFamily: 4 | 6;
  peerAddr: bigint;
  defaultLocalPref: number;
  /**
   * eBGP: keep an IPv4 next hop that sits on the network shared with the peer instead of
   * putting ourselves in (RFC 4271 §5.1.3, "third party" next hop, as FRR does).
   */
  thirdParty?: (nextHop: number) => boolean;
}

const MAX_CACHE_SLACK = 4096;

export class AdjOut {
  /** Per destination: advertised out-set id + 1, 0 when nothing is advertised. */
  out: Int32Array;
  /** Prefixes currently advertised. */
  count = 0;
  private queue = new Int32Array(1024);
  private qHead = 0;
  private qTail = 0;
  private queued: Uint8Array;
  /**
   * Without a policy outcome, the out-set is a function of (in-set, source kind): remembered in
   * arrays indexed by in-set id * 3 + kind, validated by the store's id generations, so they hold
   * no references and need no eviction. Policy outcomes use the map (which holds references).
   */
  private memoOut = new Int32Array(0);
  private memoInGen = new Uint32Array(0);
  private memoOutGen = new Uint32Array(0);
  private cache = new Map<string, number>();
  // consecutive destinations mostly share one outcome: remember the last lookup
  private lastKey: string | undefined;
  private lastOut: number | undefined;
  private view: RouteView;

  /** Out-sets too large for one UPDATE of this session (never advertised). */
  oversize = 0;

  constructor(
    readonly family: FamilyKey,
    readonly table: RibTable,
    readonly store: AttrStore,
    /** Largest message the session allows, and whether it speaks 4-octet ASNs. */
    readonly maxLen: number,
    readonly as4: boolean,
  ) {
    this.out = new Int32Array(table.destCapacity);
    this.queued = new Uint8Array(table.destCapacity);
    this.view = { family, addr: 0n, len: 0, peerFamily: 4, peerAddr: undefined, attrs: undefined as never };
  }

  private fit(d: number): void {
    if (d < this.out.length) return;
    let size = this.out.length * 2;
    while (size <= d) size *= 2;
    const o = new Int32Array(size);
    o.set(this.out);
    this.out = o;
    const q = new Uint8Array(size);
    q.set(this.queued);
    this.queued = q;
  }

  enqueue(d: number): void {
    this.fit(d);
    if (this.queued[d]) return;
    this.queued[d] = 1;
    if (this.qTail === this.queue.length) {
      const live = this.qTail - this.qHead;
      const next = new Int32Array(Math.max(1024, live * 2));
      next.set(this.queue.subarray(this.qHead, this.qTail));
      this.queue = next;
      this.qHead = 0;
      this.qTail = live;
    }
    this.queue[this.qTail++] = d;
  }

  /** Queues every destination with a best path (initial advertisement, route refresh, soft reset). */
  enqueueAll(): void {
    this.table.forEachSelected((d) => this.enqueue(d));
    for (let d = 0; d < this.out.length; d++) if (this.out[d] !== 0) this.enqueue(d);
  }

  /** Forgets what was advertised so everything is sent again (ROUTE-REFRESH, RFC 2918 §4). */
  forgetAdvertised(): void {
    for (let d = 0; d < this.out.length; d++) {
      const o = this.out[d]!;
      if (o === 0) continue;
      this.store.release(o - 1);
      this.out[d] = 0;
    }
    this.count = 0;
  }

  get pending(): number {
    return this.qTail - this.qHead;
  }

  /** Takes up to `max` queued destinations (a copy: the queue may grow while they are handled). */
  take(max: number): Int32Array {
    const end = Math.min(this.qTail, this.qHead + max);
    const batch = this.queue.slice(this.qHead, end);
    this.qHead = end;
    if (this.qHead === this.qTail) this.qHead = this.qTail = 0;
    for (let i = 0; i < batch.length; i++) this.queued[batch[i]!] = 0;
    return batch;
  }

  /**
   * What should be advertised for `d` now: out-set id + 1 with one reference taken for the
   * caller, or 0 for nothing.
   */
  decide(t: ExportTarget, d: number): number {
    const table = this.table;
    const best = table.dBest[d]!;
    if (best < 0 || t.blocked) return 0;
    const src = table.pSrc[best]!;
    if (src === t.source && !t.sendBack) return 0;
    const kind = table.sources[src]!.kind;
    if (kind === SourceKind.IBGP && !t.ebgp) return 0; // RFC 4271 §9.1.3: no iBGP-to-iBGP without reflection
    const inId = table.pAttr[best]!;
    const set = this.store.get(inId);
    // RFC 1997: NO_ADVERTISE goes nowhere, NO_EXPORT / NO_EXPORT_SUBCONFED stay inside the AS
    if (set.noAdvertise || (set.noExport && t.ebgp)) return 0;
    if (!t.policy) return this.plain(t, inId, kind);
    const v = this.view;
    v.addr = this.family === 'ipv4-unicast' ? BigInt(table.dAddr[d]!) : table.dAddr6[d]!;
    v.len = table.dLen[d]!;
    v.peerFamily = t.peerFamily;
    v.peerAddr = t.peerAddr;
    v.attrs = set.attrs;
    const r = evaluate(t.policy, v);
    if (!r.accept) return 0;
    if (r.key === '') return this.plain(t, inId, kind);
    const key = `${inId}:${kind}:${r.key}`;
    let outId = key === this.lastKey ? this.lastOut : this.cache.get(key);
    if (outId === undefined) {
      outId = this.build(t, inId, kind, r.applied);
      this.store.ref(inId); // the key names inId: keep it from being reused while cached
      this.cache.set(key, outId);
      if (this.cache.size > 2 * this.store.size + MAX_CACHE_SLACK) this.clearCache(key);
    }
    this.lastKey = key;
    this.lastOut = outId;
    if (outId < 0) return 0;
    this.store.ref(outId);
    return outId + 1;
  }

  /** The out-set for an unmodified path (no policy actions), via the generation-checked memo. */
  private plain(t: ExportTarget, inId: number, kind: number): number {
    const store = this.store;
    const slot = inId * 3 + kind;
    if (slot >= this.memoOut.length) this.growMemo(slot);
    const inGen = store.generation(inId) + 1; // +1: 0 marks an empty slot
    if (this.memoInGen[slot] === inGen) {
      const m = this.memoOut[slot]! - 1;
      if (m < 0) return 0; // remembered as impossible to send
      if (this.memoOutGen[slot] === store.generation(m)) {
        store.ref(m);
        return m + 1;
      }
    }
    const outId = this.build(t, inId, kind, []);
    this.memoInGen[slot] = inGen;
    this.memoOut[slot] = outId + 1;
    if (outId < 0) return 0;
    this.memoOutGen[slot] = store.generation(outId);
    return outId + 1; // build()'s reference goes to the caller
  }

  private growMemo(slot: number): void {
    let size = Math.max(1024, this.memoOut.length);
    while (size <= slot) size *= 2;
    const a = new Int32Array(size);
    a.set(this.memoOut);
    this.memoOut = a;
    const b = new Uint32Array(size);
    b.set(this.memoInGen);
    this.memoInGen = b;
    const c = new Uint32Array(size);
    c.set(this.memoOutGen);
    this.memoOutGen = c;
  }

  /** Rewrites and applies policy actions; returns the out-set id with one reference, or -1 when it cannot be sent. */
  private build(t: ExportTarget, inId: number, kind: number, applied: readonly Statement[]): number {
    const set = this.store.get(inId);
    const rewritten = this.rewrite(t, set.attrs, kind);
    const attrs = applyActions(rewritten, applied, { selfNextHop4: t.selfNextHop4, selfNextHop6: t.selfNextHop6 });
    const outId = this.store.acquire(attrs);
    if (this.fits(outId)) return outId;
    // no UPDATE can carry these attributes with even one prefix: it is never sent
    this.store.release(outId);
    this.oversize++;
    return -1;
  }

  private fits(outId: number): boolean {
    const set = this.store.get(outId);
    const attrLen = this.store.wire(outId, this.as4).length;
    const v6 = this.family === 'ipv6-unicast';
    // header, withdrawn and attribute lengths, attributes, MP_REACH framing, one longest prefix
    const need = 19 + 4 + attrLen + (v6 ? 4 + 5 + (set.attrs.nextHop6?.length ?? 16) + 17 : 5);
    return need <= this.maxLen;
  }

  /** The attribute rewrite for the receiving peer (RFC 4271 §5.1). */
  private rewrite(t: ExportTarget, a: PathAttrs, kind: number): PathAttrs {
    const v6 = this.family === 'ipv6-unicast';
    const local = kind === SourceKind.LOCAL;
    const zeroNextHop = v6 ? !a.nextHop6 || a.nextHop6.every((x) => x === 0) : a.nextHop <= 0;
    // one literal with every field, so all rewritten sets share a shape
    const out: PathAttrs = {
      origin: a.origin,
      asPath: a.asPath,
      nextHop: v6 ? -1 : a.nextHop,
      nextHop6: v6 ? a.nextHop6 : undefined,
      med: a.med,
      localPref: a.localPref,
      atomicAggregate: a.atomicAggregate,
      aggregator: a.aggregator,
      communities: a.communities,
      largeCommunities: a.largeCommunities,
      extCommunities: a.extCommunities,
      originatorId: a.originatorId,
      clusterList: a.clusterList,
      unknown: a.unknown,
    };
    if (t.ebgp) {
      out.asPath = prependAs(a.asPath, t.localAs); // §5.1.2
      out.localPref = -1; // §5.1.5: not sent to external peers
      if (kind === SourceKind.EBGP) out.med = -1; // §5.1.4: a neighbouring AS's MED stays with us
      out.originatorId = -1;
      out.clusterList = undefined;
      const keep = !v6 && !local && t.thirdParty !== undefined && a.nextHop > 0 && t.thirdParty(a.nextHop);
      if (!keep) this.setSelf(out, t, v6);
    } else {
      if (out.localPref < 0) out.localPref = t.defaultLocalPref;
      if (local || zeroNextHop || t.nextHopSelf) this.setSelf(out, t, v6);
    }
    return out;
  }

  private setSelf(out: PathAttrs, t: ExportTarget, v6: boolean): void {
    if (v6) out.nextHop6 = t.selfNextHop6;
    else out.nextHop = t.selfNextHop4;
  }

  private clearCache(keep: string): void {
    this.lastKey = undefined;
    const keepId = this.cache.get(keep);
    for (const [k, id] of this.cache) {
      if (k === keep) continue;
      if (id >= 0) this.store.release(id);
      this.store.release(inIdOf(k));
    }
    this.cache.clear();
    if (keepId !== undefined) this.cache.set(keep, keepId);
  }

  /** Drops cached rewrites (policy changed or the session ended). */
  resetCache(): void {
    this.lastKey = undefined;
    this.memoInGen.fill(0);
    for (const [k, id] of this.cache) {
      if (id >= 0) this.store.release(id);
      this.store.release(inIdOf(k));
    }
    this.cache.clear();
  }

  /** Releases everything this Adj-RIB-Out holds. */
  dispose(): void {
    this.forgetAdvertised();
    this.resetCache();
    this.qHead = this.qTail = 0;
    this.queued.fill(0);
  }
}

function inIdOf(k: string): number {
  return Number(k.slice(0, k.indexOf(':')));
}
