// MAC addresses as 48-bit numbers (exact in a double).

import type { Rng } from '../controller/rng.ts';

export type Mac = number;

export const BROADCAST_MAC: Mac = 0xffffffffffff;
export const ZERO_MAC: Mac = 0;

export function fmtMac(m: Mac): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(m / 2 ** (8 * i)) % 256;
    s += (b < 16 ? '0' : '') + b.toString(16) + (i > 0 ? ':' : '');
  }
  return s;
}

export function parseMac(s: string): Mac | undefined {
  const parts = s.split(':');
  if (parts.length !== 6) return undefined;
  let m = 0;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return undefined;
    m = m * 256 + Number.parseInt(p, 16);
  }
  return m;
}

export function macBytes(m: Mac): number[] {
  const out: number[] = [];
  for (let i = 5; i >= 0; i--) out.push(Math.floor(m / 2 ** (8 * i)) % 256);
  return out;
}

export function macFromBytes(b: ArrayLike<number>, off = 0): Mac {
  let m = 0;
  for (let i = 0; i < 6; i++) m = m * 256 + b[off + i]!;
  return m;
}

export function isMulticastMac(m: Mac): boolean {
  return (Math.floor(m / 2 ** 40) & 1) === 1;
}

/** Linux eth_random_addr: random bytes, multicast bit cleared, locally-administered bit set. */
export function randomMac(rng: Rng): Mac {
  const first = (rng.int(256) & 0xfe) | 0x02;
  let m = first;
  for (let i = 0; i < 5; i++) m = m * 256 + rng.int(256);
  return m;
}

/** A MAC with a fixed vendor prefix (e.g. 08:00:27 VirtualBox, 52:54:00 libvirt). */
export function macWithOui(rng: Rng, oui: string): Mac {
  const prefix = parseMac(`${oui}:00:00:00`);
  if (prefix === undefined) throw new Error(`bad OUI ${oui}`);
  return prefix + rng.int(0x1000000);
}

/** RFC 4291 appendix A: modified EUI-64 interface identifier → fe80::/64 link-local address. */
export function linkLocalFromMac(m: Mac): bigint {
  const b = macBytes(m);
  const iid =
    (BigInt(b[0]! ^ 0x02) << 56n) |
    (BigInt(b[1]!) << 48n) |
    (BigInt(b[2]!) << 40n) |
    (0xffn << 32n) |
    (0xfen << 24n) |
    (BigInt(b[3]!) << 16n) |
    (BigInt(b[4]!) << 8n) |
    BigInt(b[5]!);
  return (0xfe80n << 112n) | iid;
}

/** IPv4 multicast group → 01:00:5e MAC (RFC 1112 §6.4). */
export function multicastMac4(group: number): Mac {
  return 0x01005e000000 + (group & 0x7fffff);
}

/** IPv6 multicast group → 33:33 MAC (RFC 2464 §7). */
export function multicastMac6(group: bigint): Mac {
  return 0x333300000000 + Number(group & 0xffffffffn);
}
