// Addresses on the emulated network's hot paths: IPv4 as an unsigned 32-bit number, IPv6 as a
// bigint. The family is the JS type, so packets and tables need no separate family field.

import { type IP, formatIP, parseIP } from '../netaddr/ip.ts';
import type { AddrKey } from '../netaddr/lpm.ts';

export type Addr = AddrKey;

export interface Prefix {
  addr: Addr;
  len: number;
}

export function isV4(a: Addr): a is number {
  return typeof a === 'number';
}

export function familyOf(a: Addr): 4 | 6 {
  return typeof a === 'number' ? 4 : 6;
}

export function parseAddr(s: string): Addr | undefined {
  const ip = parseIP(s);
  return ip ? fromIP(ip) : undefined;
}

export function fromIP(ip: IP): Addr {
  return ip.family === 4 ? Number(ip.value) : ip.value;
}

export function toIP(a: Addr): IP {
  return typeof a === 'number' ? { family: 4, value: BigInt(a) } : { family: 6, value: a };
}

export function fmtAddr(a: Addr): string {
  if (typeof a === 'number') return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  return formatIP({ family: 6, value: a });
}

export function maskAddr(a: Addr, len: number): Addr {
  if (typeof a === 'number') return len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
  return len === 128 ? a : a & ~((1n << BigInt(128 - len)) - 1n);
}

export function prefixContains(p: Prefix, a: Addr): boolean {
  return typeof p.addr === typeof a && maskAddr(a, p.len) === p.addr;
}

export function bitsOfAddr(a: Addr): number {
  return typeof a === 'number' ? 32 : 128;
}

/** Parses `a.b.c.d/n`, `x::/n`, a bare address (host prefix) or `default`. */
export function parsePrefix(s: string, family: 4 | 6 = 4): Prefix | undefined {
  if (s === 'default' || s === 'all' || s === 'any') return { addr: family === 4 ? 0 : 0n, len: 0 };
  const slash = s.indexOf('/');
  const a = parseAddr(slash < 0 ? s : s.slice(0, slash));
  if (a === undefined) return undefined;
  const bits = bitsOfAddr(a);
  if (slash < 0) return { addr: a, len: bits };
  const lenText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > bits) return undefined;
  return { addr: maskAddr(a, len), len };
}

/** `192.168.10.100/24` as an interface address: the address is kept unmasked. */
export function parseIfAddr(s: string): Prefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const a = parseAddr(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (a === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const len = Number(lenText);
  return len <= bitsOfAddr(a) ? { addr: a, len } : undefined;
}

/** `10.0.0.0/24`, or the bare address for a host prefix (iproute2's way). */
export function fmtPrefix(p: Prefix, hostBare = true): string {
  if (hostBare && p.len === bitsOfAddr(p.addr)) return fmtAddr(p.addr);
  return `${fmtAddr(p.addr)}/${p.len}`;
}

export function broadcastOf(a: number, len: number): number {
  return len >= 31 ? a : (a | (0xffffffff >>> len)) >>> 0;
}

export function addrEquals(a: Addr | undefined, b: Addr | undefined): boolean {
  return a === b;
}

export const V4_ANY = 0;
export const V6_ANY = 0n;
export const V4_LOOPBACK = 0x7f000001;
export const V6_LOOPBACK = 1n;

export function isLinkLocal6(a: Addr): boolean {
  return typeof a === 'bigint' && a >> 118n === 0x3fan; // fe80::/10
}

export function isMulticast(a: Addr): boolean {
  return typeof a === 'number' ? a >>> 28 === 0xe : a >> 120n === 0xffn;
}

export function isLoopback(a: Addr): boolean {
  return typeof a === 'number' ? a >>> 24 === 127 : a === V6_LOOPBACK;
}
