// How DSR carries the service address to the backend's node (cilium bpf/lib/nodeport.h):
// - geneve dispatch: a Geneve option, class 0x014B (Cilium), type 0x81, body = address, port, pad;
// - opt dispatch: IPv4 option 0x9a (copied flag | 0x1a) `type len port addr`, or for IPv6 a
//   destination-options header with option 0x1B carrying address and port.
// Byte layouts are *(code-reading)* of struct geneve_dsr_opt4/6, dsr_opt_v4/v6.

import type { AddrKey } from '../../netaddr/lpm.ts';

export const GENEVE_OPT_CLASS_CILIUM = 0x014b;
export const GENEVE_OPT_TYPE_DSR = 0x81;
export const IPV4_OPT_DSR = 0x9a;
export const IPV6_DSTOPT_DSR = 0x1b;
/** IPPROTO_DSTOPTS, the next-header value pointing at a destination-options header. */
export const IPPROTO_DSTOPTS = 60;

export interface DsrService {
  addr: AddrKey;
  port: number;
}

function writeAddr(buf: Uint8Array, off: number, addr: AddrKey): void {
  if (typeof addr === 'number') {
    buf[off] = addr >>> 24;
    buf[off + 1] = (addr >>> 16) & 255;
    buf[off + 2] = (addr >>> 8) & 255;
    buf[off + 3] = addr & 255;
    return;
  }
  for (let i = 0; i < 16; i++) buf[off + i] = Number((addr >> BigInt(120 - i * 8)) & 0xffn);
}

function readAddr(buf: Uint8Array, off: number, v6: boolean): AddrKey {
  if (!v6) return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(buf[off + i]!);
  return v;
}

/** One Geneve option TLV (class, type, length in 4-byte words, then address, port, 2 pad bytes). */
export function encodeGeneveDsrOption(svc: DsrService): Uint8Array {
  const alen = typeof svc.addr === 'number' ? 4 : 16;
  const body = alen + 4;
  const out = new Uint8Array(4 + body);
  out[0] = GENEVE_OPT_CLASS_CILIUM >> 8;
  out[1] = GENEVE_OPT_CLASS_CILIUM & 255;
  out[2] = GENEVE_OPT_TYPE_DSR;
  out[3] = body / 4;
  writeAddr(out, 4, svc.addr);
  out[4 + alen] = svc.port >> 8;
  out[5 + alen] = svc.port & 255;
  return out;
}

/** Finds Cilium's DSR option among a Geneve header's options; undefined if absent or malformed. */
export function decodeGeneveDsrOption(options: Uint8Array): DsrService | undefined {
  let off = 0;
  while (off + 4 <= options.length) {
    const cls = (options[off]! << 8) | options[off + 1]!;
    const type = options[off + 2]!;
    const len = (options[off + 3]! & 0x1f) * 4;
    if (off + 4 + len > options.length) return undefined;
    if (cls === GENEVE_OPT_CLASS_CILIUM && type === GENEVE_OPT_TYPE_DSR && (len === 8 || len === 20)) {
      const v6 = len === 20;
      const alen = v6 ? 16 : 4;
      return { addr: readAddr(options, off + 4, v6), port: (options[off + 4 + alen]! << 8) | options[off + 5 + alen]! };
    }
    off += 4 + len;
  }
  return undefined;
}

/** The 8-byte IPv4 DSR option: type 0x9a, length 8, service port, service address. */
export function encodeIPv4DsrOption(svc: DsrService & { addr: number }): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = IPV4_OPT_DSR;
  out[1] = 8;
  out[2] = svc.port >> 8;
  out[3] = svc.port & 255;
  writeAddr(out, 4, svc.addr);
  return out;
}

/** Finds the DSR option among IPv4 header options (RFC 791 type/length walk). */
export function decodeIPv4DsrOption(options: Uint8Array): DsrService | undefined {
  let off = 0;
  while (off < options.length) {
    const type = options[off]!;
    if (type === 0) return undefined; // end of option list
    if (type === 1) {
      off++; // no-operation
      continue;
    }
    const len = options[off + 1];
    if (len === undefined || len < 2 || off + len > options.length) return undefined;
    if (type === IPV4_OPT_DSR && len === 8) return { addr: readAddr(options, off + 4, false), port: (options[off + 2]! << 8) | options[off + 3]! };
    off += len;
  }
  return undefined;
}

/** The IPv6 destination-options header (24 bytes) carrying the DSR option; `nextHeader` is the L4 protocol. */
export function encodeIPv6DsrDestOpt(svc: DsrService & { addr: bigint }, nextHeader: number): Uint8Array {
  const out = new Uint8Array(24);
  out[0] = nextHeader;
  out[1] = 2; // header length in 8-byte units, not counting the first 8
  out[2] = IPV6_DSTOPT_DSR;
  out[3] = 20;
  writeAddr(out, 4, svc.addr);
  out[20] = svc.port >> 8;
  out[21] = svc.port & 255;
  return out;
}

export function decodeIPv6DsrDestOpt(hdr: Uint8Array): (DsrService & { nextHeader: number }) | undefined {
  if (hdr.length < 24 || hdr[2] !== IPV6_DSTOPT_DSR || hdr[3] !== 20) return undefined;
  return { addr: readAddr(hdr, 4, true), port: (hdr[20]! << 8) | hdr[21]!, nextHeader: hdr[0]! };
}
