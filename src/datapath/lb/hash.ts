// Bob Jenkins' lookup3 as the kernel's include/linux/jhash.h has it, and Cilium's tuple hashes
// for Maglev (bpf/lib/hash.h): the source address, the ports and the L4 protocol, not the
// destination, so that one client picks the same backend through every VIP of a service.

import type { AddrKey } from '../../netaddr/lpm.ts';

const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Scratch for the three-word state (a, b, c). */
const st = new Int32Array(3);

function jhashMix(): void {
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  a = (a - c) | 0;
  a ^= rol32(c, 4);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 6);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 8);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= rol32(c, 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 19);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 4);
  b = (b + a) | 0;
  st[0] = a;
  st[1] = b;
  st[2] = c;
}

function jhashFinal(): void {
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  c ^= b;
  c = (c - rol32(b, 14)) | 0;
  a ^= c;
  a = (a - rol32(c, 11)) | 0;
  b ^= a;
  b = (b - rol32(a, 25)) | 0;
  c ^= b;
  c = (c - rol32(b, 16)) | 0;
  a ^= c;
  a = (a - rol32(c, 4)) | 0;
  b ^= a;
  b = (b - rol32(a, 14)) | 0;
  c ^= b;
  c = (c - rol32(b, 24)) | 0;
  st[0] = a;
  st[1] = b;
  st[2] = c;
}

/** jhash_3words(a, b, c, initval) of linux/jhash.h. */
export function jhash3words(a: number, b: number, c: number, initval: number): number {
  const iv = (initval + JHASH_INITVAL + (3 << 2)) | 0;
  st[0] = (a + iv) | 0;
  st[1] = (b + iv) | 0;
  st[2] = (c + iv) | 0;
  jhashFinal();
  return st[2]! >>> 0;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** The 32-bit words of a network-order address as a little-endian CPU loads them. */
function leWord(addr: bigint, index: number): number {
  return bswap32(Number((addr >> BigInt(96 - index * 32)) & 0xffffffffn));
}

/**
 * Cilium's __hash_from_tuple_v4/v6: saddr, (dport << 16 | sport) and the next header, with the
 * per-family seed of bpf-lb-maglev-hash-seed. Addresses and ports are read as a little-endian
 * CPU reads network-order fields. Session affinity passes sport 0.
 */
export function hashFromTuple(saddr: AddrKey, sport: number, dport: number, proto: number, seed: number): number {
  const ports = ((bswap16(dport) << 16) | bswap16(sport)) >>> 0;
  if (typeof saddr === 'number') return jhash3words(bswap32(saddr), ports, proto, seed);
  st[0] = leWord(saddr, 0);
  st[1] = leWord(saddr, 1);
  st[2] = leWord(saddr, 2);
  jhashMix();
  st[0] = (st[0]! + leWord(saddr, 3)) | 0;
  st[1] = (st[1]! + ports) | 0;
  st[2] = (st[2]! + proto) | 0;
  jhashMix();
  st[0] = (st[0]! + seed) | 0;
  jhashFinal();
  return st[2]! >>> 0;
}
