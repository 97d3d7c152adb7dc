// Interned path-attribute sets: every distinct set exists once, is named by a small integer and
// is reference counted, so a route costs one int however many prefixes share its attributes.

import { type PathAttrs, asPathLength, attrsKey, encodeAttrs, firstAs } from '../wire/attributes.ts';
import { WellKnownCommunity } from '../wire/constants.ts';

export interface AttrSet {
  readonly id: number;
  readonly attrs: PathAttrs;
  readonly key: string;
  readonly asPathLen: number;
  /** Leftmost AS of the path (0 for an empty path): the "neighbour AS" of MED comparison. */
  readonly neighborAs: number;
  readonly noExport: boolean;
  /** Decision inputs copied out of attrs (one load less per comparison); -1 = absent. */
  readonly localPref: number;
  readonly med: number;
  readonly origin: number;
  readonly originatorId: number;
  readonly clusterLen: number;
  readonly noAdvertise: boolean;
  /** Encoded attributes (without MP_REACH_NLRI) for 2-octet [0] and 4-octet [1] AS peers. */
  wire: [Buffer | undefined, Buffer | undefined];
}

export class AttrStore {
  private byKey = new Map<string, number>();
  private sets: (AttrSet | undefined)[] = [];
  private refs = new Int32Array(1024);
  /** Bumped every time an id is freed, so caches can tell a reused id from the old set. */
  private gens = new Uint32Array(1024);
  private free: number[] = [];
  // raw-keyed sets: hash chains and the sent bytes in one arena (rawLen -1 = not raw-keyed)
  private rawHead = new Map<number, number>();
  private rawNext = new Int32Array(1024);
  private rawOff = new Int32Array(1024);
  private rawLen = new Int32Array(1024).fill(-1);
  private rawCtx = new Uint8Array(1024);
  private rawHash = new Uint32Array(1024);
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private arenaDead = 0;

  get size(): number {
    return this.sets.length - this.free.length;
  }

  /** Returns the id of the set equal to `attrs` and takes one reference on it. */
  acquire(attrs: PathAttrs): number {
    let key = attrsKey(attrs);
    if (attrs.nextHop6) key += `|${Buffer.from(attrs.nextHop6).toString('hex')}`;
    return this.intern(key, attrs);
  }

  /**
   * Like acquire, keyed by the attribute bytes exactly as a peer sent them (with `ctx`, a small
   * number, naming the decoding context), which saves re-encoding every received set. Equal sets
   * sent in other encodings become separate ids; that only costs packing, never correctness.
   * The bytes are hashed and compared in place, without making a string.
   */
  acquireRaw(ctx: number, raw: Uint8Array, start: number, end: number, attrs: PathAttrs): number {
    let h = (0x811c9dc5 ^ ctx) >>> 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ raw[i]!, 0x01000193);
    h >>>= 0;
    const len = end - start;
    for (let id = this.rawHead.get(h) ?? -1; id >= 0; id = this.rawNext[id]!) {
      if (this.rawLen[id] !== len || this.rawCtx[id] !== ctx) continue;
      const off = this.rawOff[id]!;
      const arena = this.arena;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (arena[off + i] !== raw[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.refs[id]!++;
        return id;
      }
    }
    const id = this.intern('', attrs);
    if (this.arenaUsed + len > this.arena.length) this.compactArena(len);
    this.arena.set(raw.subarray(start, end), this.arenaUsed);
    this.rawOff[id] = this.arenaUsed;
    this.rawLen[id] = len;
    this.rawCtx[id] = ctx;
    this.rawHash[id] = h;
    this.arenaUsed += len;
    this.rawNext[id] = this.rawHead.get(h) ?? -1;
    this.rawHead.set(h, id);
    return id;
  }

  private unlinkRaw(id: number): void {
    const h = this.rawHash[id]!;
    let prev = -1;
    for (let x = this.rawHead.get(h) ?? -1; x >= 0; prev = x, x = this.rawNext[x]!) {
      if (x !== id) continue;
      const next = this.rawNext[x]!;
      if (prev < 0) {
        if (next < 0) this.rawHead.delete(h);
        else this.rawHead.set(h, next);
      } else {
        this.rawNext[prev] = next;
      }
      break;
    }
    this.arenaDead += this.rawLen[id]!;
    this.rawLen[id] = -1;
  }

  /** Makes room for `need` more bytes: drops freed ranges, or grows. */
  private compactArena(need: number): void {
    const live = this.arenaUsed - this.arenaDead;
    let size = this.arena.length;
    while (live + need > size / 2) size *= 2;
    const next = new Uint8Array(size);
    let used = 0;
    for (let id = 0; id < this.sets.length; id++) {
      const len = this.rawLen[id]!;
      if (len < 0 || !this.sets[id]) continue;
      const off = this.rawOff[id]!;
      next.set(this.arena.subarray(off, off + len), used);
      this.rawOff[id] = used;
      used += len;
    }
    this.arena = next;
    this.arenaUsed = used;
    this.arenaDead = 0;
  }

  /** Creates a set; `key` '' = raw-keyed (the caller files it under its bytes). */
  private intern(key: string, attrs: PathAttrs): number {
    if (key !== '') {
      const found = this.byKey.get(key);
      if (found !== undefined) {
        this.refs[found]!++;
        return found;
      }
    }
    const id = this.free.length > 0 ? this.free.pop()! : this.sets.length;
    if (id >= this.refs.length) this.grow();
    const comms = attrs.communities;
    this.sets[id] = {
      id,
      attrs,
      key,
      asPathLen: asPathLength(attrs.asPath),
      neighborAs: firstAs(attrs.asPath),
      noExport: comms ? comms.includes(WellKnownCommunity.NO_EXPORT) || comms.includes(WellKnownCommunity.NO_EXPORT_SUBCONFED) : false,
      noAdvertise: comms ? comms.includes(WellKnownCommunity.NO_ADVERTISE) : false,
      localPref: attrs.localPref,
      med: attrs.med,
      origin: attrs.origin,
      originatorId: attrs.originatorId,
      clusterLen: attrs.clusterList?.length ?? 0,
      wire: [undefined, undefined],
    };
    this.refs[id] = 1;
    this.rawLen[id] = -1;
    if (key !== '') this.byKey.set(key, id);
    return id;
  }

  private grow(): void {
    const size = this.refs.length * 2;
    const widen = <T extends Int32Array | Uint32Array | Uint8Array>(a: T, fill = 0): T => {
      const next = new (a.constructor as new (n: number) => T)(size);
      next.set(a);
      if (fill !== 0) next.fill(fill, a.length);
      return next;
    };
    this.refs = widen(this.refs);
    this.gens = widen(this.gens);
    this.rawNext = widen(this.rawNext);
    this.rawOff = widen(this.rawOff);
    this.rawLen = widen(this.rawLen, -1);
    this.rawCtx = widen(this.rawCtx);
    this.rawHash = widen(this.rawHash);
  }

  ref(id: number): void {
    this.refs[id]!++;
  }

  addRefs(id: number, n: number): void {
    this.refs[id]! += n;
  }

  release(id: number): void {
    const left = --this.refs[id]!;
    if (left > 0) return;
    const set = this.sets[id];
    if (!set) return;
    if (this.rawLen[id]! >= 0) this.unlinkRaw(id);
    else this.byKey.delete(set.key);
    this.sets[id] = undefined;
    this.gens[id]!++;
    this.free.push(id);
  }

  /** Changes whenever `id` is freed (and may then name another set). */
  generation(id: number): number {
    return this.gens[id]!;
  }

  /** Ids are below this bound. */
  get capacity(): number {
    return this.refs.length;
  }

  get(id: number): AttrSet {
    return this.sets[id]!;
  }

  refCount(id: number): number {
    return this.refs[id]!;
  }

  /** Encoded attributes for a peer with (as4) or without 4-octet AS numbers. */
  wire(id: number, as4: boolean): Buffer {
    const set = this.sets[id]!;
    const i = as4 ? 1 : 0;
    return (set.wire[i] ??= encodeAttrs(set.attrs, { as4 }));
  }
}
