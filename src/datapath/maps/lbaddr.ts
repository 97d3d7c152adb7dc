// Address helpers for the LB maps: AddrKeys (IPv4 uint32 number, IPv6 bigint) parsed, printed
// and ordered the way Cilium prints and orders them (netip.Addr: IPv4 before IPv6, then bytes).

import { formatIP, formatIPv4Number, parseIP, parseIPv4Number } from '../../netaddr/ip.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { PROTO_ANY, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from './lb.ts';

export function parseAddrKey(s: string): AddrKey | undefined {
  // IPv4 straight to a number: this runs once per endpoint address on every resync.
  const v4 = parseIPv4Number(s);
  if (v4 >= 0) return v4;
  const ip = parseIP(s);
  if (!ip) return undefined;
  return ip.family === 4 ? Number(ip.value) : ip.value;
}

export function formatAddrKey(a: AddrKey): string {
  return typeof a === 'number' ? formatIPv4Number(a) : formatIP({ family: 6, value: a });
}

export function isUnspecified(a: AddrKey): boolean {
  return a === 0 || a === 0n;
}

export function compareAddrKey(a: AddrKey, b: AddrKey): number {
  const fa = typeof a === 'number' ? 4 : 6;
  const fb = typeof b === 'number' ? 4 : 6;
  if (fa !== fb) return fa - fb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ip:port` with IPv6 in brackets (net.JoinHostPort). */
export function joinHostPort(a: AddrKey, port: number): string {
  return typeof a === 'number' ? `${formatIPv4Number(a)}:${port}` : `[${formatAddrKey(a)}]:${port}`;
}

/** u8proto.String(): TCP, UDP, SCTP, ANY; other numbers print as digits. */
export function protoName(p: number): string {
  switch (p) {
    case PROTO_TCP:
      return 'TCP';
    case PROTO_UDP:
      return 'UDP';
    case PROTO_SCTP:
      return 'SCTP';
    case PROTO_ANY:
      return 'ANY';
    default:
      return String(p);
  }
}

export function protoNumber(name: string | undefined): number | undefined {
  switch ((name ?? 'TCP').toUpperCase()) {
    case 'TCP':
      return PROTO_TCP;
    case 'UDP':
      return PROTO_UDP;
    case 'SCTP':
      return PROTO_SCTP;
    case 'ANY':
      return PROTO_ANY;
    default:
      return undefined;
  }
}

/** L3n4Addr.String(): `10.96.0.10:53/UDP`, `[fd00::1]:443/TCP`, internal scope adds `/i`. */
export function formatL3n4(addr: AddrKey, port: number, proto: number, scope: number): string {
  return `${joinHostPort(addr, port)}/${protoName(proto)}${scope === 1 ? '/i' : ''}`;
}
