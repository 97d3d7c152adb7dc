// One routing table (one address family): destinations and the paths to them, kept in typed
// arrays indexed by small integers, plus the per-destination best path and multipath set.
// Adj-RIB-In (pre- and post-policy) lives here too: every path records the attribute set it
// arrived with and the one import policy turned it into (-1 when rejected).

import type { AttrStore } from './attrset.ts';
import { CMP_NEW_WINS, CMP_PATHS_EQUAL, type Candidate, type DecisionOptions, type PathSource, Reason, SourceKind, comparePaths, cmpReason } from './decision.ts';
import { Ipv4Index, ipv6Key } from './prefix-index.ts';

export const PathFlag = {
  STALE: 1, // graceful restart: kept from a restarting peer (RFC 4724 §4.2)
  MULTIPATH: 2,
  SELECTED: 4, // the current best
  UNUSABLE: 8, // next hop unresolved or otherwise not eligible
} as const;

export type ChangeHandler = (dest: number, bestChanged: boolean, fibChanged: boolean) => void;

const INITIAL = 1 << 15;
/** Scratch bit in pFlags while the multipath set is recomputed. */
const OLD_MP = 0x80;

function grow<T extends Int32Array | Uint32Array | Uint8Array | Uint16Array | Float64Array>(a: T, min: number, fill = 0): T {
  let size = a.length * 2;
  while (size < min) size *= 2;
  const ctor = a.constructor as new (n: number) => T;
  const next = new ctor(size);
  next.set(a);
  if (fill !== 0) next.fill(fill, a.length);
  return next;
}

export class RibTable {
  readonly family: 4 | 6;
  /** FRR's table version: bumped whenever a destination's selection changes. */
  version = 0;

  // destinations
  dAddr = new Uint32Array(INITIAL);
  dAddr6: bigint[] = [];
  dLen = new Uint8Array(INITIAL);
  dHead = new Int32Array(INITIAL).fill(-1);
  dBest = new Int32Array(INITIAL).fill(-1);
  dBestAttr = new Int32Array(INITIAL).fill(-1);
  dVersion = new Uint32Array(INITIAL);
  dReason = new Uint8Array(INITIAL);
  /** 1 while the destination has a multipath set besides its best path. */
  dMultipath = new Uint8Array(INITIAL);
  private dDirty = new Uint8Array(INITIAL);
  private dLive = new Uint8Array(INITIAL);
  private destHigh = 0;
  private destFree: number[] = [];
  private liveDests = 0;

  // paths
  pDest = new Int32Array(INITIAL).fill(-1);
  pSrc = new Int32Array(INITIAL);
  pId = new Uint32Array(INITIAL);
  pAttrIn = new Int32Array(INITIAL);
  pAttr = new Int32Array(INITIAL);
  pNext = new Int32Array(INITIAL);
  pFlags = new Uint8Array(INITIAL);
  /** Seconds since the epoch of the last update of the path. */
  pTime = new Uint32Array(INITIAL);
  private pathHigh = 0;
  private pathFree: number[] = [];
  private livePaths = 0;

  // per-source counters: all paths (pre-policy) and accepted ones (post-policy)
  srcPaths = new Int32Array(16);
  srcAccepted = new Int32Array(16);

  private index4 = new Ipv4Index(INITIAL);
  private index6 = new Map<string, number>();
  private dirty = new Int32Array(1024);
  private dirtyLen = 0;
  private emptied: number[] = [];
  private scratchA: Candidate;
  private scratchSeen = new Int32Array(192);
  private scratchB: Candidate;

  constructor(
    family: 4 | 6,
    readonly store: AttrStore,
    readonly sources: PathSource[],
    readonly opts: DecisionOptions,
  ) {
    this.family = family;
    const placeholder = sources[0]!;
    this.scratchA = { set: undefined as never, src: placeholder, selected: false };
    this.scratchB = { set: undefined as never, src: placeholder, selected: false };
  }

  get destinationCount(): number {
    return this.liveDests;
  }

  get pathCount(): number {
    return this.livePaths;
  }

  // ---------------------------------------------------------------- destinations

  find4(addr: number, len: number): number {
    return this.index4.get(addr, len);
  }

  find6(addr: bigint, len: number): number {
    return this.index6.get(ipv6Key(addr, len)) ?? -1;
  }

  ensure4(addr: number, len: number): number {
    const idx = this.index4;
    idx.ensureRoom();
    const slot = idx.probe(addr, len);
    const d = idx.valueAt(slot);
    if (d >= 0) return d;
    const n = this.allocDest();
    this.dAddr[n] = addr;
    this.dLen[n] = len;
    idx.fill(slot, addr, len, n);
    return n;
  }

  ensure6(addr: bigint, len: number): number {
    const key = ipv6Key(addr, len);
    const d = this.index6.get(key);
    if (d !== undefined) return d;
    const n = this.allocDest();
    this.dAddr6[n] = addr;
    this.dLen[n] = len;
    this.index6.set(key, n);
    return n;
  }

  private allocDest(): number {
    const d = this.destFree.length > 0 ? this.destFree.pop()! : this.destHigh++;
    if (d >= this.dHead.length) {
      const min = d + 1;
      this.dAddr = grow(this.dAddr, min);
      this.dLen = grow(this.dLen, min);
      this.dHead = grow(this.dHead, min, -1);
      this.dBest = grow(this.dBest, min, -1);
      this.dBestAttr = grow(this.dBestAttr, min, -1);
      this.dVersion = grow(this.dVersion, min);
      this.dReason = grow(this.dReason, min);
      this.dMultipath = grow(this.dMultipath, min);
      this.dDirty = grow(this.dDirty, min);
      this.dLive = grow(this.dLive, min);
    }
    this.dHead[d] = -1;
    this.dBest[d] = -1;
    this.dBestAttr[d] = -1;
    this.dVersion[d] = 0;
    this.dReason[d] = 0;
    this.dMultipath[d] = 0;
    this.dLive[d] = 1;
    this.liveDests++;
    return d;
  }

  /** Capacity of per-destination arrays (for Adj-RIB-Out arrays that mirror them). */
  get destCapacity(): number {
    return this.dHead.length;
  }


  /** Frees destinations that lost every path, once nothing refers to them (`inUse`). */
  collect(inUse: (d: number) => boolean): void {
    const list = this.emptied;
    this.emptied = [];
    for (const d of list) {
      if (!this.dLive[d] || this.dHead[d] !== -1 || this.dDirty[d]) continue;
      if (inUse(d)) {
        this.emptied.push(d);
        continue;
      }
      if (this.family === 4) this.index4.delete(this.dAddr[d]!, this.dLen[d]!);
      else this.index6.delete(ipv6Key(this.dAddr6[d]!, this.dLen[d]!));
      this.dLive[d] = 0;
      this.liveDests--;
      this.destFree.push(d);
    }
  }

  // ---------------------------------------------------------------- paths

  findPath(d: number, src: number, pathId: number): number {
    for (let p = this.dHead[d]!; p >= 0; p = this.pNext[p]!) {
      if (this.pSrc[p] === src && this.pId[p] === pathId) return p;
    }
    return -1;
  }

  private allocPath(): number {
    const p = this.pathFree.length > 0 ? this.pathFree.pop()! : this.pathHigh++;
    if (p >= this.pDest.length) {
      const min = p + 1;
      this.pDest = grow(this.pDest, min, -1);
      this.pSrc = grow(this.pSrc, min);
      this.pId = grow(this.pId, min);
      this.pAttrIn = grow(this.pAttrIn, min);
      this.pAttr = grow(this.pAttr, min);
      this.pNext = grow(this.pNext, min);
      this.pFlags = grow(this.pFlags, min);
      this.pTime = grow(this.pTime, min);
    }
    this.livePaths++;
    return p;
  }

  private counters(src: number): void {
    if (src >= this.srcPaths.length) {
      this.srcPaths = grow(this.srcPaths, src + 1);
      this.srcAccepted = grow(this.srcAccepted, src + 1);
    }
  }

  /**
   * Adds or replaces the path from `src` (ADD-PATH id `pathId`) to destination `d`. The table
   * takes over one reference on `attrIn` and one on `attr` (attr = -1: rejected by import policy).
   * `now` is in seconds since the epoch.
   */
  setPath(d: number, src: number, pathId: number, attrIn: number, attr: number, now: number, flags = 0): void {
    this.counters(src);
    let p = this.findPath(d, src, pathId);
    if (p >= 0) {
      const oldIn = this.pAttrIn[p]!;
      const old = this.pAttr[p]!;
      if (old >= 0) this.srcAccepted[src]!--;
      this.store.release(oldIn);
      if (old >= 0) this.store.release(old);
      this.pFlags[p] = (this.pFlags[p]! & (PathFlag.SELECTED | PathFlag.MULTIPATH)) | flags;
    } else {
      p = this.allocPath();
      this.pDest[p] = d;
      this.pSrc[p] = src;
      this.pId[p] = pathId;
      this.pFlags[p] = flags;
      // new paths go to the head of the list, as FRR shows the newest first
      this.pNext[p] = this.dHead[d]!;
      this.dHead[d] = p;
      this.srcPaths[src]!++;
    }
    this.pAttrIn[p] = attrIn;
    this.pAttr[p] = attr;
    this.pTime[p] = now;
    if (attr >= 0) this.srcAccepted[src]!++;
    this.markDirty(d);
  }

  /**
   * Adds the IPv4 prefixes of an NLRI region (already validated) as paths from `src`, all with
   * the same attribute sets; takes the references for them. Returns the number of prefixes.
   */
  addNlri4(buf: Uint8Array, s: number, e: number, addPath: boolean, src: number, attrIn: number, attr: number, now: number, flags = 0): number {
    let n = 0;
    let p = s;
    while (p < e) {
      let pathId = 0;
      if (addPath) {
        pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
        p += 4;
      }
      const len = buf[p++]!;
      let addr = 0;
      if (len > 0) addr = buf[p++]! << 24;
      if (len > 8) addr |= buf[p++]! << 16;
      if (len > 16) addr |= buf[p++]! << 8;
      if (len > 24) addr |= buf[p++]!;
      addr = (addr & (len === 0 ? 0 : -1 << (32 - len))) >>> 0;
      this.setPath(this.ensure4(addr, len), src, pathId, attrIn, attr, now, flags);
      n++;
    }
    this.store.addRefs(attrIn, n);
    if (attr >= 0) this.store.addRefs(attr, n);
    return n;
  }

  /** Removes one path; returns whether it existed. */
  removePath(d: number, src: number, pathId: number): boolean {
    let prev = -1;
    for (let p = this.dHead[d]!; p >= 0; prev = p, p = this.pNext[p]!) {
      if (this.pSrc[p] !== src || this.pId[p] !== pathId) continue;
      this.unlink(d, p, prev);
      return true;
    }
    return false;
  }

  private unlink(d: number, p: number, prev: number): void {
    if (prev < 0) this.dHead[d] = this.pNext[p]!;
    else this.pNext[prev] = this.pNext[p]!;
    const src = this.pSrc[p]!;
    this.srcPaths[src]!--;
    const attr = this.pAttr[p]!;
    if (attr >= 0) {
      this.srcAccepted[src]!--;
      this.store.release(attr);
    }
    this.store.release(this.pAttrIn[p]!);
    this.pDest[p] = -1;
    this.pFlags[p] = 0;
    this.pathFree.push(p);
    this.livePaths--;
    this.markDirty(d);
  }

  /** Removes every path of `src` for which `pred(path)` holds (all when omitted). */
  removeWhere(src: number, pred?: (p: number) => boolean): number {
    let n = 0;
    for (let p = 0; p < this.pathHigh; p++) {
      if (this.pDest[p]! < 0 || this.pSrc[p] !== src) continue;
      if (pred && !pred(p)) continue;
      const d = this.pDest[p]!;
      let prev = -1;
      for (let q = this.dHead[d]!; q !== p; q = this.pNext[q]!) prev = q;
      this.unlink(d, p, prev);
      n++;
    }
    return n;
  }

  /** Sets or clears a flag on every path of `src`; returns how many paths it touched. */
  flagSource(src: number, flag: number, on: boolean): number {
    let n = 0;
    for (let p = 0; p < this.pathHigh; p++) {
      if (this.pDest[p]! < 0 || this.pSrc[p] !== src) continue;
      const f = this.pFlags[p]!;
      const next = on ? f | flag : f & ~flag;
      if (next !== f) {
        this.pFlags[p] = next;
        this.markDirty(this.pDest[p]!);
      }
      n++;
    }
    return n;
  }

  /** Calls fn for each live path index (optionally only those from `src`). */
  forEachPath(fn: (p: number) => void, src = -1): void {
    for (let p = 0; p < this.pathHigh; p++) {
      if (this.pDest[p]! < 0) continue;
      if (src >= 0 && this.pSrc[p] !== src) continue;
      fn(p);
    }
  }

  markDirty(d: number): void {
    if (this.dDirty[d]) return;
    this.dDirty[d] = 1;
    if (this.dirtyLen === this.dirty.length) this.dirty = grow(this.dirty, this.dirtyLen + 1);
    this.dirty[this.dirtyLen++] = d;
  }

  get pendingDecisions(): number {
    return this.dirtyLen;
  }

  // ---------------------------------------------------------------- decision

  private eligible(p: number): boolean {
    return this.pAttr[p]! >= 0 && (this.pFlags[p]! & PathFlag.UNUSABLE) === 0;
  }

  /** Runs the decision process for every destination touched since the last call. */
  process(onChange: ChangeHandler): void {
    // decisions may dirty nothing new, but a callback could: work on a detached list
    const list = this.dirty;
    const n = this.dirtyLen;
    this.dirty = new Int32Array(Math.min(list.length, 1 << 16));
    this.dirtyLen = 0;
    for (let i = 0; i < n; i++) {
      const d = list[i]!;
      this.dDirty[d] = 0;
      this.decide(d, onChange);
    }
  }

  private decide(d: number, onChange: ChangeHandler): void {
    const head = this.dHead[d]!;
    if (head >= 0 && this.pNext[head]! < 0) {
      this.decideSingle(d, head, onChange);
      return;
    }
    const oldBest = this.dBest[d]!;
    const oldAttr = this.dBestAttr[d]!;
    const a = this.scratchA;
    const b = this.scratchB;
    let best = -1;
    let reason: number = Reason.NONE;
    // results of the selection pass, kept so the multipath pass need not compare again with the
    // same best (FRR compares twice; the answers are the same: flags only change afterwards)
    const seen = this.scratchSeen;
    let nSeen = 0;
    for (let p = head; p >= 0; p = this.pNext[p]!) {
      if (!this.eligible(p)) continue;
      if (best < 0) {
        best = p;
        reason = Reason.FIRST;
        this.fill(b, p);
        continue;
      }
      this.fill(a, p);
      const r = comparePaths(a, b, this.opts);
      reason = cmpReason(r);
      if (nSeen + 3 > seen.length) this.scratchSeen = grow(seen, nSeen + 3);
      const sv = this.scratchSeen;
      sv[nSeen++] = p;
      sv[nSeen++] = best;
      sv[nSeen++] = r;
      if (r & CMP_NEW_WINS) {
        best = p;
        this.fill(b, p);
      }
    }
    let fibChanged = false;
    let mpCount = 0;
    let oldMp = 0;
    if (best >= 0) {
      const maxPaths = this.maxPathsFor(best);
      // FRR runs the multipath pass (and takes its last reason) only when multipath is configured
      const doMpath = this.opts.maxPathsEbgp > 1 || this.opts.maxPathsIbgp > 1;
      let eq: number[] | undefined;
      if (doMpath) {
        const sv = this.scratchSeen;
        let i = 0;
        for (let p = head; p >= 0; p = this.pNext[p]!) {
          if (p === best || !this.eligible(p)) continue;
          // the selection pass met every eligible path but the first; reuse it when it compared
          // this path with the final best as the "existing" side
          while (i < nSeen && sv[i] !== p) i += 3;
          let r: number;
          if (i < nSeen && sv[i + 1] === best && !(sv[i + 2]! & CMP_NEW_WINS)) {
            r = sv[i + 2]!;
          } else {
            this.fill(a, p);
            r = comparePaths(a, b, this.opts);
          }
          reason = cmpReason(r); // FRR keeps the reason of the last comparison made
          if (maxPaths > 1 && r & CMP_PATHS_EQUAL) (eq ??= []).push(p);
        }
      }
      if (eq && eq.length + 1 > maxPaths) {
        // more candidates than slots: the lowest next hops win, as FRR's sorted mpath list does
        eq.sort((x, y) => this.nextHopCompare(x, y));
        eq.length = maxPaths - 1;
      }
      // old multipath bits in bit 7 (free in pFlags), then the new ones, then compare
      const flags = this.pFlags;
      for (let p = head; p >= 0; p = this.pNext[p]!) {
        const f = flags[p]!;
        if (f & PathFlag.MULTIPATH) oldMp++;
        flags[p] = (f & ~(PathFlag.MULTIPATH | PathFlag.SELECTED)) | (f & PathFlag.MULTIPATH ? OLD_MP : 0);
      }
      if (eq) for (const p of eq) flags[p] = flags[p]! | PathFlag.MULTIPATH;
      for (let p = head; p >= 0; p = this.pNext[p]!) {
        const f = flags[p]!;
        if (((f & OLD_MP) !== 0) !== ((f & PathFlag.MULTIPATH) !== 0)) fibChanged = true;
        flags[p] = f & ~OLD_MP;
      }
      flags[best] = flags[best]! | PathFlag.SELECTED;
      mpCount = eq?.length ?? 0;
    } else {
      for (let p = head; p >= 0; p = this.pNext[p]!) {
        if (this.pFlags[p]! & PathFlag.MULTIPATH) oldMp++;
        this.pFlags[p] = this.pFlags[p]! & ~(PathFlag.SELECTED | PathFlag.MULTIPATH);
      }
    }
    const newAttr = best >= 0 ? this.pAttr[best]! : -1;
    const bestChanged = best !== oldBest || newAttr !== oldAttr;
    this.dBest[d] = best;
    this.dBestAttr[d] = newAttr;
    this.dReason[d] = best >= 0 ? reason : Reason.NONE;
    // FRR bumps the version when the best path changes, or when the multipath set appears or
    // goes (its aggregate attribute changes); a further equal path only reaches zebra
    const hadMp = this.dMultipath[d] === 1 || oldMp > 0;
    this.dMultipath[d] = mpCount > 0 ? 1 : 0;
    if (bestChanged || (mpCount > 0) !== hadMp) {
      this.version++;
      this.dVersion[d] = this.version;
    }
    // with multipath, any touched member may have changed the installed next hops
    if (bestChanged || fibChanged || mpCount > 0) onChange(d, bestChanged, true);
    if (this.dHead[d] === -1) this.emptied.push(d);
  }

  /** One path: it is the best if usable; no comparisons, no multipath. */
  private decideSingle(d: number, p: number, onChange: ChangeHandler): void {
    const f = this.pFlags[p]!;
    const usable = this.pAttr[p]! >= 0 && (f & PathFlag.UNUSABLE) === 0;
    const best = usable ? p : -1;
    const newAttr = usable ? this.pAttr[p]! : -1;
    const hadMultipath = this.dMultipath[d] === 1;
    this.dMultipath[d] = 0;
    this.pFlags[p] = usable ? (f | PathFlag.SELECTED) & ~PathFlag.MULTIPATH : f & ~(PathFlag.SELECTED | PathFlag.MULTIPATH);
    const bestChanged = best !== this.dBest[d] || newAttr !== this.dBestAttr[d];
    this.dBest[d] = best;
    this.dBestAttr[d] = newAttr;
    this.dReason[d] = usable ? Reason.FIRST : Reason.NONE;
    if (bestChanged || hadMultipath) {
      this.version++;
      this.dVersion[d] = this.version;
      onChange(d, bestChanged, true);
    }
  }

  private maxPathsFor(p: number): number {
    const kind = this.sources[this.pSrc[p]!]!.kind;
    if (kind === SourceKind.EBGP) return this.opts.maxPathsEbgp;
    if (kind === SourceKind.IBGP) return this.opts.maxPathsIbgp;
    return 1;
  }

  private fill(c: Candidate, p: number): void {
    c.set = this.store.get(this.pAttr[p]!);
    c.src = this.sources[this.pSrc[p]!]!;
    c.selected = (this.pFlags[p]! & PathFlag.SELECTED) !== 0;
  }

  private nextHopCompare(x: number, y: number): number {
    const ax = this.store.get(this.pAttr[x]!).attrs;
    const ay = this.store.get(this.pAttr[y]!).attrs;
    if (this.family === 4) return ax.nextHop - ay.nextHop;
    const bx = ax.nextHop6 ?? new Uint8Array(16);
    const by = ay.nextHop6 ?? new Uint8Array(16);
    for (let i = 0; i < 16; i++) if (bx[i] !== by[i]) return bx[i]! - by[i]!;
    return 0;
  }

  /** Paths of `d` that are installed: the best followed by its multipath peers. */
  installed(d: number): number[] {
    const best = this.dBest[d]!;
    if (best < 0) return [];
    const out = [best];
    for (let p = this.dHead[d]!; p >= 0; p = this.pNext[p]!) if (this.pFlags[p]! & PathFlag.MULTIPATH) out.push(p);
    return out;
  }

  /** Live destinations in address order. */
  sortedDests(): number[] {
    const out: number[] = [];
    for (let d = 0; d < this.destHigh; d++) if (this.dLive[d] && this.dHead[d] !== -1) out.push(d);
    if (this.family === 4) out.sort((x, y) => this.dAddr[x]! - this.dAddr[y]! || this.dLen[x]! - this.dLen[y]!);
    else out.sort((x, y) => (this.dAddr6[x]! < this.dAddr6[y]! ? -1 : this.dAddr6[x]! > this.dAddr6[y]! ? 1 : this.dLen[x]! - this.dLen[y]!));
    return out;
  }

  /** Calls fn for every live destination with a best path, in storage order (fast). */
  forEachSelected(fn: (d: number) => void): void {
    for (let d = 0; d < this.destHigh; d++) if (this.dBest[d]! >= 0 && this.dLive[d]) fn(d);
  }

}
