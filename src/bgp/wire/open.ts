// OPEN (RFC 4271 §4.2) with capabilities (RFC 5492) and extended optional parameters (RFC 9072).

import { AS_TRANS, CapCode, ErrCode, type FamilyKey, MsgType, OpenSub, OptParam, familyAfi, familyKey } from './constants.ts';
import { BgpError } from './errors.ts';
import { frame } from './message.ts';
import { copyBytes } from './prefix.ts';
import { Writer } from './writer.ts';

export interface GracefulRestartFamily {
  afi: number;
  safi: number;
  forwarding: boolean;
}

export interface AddPathFamily {
  afi: number;
  safi: number;
  /** 1 = receive, 2 = send, 3 = both (RFC 7911 §4). */
  mode: number;
}

export type Capability =
  | { code: typeof CapCode.MULTIPROTOCOL; afi: number; safi: number }
  | { code: typeof CapCode.ROUTE_REFRESH }
  | { code: typeof CapCode.ROUTE_REFRESH_OLD }
  | { code: typeof CapCode.EXTENDED_MESSAGE }
  | { code: typeof CapCode.ENHANCED_ROUTE_REFRESH }
  | { code: typeof CapCode.FOUR_OCTET_AS; asn: number }
  | {
      code: typeof CapCode.GRACEFUL_RESTART;
      restartState: boolean;
      notification: boolean;
      restartTime: number;
      families: GracefulRestartFamily[];
    }
  | { code: typeof CapCode.ADD_PATH; families: AddPathFamily[] }
  | { code: typeof CapCode.FQDN; hostname: string; domain: string }
  | { code: number; value: Uint8Array; unknown: true };

export interface OpenMessage {
  version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real ASN needs 4 octets). */
  myAs: number;
  holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number. */
  bgpId: number;
  capabilities: Capability[];
}

export function encodeOpen(m: OpenMessage): Buffer {
  const caps = new Writer(128);
  for (const c of m.capabilities) encodeCapability(caps, c);
  const capBytes = caps.result();
  const w = new Writer(64 + capBytes.length);
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).u32(m.bgpId);
  if (capBytes.length === 0) {
    w.u8(0);
  } else if (capBytes.length + 2 <= 255) {
    w.u8(capBytes.length + 2).u8(OptParam.CAPABILITIES).u8(capBytes.length).bytes(capBytes);
  } else {
    // RFC 9072 §2: Non-Ext OP Len 255, Non-Ext OP Type 255, then a 2-octet length and 2-octet param lengths.
    w.u8(255).u8(OptParam.EXTENDED_LENGTH).u16(capBytes.length + 3);
    w.u8(OptParam.CAPABILITIES).u16(capBytes.length).bytes(capBytes);
  }
  return frame(MsgType.OPEN, w.result());
}

function encodeCapability(w: Writer, c: Capability): void {
  w.u8(c.code);
  const lenAt = w.reserve(1);
  const start = w.pos;
  if ('unknown' in c) {
    w.bytes(c.value);
  } else {
    switch (c.code) {
      case CapCode.MULTIPROTOCOL:
        w.u16(c.afi).u8(0).u8(c.safi);
        break;
      case CapCode.FOUR_OCTET_AS:
        w.u32(c.asn);
        break;
      case CapCode.GRACEFUL_RESTART:
        w.u16(((c.restartState ? 0x8 : 0) | (c.notification ? 0x4 : 0)) * 0x1000 + (c.restartTime & 0xfff));
        for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.forwarding ? 0x80 : 0);
        break;
      case CapCode.ADD_PATH:
        for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.mode);
        break;
      case CapCode.FQDN: {
        const h = Buffer.from(c.hostname, 'utf8').subarray(0, 255);
        const d = Buffer.from(c.domain, 'utf8').subarray(0, 255);
        w.u8(h.length).bytes(h).u8(d.length).bytes(d);
        break;
      }
      default:
        break; // route refresh, extended message, enhanced route refresh: no value
    }
  }
  w.setU8(lenAt, w.pos - start);
}

const malformed = (detail: string) => new BgpError(ErrCode.OPEN_MESSAGE, 0, new Uint8Array(0), `OPEN Message Error/Unspecific: ${detail}`);

/** Decodes the body of an OPEN; structural errors throw BgpError (code 2). */
export function decodeOpen(buf: Uint8Array, start: number, end: number): OpenMessage {
  if (end - start < 10) throw malformed('too short');
  const version = buf[start]!;
  if (version !== 4) {
    // RFC 4271 §6.2: the data is the largest locally supported version number.
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.UNSUPPORTED_VERSION, Uint8Array.of(0, 4));
  }
  const myAs = (buf[start + 1]! << 8) | buf[start + 2]!;
  const holdTime = (buf[start + 3]! << 8) | buf[start + 4]!;
  const bgpId = ((buf[start + 5]! << 24) | (buf[start + 6]! << 16) | (buf[start + 7]! << 8) | buf[start + 8]!) >>> 0;
  let optLen = buf[start + 9]!;
  let p = start + 10;
  let extended = false;
  if (optLen === 255 && p < end && buf[p] === OptParam.EXTENDED_LENGTH) {
    if (p + 3 > end) throw malformed('extended optional parameters truncated');
    extended = true;
    optLen = (buf[p + 1]! << 8) | buf[p + 2]!;
    p += 3;
  }
  if (p + optLen !== end) throw malformed('optional parameters length does not match the message');
  const capabilities: Capability[] = [];
  while (p < end) {
    const hdr = extended ? 3 : 2;
    if (p + hdr > end) throw malformed('optional parameter header truncated');
    const type = buf[p]!;
    const len = extended ? (buf[p + 1]! << 8) | buf[p + 2]! : buf[p + 1]!;
    p += hdr;
    if (p + len > end) throw malformed('optional parameter overruns the message');
    if (type !== OptParam.CAPABILITIES) {
      throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.UNSUPPORTED_OPTIONAL_PARAMETER);
    }
    decodeCapabilities(buf, p, p + len, capabilities);
    p += len;
  }
  if (holdTime === 1 || holdTime === 2) {
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.UNACCEPTABLE_HOLD_TIME); // RFC 4271 §6.2
  }
  if (bgpId === 0) throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.BAD_BGP_IDENTIFIER); // RFC 6286 §2.2
  return { version, myAs, holdTime, bgpId, capabilities };
}

function decodeCapabilities(buf: Uint8Array, p: number, end: number, out: Capability[]): void {
  while (p < end) {
    if (p + 2 > end) throw malformed('capability header truncated');
    const code = buf[p]!;
    const len = buf[p + 1]!;
    p += 2;
    if (p + len > end) throw malformed(`capability ${code} overruns its parameter`);
    out.push(decodeCapability(code, buf, p, len));
    p += len;
  }
}

function u16(buf: Uint8Array, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function decodeCapability(code: number, buf: Uint8Array, p: number, len: number): Capability {
  const bad = () => malformed(`capability ${code} has a bad length (${len})`);
  switch (code) {
    case CapCode.MULTIPROTOCOL:
      if (len !== 4) throw bad();
      return { code, afi: u16(buf, p), safi: buf[p + 3]! };
    case CapCode.ROUTE_REFRESH:
    case CapCode.ROUTE_REFRESH_OLD:
    case CapCode.EXTENDED_MESSAGE:
    case CapCode.ENHANCED_ROUTE_REFRESH:
      if (len !== 0) throw bad();
      return { code } as Capability;
    case CapCode.FOUR_OCTET_AS:
      if (len !== 4) throw bad();
      return { code, asn: ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0 };
    case CapCode.GRACEFUL_RESTART: {
      if (len < 2 || (len - 2) % 4 !== 0) throw bad();
      const head = u16(buf, p);
      const families: GracefulRestartFamily[] = [];
      for (let q = p + 2; q < p + len; q += 4) {
        families.push({ afi: u16(buf, q), safi: buf[q + 2]!, forwarding: (buf[q + 3]! & 0x80) !== 0 });
      }
      return {
        code,
        restartState: (head & 0x8000) !== 0,
        notification: (head & 0x4000) !== 0,
        restartTime: head & 0xfff,
        families,
      };
    }
    case CapCode.ADD_PATH: {
      if (len === 0 || len % 4 !== 0) throw bad();
      const families: AddPathFamily[] = [];
      for (let q = p; q < p + len; q += 4) families.push({ afi: u16(buf, q), safi: buf[q + 2]!, mode: buf[q + 3]! });
      return { code, families };
    }
    case CapCode.FQDN: {
      if (len < 1) throw bad();
      const hl = buf[p]!;
      if (1 + hl + 1 > len) throw bad();
      const dl = buf[p + 1 + hl]!;
      if (2 + hl + dl > len) throw bad();
      const dec = new TextDecoder();
      return {
        code,
        hostname: dec.decode(buf.subarray(p + 1, p + 1 + hl)),
        domain: dec.decode(buf.subarray(p + 2 + hl, p + 2 + hl + dl)),
      };
    }
    default:
      return { code, value: copyBytes(buf, p, p + len), unknown: true };
  }
}

/** What a peer's capabilities mean for the session, in the shape the FSM needs. */
export interface PeerCapabilities {
  families: Set<FamilyKey>;
  /** True when the OPEN carried no Multiprotocol capability (implies IPv4 unicast, RFC 4760 §8). */
  implicitIpv4: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  /** The 4-octet ASN, when the capability was sent. */
  as4?: number;
  gracefulRestart?: { restartState: boolean; notification: boolean; restartTime: number; forwarding: Map<FamilyKey, boolean> };
  addPath: Map<FamilyKey, number>;
  hostname?: string;
  domain?: string;
}

export function summarizeCapabilities(caps: Capability[]): PeerCapabilities {
  const out: PeerCapabilities = {
    families: new Set(),
    implicitIpv4: true,
    routeRefresh: false,
    enhancedRouteRefresh: false,
    extendedMessage: false,
    addPath: new Map(),
  };
  for (const c of caps) {
    if ('unknown' in c) continue;
    switch (c.code) {
      case CapCode.MULTIPROTOCOL: {
        out.implicitIpv4 = false;
        const f = familyKey(c.afi, c.safi);
        if (f) out.families.add(f);
        break;
      }
      case CapCode.ROUTE_REFRESH:
      case CapCode.ROUTE_REFRESH_OLD:
        out.routeRefresh = true;
        break;
      case CapCode.ENHANCED_ROUTE_REFRESH:
        out.enhancedRouteRefresh = true;
        break;
      case CapCode.EXTENDED_MESSAGE:
        out.extendedMessage = true;
        break;
      case CapCode.FOUR_OCTET_AS:
        out.as4 = c.asn;
        break;
      case CapCode.GRACEFUL_RESTART: {
        const forwarding = new Map<FamilyKey, boolean>();
        for (const f of c.families) {
          const k = familyKey(f.afi, f.safi);
          if (k) forwarding.set(k, f.forwarding);
        }
        out.gracefulRestart = { restartState: c.restartState, notification: c.notification, restartTime: c.restartTime, forwarding };
        break;
      }
      case CapCode.ADD_PATH:
        for (const f of c.families) {
          const k = familyKey(f.afi, f.safi);
          if (k) out.addPath.set(k, f.mode);
        }
        break;
      case CapCode.FQDN:
        out.hostname = c.hostname;
        out.domain = c.domain;
        break;
      default:
        break;
    }
  }
  if (out.implicitIpv4) out.families.add('ipv4-unicast');
  return out;
}

export function twoOctetAs(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

export function mpCapability(f: FamilyKey): Capability {
  return { code: CapCode.MULTIPROTOCOL, afi: familyAfi(f), safi: 1 };
}
