// A longest-prefix-match table: a path-compressed binary trie (Patricia) whose nodes live
// interleaved in one Int32Array — [prefix length, left, right, value slot, key words…] — so a
// lookup touches one cache line per branching node (about log2(n) of them), not one per bit.
// IPv4 keys are numbers (uint32), IPv6 keys bigints.
//
// Large IPv4 tables (more than DIR_THRESHOLD prefixes, a BGP full table) also keep a DIR-24-8
// index (Gupta, Lin & McKeown, "Routing lookups in hardware at memory access speeds", 1998): one
// slot per /24 holding the best prefix of at most 24 bits, or a 256-slot chunk for /24s that have
// longer prefixes. A lookup is then one or two array reads. The trie stays the source of truth.

import type { Family } from './ip.ts';

/** An address as the hot paths keep it: IPv4 as an unsigned 32-bit number, IPv6 as a bigint. */
export type AddrKey = number | bigint;

export interface LpmEntry<T> {
  addr: AddrKey;
  prefixLen: number;
  value: T;
}

const NONE = -1;
/** IPv4 tables with more prefixes than this get the DIR-24-8 index. */
export const DIR_THRESHOLD = 65536;
const LEN = 0;
const LEFT = 1;
const RIGHT = 2;
const VAL = 3;
const KEY = 4;

export class LpmTrie<T> {
  readonly family: Family;
  private readonly bits: number;
  /** 32-bit words per key. */
  private readonly words: number;
  private readonly stride: number;
  private a: Int32Array;
  private used = 0;
  private freeNodes: number[] = [];
  private root = NONE;
  private values: (T | undefined)[] = [];
  private freeValues: number[] = [];
  private count = 0;
  /** The key being worked on, as 32-bit words. */
  private readonly k: Uint32Array;
  /** Prefix length of the last lookupNode match. */
  private lastLen = 0;
  /** DIR-24-8: per /24 the best node (prefix ≤ 24) or -(chunk + 2); per chunk slot the best node. */
  private dir: Int32Array | undefined;
  private chunks: Int32Array = new Int32Array(0);
  private chunkCount = 0;

  /** `dirThreshold`: prefix count above which an IPv4 table builds its DIR-24-8 index. */
  constructor(
    family: Family,
    initialCapacity = 16,
    private readonly dirThreshold = DIR_THRESHOLD,
  ) {
    this.family = family;
    this.bits = family === 4 ? 32 : 128;
    this.words = family === 4 ? 1 : 4;
    this.stride = KEY + this.words;
    this.k = new Uint32Array(this.words);
    this.a = new Int32Array(Math.max(4, initialCapacity) * this.stride);
  }

  get size(): number {
    return this.count;
  }

  // ---- key helpers --------------------------------------------------------------------------

  private loadKey(addr: AddrKey, len: number): void {
    const k = this.k;
    if (this.family === 4) {
      if (typeof addr !== 'number') throw new TypeError('IPv4 LPM keys are numbers');
      k[0] = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
      return;
    }
    if (typeof addr !== 'bigint') throw new TypeError('IPv6 LPM keys are bigints');
    for (let w = 0; w < 4; w++) k[w] = Number((addr >> BigInt(96 - 32 * w)) & 0xffffffffn);
    for (let w = 0; w < 4; w++) {
      const keep = len - 32 * w;
      if (keep >= 32) continue;
      k[w] = keep <= 0 ? 0 : (k[w]! & (0xffffffff << (32 - keep))) >>> 0;
    }
  }

  private checkLen(len: number): void {
    if (!Number.isInteger(len) || len < 0 || len > this.bits) {
      throw new RangeError(`prefix length ${len} out of range for IPv${this.family}`);
    }
  }

  /** Bit `i` (0 = most significant) of the loaded key. */
  private keyBit(i: number): number {
    return (this.k[i >>> 5]! >>> (31 - (i & 31))) & 1;
  }

  /** Bit `i` of node `n`'s key. */
  private nodeBit(n: number, i: number): number {
    return ((this.a[n + KEY + (i >>> 5)]! >>> 0) >>> (31 - (i & 31))) & 1;
  }

  /** Length of the common prefix of the loaded key and node `n`'s key, capped at `max`. */
  private common(n: number, max: number): number {
    const a = this.a;
    for (let w = 0; w < this.words; w++) {
      if (w * 32 >= max) return max;
      const x = (this.k[w]! ^ (a[n + KEY + w]! >>> 0)) >>> 0;
      if (x !== 0) return Math.min(max, w * 32 + Math.clz32(x));
    }
    return max;
  }

  // ---- nodes --------------------------------------------------------------------------------

  private alloc(len: number): number {
    let n = this.freeNodes.pop();
    if (n === undefined) {
      if ((this.used + 1) * this.stride > this.a.length) {
        const b = new Int32Array(this.a.length * 2);
        b.set(this.a);
        this.a = b;
      }
      n = this.used * this.stride;
      this.used++;
    }
    const a = this.a;
    a[n + LEN] = len;
    a[n + LEFT] = NONE;
    a[n + RIGHT] = NONE;
    a[n + VAL] = NONE;
    // the key truncated to len
    for (let w = 0; w < this.words; w++) {
      const keep = len - 32 * w;
      const word = this.k[w]!;
      a[n + KEY + w] = keep >= 32 ? word | 0 : keep <= 0 ? 0 : (word & (0xffffffff << (32 - keep))) | 0;
    }
    return n;
  }

  private setValue(n: number, value: T): void {
    let v = this.a[n + VAL]!;
    if (v === NONE) {
      const reused = this.freeValues.pop();
      v = reused ?? this.values.length;
      if (reused === undefined) this.values.push(value);
      this.a[n + VAL] = v;
      this.count++;
    }
    this.values[v] = value;
  }

  private clearValue(n: number): void {
    const v = this.a[n + VAL]!;
    this.values[v] = undefined;
    this.freeValues.push(v);
    this.a[n + VAL] = NONE;
    this.count--;
  }

  /** Replaces the link to `from` (root or a child of `parent`) with `to`. */
  private relink(parent: number, from: number, to: number): void {
    if (parent === NONE) this.root = to;
    else if (this.a[parent + LEFT] === from) this.a[parent + LEFT] = to;
    else this.a[parent + RIGHT] = to;
  }

  // ---- operations ---------------------------------------------------------------------------

  /** Inserts or replaces the value stored for `addr/prefixLen` (host bits are ignored). */
  set(addr: AddrKey, prefixLen: number, value: T): void {
    const before = this.count;
    const node = this.insert(addr, prefixLen, value);
    if (this.count === before) return;
    if (this.dir) this.dirFill(node, NONE);
    else if (this.family === 4 && this.count > this.dirThreshold) this.buildDir();
  }

  private insert(addr: AddrKey, prefixLen: number, value: T): number {
    this.checkLen(prefixLen);
    this.loadKey(addr, prefixLen);
    if (this.root === NONE) {
      this.root = this.alloc(prefixLen);
      this.setValue(this.root, value);
      return this.root;
    }
    let parent = NONE;
    let n = this.root;
    for (;;) {
      const nlen = this.a[n + LEN]!;
      const cpl = this.common(n, Math.min(prefixLen, nlen));
      if (cpl < nlen) {
        // the new prefix diverges inside this node's compressed path: split
        if (cpl === prefixLen) {
          const m = this.alloc(prefixLen);
          this.a[m + (this.nodeBit(n, prefixLen) ? RIGHT : LEFT)] = n;
          this.relink(parent, n, m);
          this.setValue(m, value);
          return m;
        }
        const inner = this.alloc(cpl);
        const leaf = this.alloc(prefixLen);
        this.setValue(leaf, value);
        const goesRight = this.keyBit(cpl);
        this.a[inner + (goesRight ? RIGHT : LEFT)] = leaf;
        this.a[inner + (goesRight ? LEFT : RIGHT)] = n;
        this.relink(parent, n, inner);
        return leaf;
      }
      if (nlen === prefixLen) {
        this.setValue(n, value);
        return n;
      }
      const side = this.keyBit(nlen) ? RIGHT : LEFT;
      const child = this.a[n + side]!;
      if (child === NONE) {
        const leaf = this.alloc(prefixLen);
        this.setValue(leaf, value);
        this.a[n + side] = leaf;
        return leaf;
      }
      parent = n;
      n = child;
    }
  }

  /** Finds the node holding exactly `addr/prefixLen` (with its parent), or NONE. */
  private find(addr: AddrKey, prefixLen: number): [number, number, number] {
    this.loadKey(addr, prefixLen);
    let grand = NONE;
    let parent = NONE;
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.a[n + LEN]!;
      if (nlen > prefixLen || this.common(n, nlen) < nlen) return [NONE, NONE, NONE];
      if (nlen === prefixLen) return [n, parent, grand];
      grand = parent;
      parent = n;
      n = this.a[n + (this.keyBit(nlen) ? RIGHT : LEFT)]!;
    }
    return [NONE, NONE, NONE];
  }

  /** The value stored for exactly `addr/prefixLen`. */
  get(addr: AddrKey, prefixLen: number): T | undefined {
    this.checkLen(prefixLen);
    const [n] = this.find(addr, prefixLen);
    if (n === NONE) return undefined;
    const v = this.a[n + VAL]!;
    return v === NONE ? undefined : this.values[v];
  }

  /** Removes `addr/prefixLen`; returns whether it was present. Emptied nodes are reclaimed. */
  delete(addr: AddrKey, prefixLen: number): boolean {
    this.checkLen(prefixLen);
    const [n, parent, grand] = this.find(addr, prefixLen);
    if (n === NONE || this.a[n + VAL] === NONE) return false;
    if (this.dir) this.dirFill(this.coveringNode(n), n);
    this.clearValue(n);
    const a = this.a;
    const l = a[n + LEFT]!;
    const r = a[n + RIGHT]!;
    if (l !== NONE && r !== NONE) return true;
    // a node with one child collapses into it; a leaf goes, and may leave its parent redundant
    this.relink(parent, n, l !== NONE ? l : r);
    this.freeNodes.push(n);
    if (l === NONE && r === NONE && parent !== NONE && a[parent + VAL] === NONE) {
      const other = a[parent + LEFT] !== NONE ? a[parent + LEFT]! : a[parent + RIGHT]!;
      if (a[parent + LEFT] === NONE || a[parent + RIGHT] === NONE) {
        this.relink(grand, parent, other);
        this.freeNodes.push(parent);
      }
    }
    return true;
  }

  /**
   * The value of the longest stored prefix containing `addr`. With `accept`, prefixes whose value
   * it rejects are skipped and a shorter one is tried (the kernel's FIB backtracking).
   */
  lookup(addr: AddrKey, accept?: (value: T) => boolean): T | undefined {
    const found = this.lookupNode(addr, accept);
    return found === NONE ? undefined : this.values[this.a[found + VAL]!];
  }

  /** Like lookup, but also reports the matched prefix length. */
  lookupEntry(addr: AddrKey, accept?: (value: T) => boolean): { prefixLen: number; value: T } | undefined {
    const found = this.lookupNode(addr, accept);
    return found === NONE ? undefined : { prefixLen: this.lastLen, value: this.values[this.a[found + VAL]!]! };
  }

  private lookupNode(addr: AddrKey, accept?: (value: T) => boolean): number {
    const a = this.a;
    let n = this.root;
    let best = NONE;
    if (typeof addr === 'number' && this.family === 4) {
      const dir = this.dir;
      if (dir) {
        const e = dir[addr >>> 8]!;
        const hit = e <= -2 ? this.chunks[(-e - 2) * 256 + (addr & 255)]! : e;
        if (hit !== NONE && (!accept || accept(this.values[a[hit + VAL]!]!))) {
          this.lastLen = a[hit + LEN]!;
          return hit;
        }
        if (hit === NONE) return NONE;
      }
      // hot path: one word, plain number arithmetic
      while (n !== NONE) {
        const len = a[n]!;
        if (len !== 0 && ((addr ^ a[n + KEY]!) >>> (32 - len)) !== 0) break;
        const v = a[n + VAL]!;
        if (v !== NONE && (!accept || accept(this.values[v]!))) {
          best = n;
          this.lastLen = len;
        }
        if (len === 32) break;
        n = a[n + ((addr >>> (31 - len)) & 1 ? RIGHT : LEFT)]!;
      }
      return best;
    }
    this.loadKey(addr, this.bits);
    while (n !== NONE) {
      const len = a[n + LEN]!;
      if (this.common(n, len) < len) break;
      const v = a[n + VAL]!;
      if (v !== NONE && (!accept || accept(this.values[v]!))) {
        best = n;
        this.lastLen = len;
      }
      if (len === this.bits) break;
      n = a[n + (this.keyBit(len) ? RIGHT : LEFT)]!;
    }
    return best;
  }

  /** Every stored prefix containing `addr`, longest first. */
  matches(addr: AddrKey): LpmEntry<T>[] {
    const out: LpmEntry<T>[] = [];
    this.loadKey(addr, this.bits);
    let n = this.root;
    while (n !== NONE) {
      const len = this.a[n + LEN]!;
      if (this.common(n, len) < len) break;
      const v = this.a[n + VAL]!;
      if (v !== NONE) out.push({ addr: this.keyOf(n), prefixLen: len, value: this.values[v]! });
      if (len === this.bits) break;
      n = this.a[n + (this.keyBit(len) ? RIGHT : LEFT)]!;
    }
    return out.reverse();
  }

  private keyOf(n: number): AddrKey {
    if (this.family === 4) return this.a[n + KEY]! >>> 0;
    let v = 0n;
    for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt(this.a[n + KEY + w]! >>> 0);
    return v;
  }

  /** All entries ordered by address, shorter prefixes before longer ones at the same address. */
  *entries(): Generator<LpmEntry<T>> {
    if (this.root === NONE) return;
    const stack = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const v = this.a[n + VAL]!;
      if (v !== NONE) yield { addr: this.keyOf(n), prefixLen: this.a[n + LEN]!, value: this.values[v]! };
      const r = this.a[n + RIGHT]!;
      const l = this.a[n + LEFT]!;
      if (r !== NONE) stack.push(r);
      if (l !== NONE) stack.push(l);
    }
  }

  // ---- DIR-24-8 ------------------------------------------------------------------------------

  private buildDir(): void {
    this.dir = new Int32Array(1 << 24).fill(NONE);
    this.chunks = new Int32Array(256 * 1024);
    this.chunkCount = 0;
    // shorter prefixes first, so that longer ones overwrite them
    const byLen: number[][] = Array.from({ length: 33 }, () => []);
    const stack = this.root === NONE ? [] : [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.a[n + VAL] !== NONE) byLen[this.a[n + LEN]!]!.push(n);
      if (this.a[n + LEFT] !== NONE) stack.push(this.a[n + LEFT]!);
      if (this.a[n + RIGHT] !== NONE) stack.push(this.a[n + RIGHT]!);
    }
    for (const list of byLen) for (const n of list) this.dirFill(n, NONE);
  }

  private chunkFor(slot: number): number {
    const dir = this.dir!;
    const e = dir[slot]!;
    if (e <= -2) return -e - 2;
    if ((this.chunkCount + 1) * 256 > this.chunks.length) {
      const b = new Int32Array(this.chunks.length * 2);
      b.set(this.chunks);
      this.chunks = b;
    }
    const c = this.chunkCount++;
    this.chunks.fill(e, c * 256, c * 256 + 256);
    dir[slot] = -c - 2;
    return c;
  }

  /**
   * Points the slots of node `n`'s range at `n` where they hold a less specific prefix (insert),
   * or, with `replacing`, the slots holding `replacing` at `n` (delete: `n` is the prefix that
   * covers the removed one, or NONE).
   */
  private dirFill(n: number, replacing: number): void {
    const dir = this.dir!;
    const a = this.a;
    const target = replacing === NONE ? n : replacing;
    const key = a[target + KEY]! >>> 0;
    const len = a[target + LEN]!;
    const better = (cur: number) => (replacing === NONE ? cur === NONE || a[cur + LEN]! <= len : cur === replacing);
    if (len <= 24) {
      const from = key >>> 8;
      const to = from + (1 << (24 - len));
      for (let s = from; s < to; s++) {
        const e = dir[s]!;
        if (e <= -2) {
          const base = (-e - 2) * 256;
          for (let i = base; i < base + 256; i++) if (better(this.chunks[i]!)) this.chunks[i] = n;
        } else if (better(e)) dir[s] = n;
      }
      return;
    }
    const c = this.chunkFor(key >>> 8);
    const from = c * 256 + (key & 255);
    const to = from + (1 << (32 - len));
    for (let i = from; i < to; i++) if (better(this.chunks[i]!)) this.chunks[i] = n;
  }

  /** The longest valued node strictly shorter than `n` on its path (what covers it once it goes). */
  private coveringNode(n: number): number {
    const a = this.a;
    const key = a[n + KEY]! >>> 0;
    const len = a[n + LEN]!;
    let cur = this.root;
    let best = NONE;
    while (cur !== NONE && cur !== n) {
      const clen = a[cur + LEN]!;
      if (clen >= len || (clen !== 0 && ((key ^ a[cur + KEY]!) >>> (32 - clen)) !== 0)) break;
      if (a[cur + VAL] !== NONE) best = cur;
      cur = a[cur + ((key >>> (31 - clen)) & 1 ? RIGHT : LEFT)]!;
    }
    return best;
  }

  clear(): void {
    this.dir = undefined;
    this.chunks = new Int32Array(0);
    this.chunkCount = 0;
    this.root = NONE;
    this.used = 0;
    this.freeNodes = [];
    this.values = [];
    this.freeValues = [];
    this.count = 0;
  }
}
