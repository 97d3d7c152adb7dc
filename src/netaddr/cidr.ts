// CIDR prefixes and inclusive address ranges over bigint addresses.

import { type Family, type IP, bitsOf, formatIP, maxValue, parseIP } from './ip.ts';

export interface Cidr {
  readonly family: Family;
  /** Network address (host bits cleared). */
  readonly addr: bigint;
  readonly prefixLen: number;
}

export interface IPRange {
  readonly family: Family;
  readonly from: bigint;
  readonly to: bigint;
}

export function hostMask(family: Family, prefixLen: number): bigint {
  return (1n << BigInt(bitsOf(family) - prefixLen)) - 1n;
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits are masked off, as Go's netip.Prefix.Masked does. */
export function parseCIDR(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > bitsOf(ip.family)) return undefined;
  return { family: ip.family, addr: ip.value & ~hostMask(ip.family, prefixLen) & maxValue(ip.family), prefixLen };
}

export function isCIDR(s: string): boolean {
  return parseCIDR(s) !== undefined;
}

export function formatCIDR(c: Cidr): string {
  return `${formatIP({ family: c.family, value: c.addr })}/${c.prefixLen}`;
}

export function cidrFromIP(ip: IP): Cidr {
  return { family: ip.family, addr: ip.value, prefixLen: bitsOf(ip.family) };
}

export function cidrRange(c: Cidr): IPRange {
  return { family: c.family, from: c.addr, to: c.addr | hostMask(c.family, c.prefixLen) };
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.family) - c.prefixLen);
}

export function cidrContains(c: Cidr, ip: IP): boolean {
  return ip.family === c.family && (ip.value & ~hostMask(c.family, c.prefixLen)) === c.addr;
}

export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    inner.prefixLen >= outer.prefixLen &&
    (inner.addr & ~hostMask(outer.family, outer.prefixLen)) === outer.addr
  );
}

/** The n-th address of a prefix (0 = network address). */
export function cidrNth(c: Cidr, n: bigint): IP {
  return { family: c.family, value: c.addr + n };
}

/** Splits `parent` into subnets of length `len` and returns the index-th one. */
export function subnet(parent: Cidr, len: number, index: bigint): Cidr | undefined {
  if (len < parent.prefixLen || len > bitsOf(parent.family)) return undefined;
  const count = 1n << BigInt(len - parent.prefixLen);
  if (index < 0n || index >= count) return undefined;
  return { family: parent.family, addr: parent.addr + (index << BigInt(bitsOf(parent.family) - len)), prefixLen: len };
}

export function rangeSize(r: IPRange): bigint {
  return r.to - r.from + 1n;
}

export function rangesOverlap(a: IPRange, b: IPRange): boolean {
  return a.family === b.family && a.from <= b.to && b.from <= a.to;
}

export function rangeContains(r: IPRange, ip: IP): boolean {
  return r.family === ip.family && ip.value >= r.from && ip.value <= r.to;
}

export function formatRange(r: IPRange): string {
  return `${formatIP({ family: r.family, value: r.from })} - ${formatIP({ family: r.family, value: r.to })}`;
}
