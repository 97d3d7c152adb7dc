// IPv4 and IPv6 addresses as bigints, with strict parsing (Go netip rules: no leading zeros in
// IPv4 octets, no zones) and canonical formatting (RFC 5952 for IPv6).

export type Family = 4 | 6;

export interface IP {
  readonly family: Family;
  readonly value: bigint;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;
const MAX4 = (1n << 32n) - 1n;
const MAX6 = (1n << 128n) - 1n;

export function bitsOf(family: Family): number {
  return family === 4 ? IPV4_BITS : IPV6_BITS;
}

export function maxValue(family: Family): bigint {
  return family === 4 ? MAX4 : MAX6;
}

/** Parses a dotted quad into a 32-bit unsigned number, or -1 when it is not one. */
export function parseIPv4Number(s: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
      if (dots > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function formatIPv4Number(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseIPv6(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  let tail4: number | undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    const v4 = parseIPv4Number(s.slice(lastColon + 1));
    if (v4 < 0) return undefined;
    tail4 = v4;
    text = `${s.slice(0, lastColon + 1)}0:0`; // keep the group count; the tail is patched in below
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(text.slice(0, dbl));
    const tail = parseGroups(text.slice(dbl + 2));
    if (!head || !tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | BigInt(tail4);
  return v;
}

export function parseIP(s: string): IP | undefined {
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const n = parseIPv4Number(s);
  return n < 0 ? undefined : { family: 4, value: BigInt(n) };
}

export function isIP(s: string): boolean {
  return parseIP(s) !== undefined;
}

export function isIPv4(s: string): boolean {
  return parseIPv4Number(s) >= 0;
}

export function isIPv6(s: string): boolean {
  return s.includes(':') && parseIPv6(s) !== undefined;
}

function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses keep the dotted tail, as Go and Linux print them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4Number(Number(v & 0xffffffffn))}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':'); // RFC 5952 4.2.2: a single zero group is not compressed
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIP(ip: IP): string {
  return ip.family === 4 ? formatIPv4Number(Number(ip.value)) : formatIPv6(ip.value);
}

export function ipFromValue(family: Family, value: bigint): IP {
  return { family, value };
}

/** Canonical text for an address string, or undefined when it does not parse. */
export function canonicalIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
}

export function compareIP(a: IP, b: IP): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function ipEquals(a: IP, b: IP): boolean {
  return a.family === b.family && a.value === b.value;
}

export function addToIP(ip: IP, delta: bigint): IP {
  return { family: ip.family, value: ip.value + delta };
}
