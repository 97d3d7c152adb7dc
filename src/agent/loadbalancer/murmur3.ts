// MurmurHash3 x64 128-bit (Austin Appleby's reference, as cilium pkg/murmur3 uses it for
// Maglev permutations), on pairs of 32-bit halves so that no bigint is needed on the hot path.
// Blocks are read little-endian, as Cilium does on the little-endian machines it runs on.

/** A 64-bit value as two unsigned 32-bit halves. */
export interface U64 {
  hi: number;
  lo: number;
}

/** High 32 bits of the unsigned 64-bit product a*b. */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w1 = (t & 0xffff) + a0 * b1;
  return (a1 * b1 + Math.floor(t / 65536) + Math.floor(w1 / 65536)) >>> 0;
}

/** x = x * (bh:bl) mod 2^64, in place. */
function mul(x: U64, bh: number, bl: number): void {
  const hi = (mulHi32(x.lo, bl) + Math.imul(x.hi, bl) + Math.imul(x.lo, bh)) >>> 0;
  x.lo = Math.imul(x.lo, bl) >>> 0;
  x.hi = hi;
}

/** x = x + y mod 2^64, in place. */
function add(x: U64, yh: number, yl: number): void {
  const lo = x.lo + yl;
  x.hi = (x.hi + yh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  x.lo = lo >>> 0;
}

function xor(x: U64, yh: number, yl: number): void {
  x.hi = (x.hi ^ yh) >>> 0;
  x.lo = (x.lo ^ yl) >>> 0;
}

/** Rotate left by r (0 < r < 64). */
function rotl(x: U64, r: number): void {
  const { hi, lo } = x;
  if (r === 32) {
    x.hi = lo;
    x.lo = hi;
  } else if (r < 32) {
    x.hi = ((hi << r) | (lo >>> (32 - r))) >>> 0;
    x.lo = ((lo << r) | (hi >>> (32 - r))) >>> 0;
  } else {
    const s = r - 32;
    x.hi = ((lo << s) | (hi >>> (32 - s))) >>> 0;
    x.lo = ((hi << s) | (lo >>> (32 - s))) >>> 0;
  }
}

/** x ^= x >>> 33 */
function xorShift33(x: U64): void {
  xor(x, 0, x.hi >>> 1);
}

function fmix64(k: U64): void {
  xorShift33(k);
  mul(k, 0xff51afd7, 0xed558ccd);
  xorShift33(k);
  mul(k, 0xc4ceb9fe, 0x1a85ec53);
  xorShift33(k);
}

const C1H = 0x87c37b91;
const C1L = 0x114253d5;
const C2H = 0x4cf5ad43;
const C2L = 0x2745937f;

function u32le(data: Uint8Array, i: number): number {
  return (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
}

/** The two 64-bit halves (h1, h2) of MurmurHash3_x64_128(data, seed), each as {hi, lo}. */
export function murmur3x64_128(data: Uint8Array, seed: number): [U64, U64] {
  const h1: U64 = { hi: 0, lo: seed >>> 0 };
  const h2: U64 = { hi: 0, lo: seed >>> 0 };
  const k1: U64 = { hi: 0, lo: 0 };
  const k2: U64 = { hi: 0, lo: 0 };
  const nblocks = data.length >>> 4;
  for (let b = 0; b < nblocks; b++) {
    const i = b * 16;
    k1.lo = u32le(data, i);
    k1.hi = u32le(data, i + 4);
    k2.lo = u32le(data, i + 8);
    k2.hi = u32le(data, i + 12);

    mul(k1, C1H, C1L);
    rotl(k1, 31);
    mul(k1, C2H, C2L);
    xor(h1, k1.hi, k1.lo);
    rotl(h1, 27);
    add(h1, h2.hi, h2.lo);
    mul(h1, 0, 5);
    add(h1, 0, 0x52dce729);

    mul(k2, C2H, C2L);
    rotl(k2, 33);
    mul(k2, C1H, C1L);
    xor(h2, k2.hi, k2.lo);
    rotl(h2, 31);
    add(h2, h1.hi, h1.lo);
    mul(h2, 0, 5);
    add(h2, 0, 0x38495ab5);
  }

  const tail = nblocks * 16;
  const rest = data.length & 15;
  // Tail bytes 8..14 go into k2, 0..7 into k1 (little-endian), as in the reference's switch.
  if (rest > 8) {
    let hi = 0;
    let lo = 0;
    for (let j = rest - 1; j >= 8; j--) {
      const byte = data[tail + j]!;
      const shift = (j - 8) * 8;
      if (shift >= 32) hi |= byte << (shift - 32);
      else lo |= byte << shift;
    }
    k2.hi = hi >>> 0;
    k2.lo = lo >>> 0;
    mul(k2, C2H, C2L);
    rotl(k2, 33);
    mul(k2, C1H, C1L);
    xor(h2, k2.hi, k2.lo);
  }
  if (rest > 0) {
    let hi = 0;
    let lo = 0;
    for (let j = Math.min(rest, 8) - 1; j >= 0; j--) {
      const byte = data[tail + j]!;
      const shift = j * 8;
      if (shift >= 32) hi |= byte << (shift - 32);
      else lo |= byte << shift;
    }
    k1.hi = hi >>> 0;
    k1.lo = lo >>> 0;
    mul(k1, C1H, C1L);
    rotl(k1, 31);
    mul(k1, C2H, C2L);
    xor(h1, k1.hi, k1.lo);
  }

  // The length is xored in as a 64-bit value; inputs here are far shorter than 2^32 bytes.
  xor(h1, 0, data.length);
  xor(h2, 0, data.length);
  add(h1, h2.hi, h2.lo);
  add(h2, h1.hi, h1.lo);
  fmix64(h1);
  fmix64(h2);
  add(h1, h2.hi, h2.lo);
  add(h2, h1.hi, h1.lo);
  return [h1, h2];
}

/** (hi·2^32 + lo) mod m, exactly, for m < 2^20. */
export function u64Mod(x: U64, m: number): number {
  return (((x.hi % m) * 4294967296) % m + (x.lo % m)) % m;
}
