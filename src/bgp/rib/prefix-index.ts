// Prefix → dense slot number. IPv4 keys live in an open-addressing table in one Int32Array
// (address and value|length side by side, so a probe touches one cache line), so a million
// prefixes cost a few bytes each and no objects; IPv6 uses a Map (tables are small).

const EMPTY = -1;
/** Values are packed with the 6-bit prefix length: up to 2^25 destinations per table. */
export const MAX_SLOTS = 1 << 25;

export class Ipv4Index {
  /** [addr, value << 6 | len] pairs; EMPTY in the second word marks a free slot. */
  private t: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.t = new Int32Array(size * 2).fill(EMPTY);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  private static hash(addr: number, len: number): number {
    let h = Math.imul(addr ^ Math.imul(len, 0x27d4eb2f), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /**
   * Finds the slot for (addr, len): valueAt(slot) is the key's value, or -1 when the key is
   * absent and the slot is where fill() would put it. Call ensureRoom() first when inserting.
   */
  probe(addr: number, len: number): number {
    const t = this.t;
    const a = addr | 0;
    let i = Ipv4Index.hash(addr, len) & this.mask;
    for (;;) {
      const w = t[2 * i + 1]!;
      if (w === EMPTY || (t[2 * i] === a && (w & 63) === len)) return i;
      i = (i + 1) & this.mask;
    }
  }

  valueAt(slot: number): number {
    const w = this.t[2 * slot + 1]!;
    return w === EMPTY ? -1 : w >>> 6;
  }

  fill(slot: number, addr: number, len: number, value: number): void {
    if (value >= MAX_SLOTS) throw new RangeError('IPv4 table full');
    this.t[2 * slot] = addr | 0;
    this.t[2 * slot + 1] = (value << 6) | len;
    this.count++;
  }

  /** Grows the table if one more key would make it more than half full. */
  ensureRoom(): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
  }

  get(addr: number, len: number): number {
    return this.valueAt(this.probe(addr, len));
  }

  set(addr: number, len: number, value: number): void {
    this.ensureRoom();
    const i = this.probe(addr, len);
    if (this.t[2 * i + 1] === EMPTY) this.fill(i, addr, len, value);
    else this.t[2 * i + 1] = (value << 6) | len;
  }

  delete(addr: number, len: number): void {
    const t = this.t;
    let i = this.probe(addr, len);
    if (t[2 * i + 1] === EMPTY) return;
    // backward-shift deletion keeps probe chains intact without tombstones
    t[2 * i + 1] = EMPTY;
    this.count--;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const w = t[2 * j + 1]!;
      if (w === EMPTY) return;
      const home = Ipv4Index.hash(t[2 * j]! >>> 0, w & 63) & this.mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      t[2 * i] = t[2 * j]!;
      t[2 * i + 1] = w;
      t[2 * j + 1] = EMPTY;
      i = j;
    }
  }

  private grow(): void {
    const old = this.t;
    const size = (this.mask + 1) * 2;
    this.t = new Int32Array(size * 2).fill(EMPTY);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const w = old[i + 1]!;
      if (w === EMPTY) continue;
      const addr = old[i]! >>> 0;
      const len = w & 63;
      const slot = this.probe(addr, len);
      this.t[2 * slot] = old[i]!;
      this.t[2 * slot + 1] = w;
      this.count++;
    }
  }
}

export function ipv6Key(addr: bigint, len: number): string {
  return `${addr.toString(16)}/${len}`;
}
