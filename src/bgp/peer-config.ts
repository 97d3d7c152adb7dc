// Peer configuration as the speaker API takes it, with defaults and validation.

import { parseIPv4Number } from '../netaddr/ip.ts';
import { canonicalIP, parseIP } from '../netaddr/ip.ts';
import type { RemoteAs } from './fsm/negotiate.ts';
import type { PolicyAssignment } from './policy/types.ts';
import type { Transport } from './transport.ts';
import type { FamilyKey } from './wire/constants.ts';

export interface PeerConfig {
  address: string;
  /** Peer AS; 0 accepts any AS from the OPEN; FRR's `external` / `internal`. */
  asn: RemoteAs;
  /** Remote TCP port (default 179). */
  port?: number;
  /** Source address of our connections, and the next hop we advertise when set. */
  localAddress?: string;
  /** Never connect, only accept. */
  passive?: boolean;
  /** Seconds: connect retry (default 120), hold (default 90), keepalive (default hold/3). */
  connectRetry?: number;
  holdTime?: number;
  keepalive?: number;
  /** Seconds to wait before reconnecting after an error (default 5; doubles per failure). */
  idleHoldTime?: number;
  /** eBGP multihop TTL; 1 or undefined = directly connected (system default TTL). */
  ebgpMultihop?: number;
  /** Graceful restart (RFC 4724) for this peer; overrides the speaker-wide setting. */
  gracefulRestart?: { enabled: boolean; restartTime?: number };
  families?: FamilyKey[];
  /** TCP MD5 password (RFC 2385). Refused when the transport cannot apply it. */
  password?: string;
  importPolicy?: PolicyAssignment;
  exportPolicy?: PolicyAssignment;
  /** The peer is reset with Cease/1 (RFC 4486) above this many accepted prefixes (one limit for every family, or per family). */
  maxPrefixes?: number | Partial<Record<FamilyKey, number>>;
  /** Weight of paths from this peer (FRR `neighbor X weight`). */
  weight?: number;
  /** iBGP: advertise ourselves as next hop. */
  nextHopSelf?: boolean;
  /** Next hop for IPv6 routes when the session runs over IPv4 (default: IPv4-mapped local address). */
  nextHop6?: string;
  /** Accept ADD-PATH (RFC 7911) from this peer. */
  addPathReceive?: boolean;
  /** Paths whose AS_PATH carries our AS up to this many times are still accepted (allowas-in). */
  allowAsIn?: number;
  description?: string;
  /** Administratively down. */
  shutdown?: boolean;
  /** Advertise routes back to this peer when it is the one they came from (FRR does; GoBGP does not). */
  sendBack?: boolean;
}

export interface NormalizedPeer extends Required<Omit<PeerConfig, 'localAddress' | 'password' | 'importPolicy' | 'exportPolicy' | 'maxPrefixes' | 'nextHop6' | 'description' | 'gracefulRestart' | 'keepalive'>> {
  key: string;
  family: 4 | 6;
  addrValue: bigint;
  localAddress?: string;
  password?: string;
  importPolicy?: PolicyAssignment;
  exportPolicy?: PolicyAssignment;
  maxPrefixes?: number | Partial<Record<FamilyKey, number>>;
  nextHop6?: string;
  description?: string;
  gracefulRestart?: { enabled: boolean; restartTime?: number };
  keepalive?: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function inRange(v: number | undefined, min: number, max: number, what: string): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${what} must be an integer in ${min}..${max} (got ${v})`);
}

/** Canonical text for an address, with IPv4-mapped IPv6 turned into IPv4. */
export function canonicalPeerAddress(s: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped && parseIPv4Number(mapped[1]!) >= 0) return mapped[1]!;
  return canonicalIP(s);
}

export function normalizePeer(c: PeerConfig, transport: Transport): NormalizedPeer {
  const key = canonicalPeerAddress(c.address);
  const ip = key ? parseIP(key) : undefined;
  if (!key || !ip) throw new ConfigError(`peer address ${JSON.stringify(c.address)} is not an IP address`);
  if (typeof c.asn === 'number') inRange(c.asn, 0, 0xffffffff, 'peer ASN');
  else if (c.asn !== 'external' && c.asn !== 'internal') throw new ConfigError(`peer ASN ${JSON.stringify(c.asn)} is not a number, external or internal`);
  inRange(c.port, 1, 65535, 'peer port');
  inRange(c.connectRetry, 1, 65535, 'connect retry');
  inRange(c.holdTime, 0, 65535, 'hold time');
  if (c.holdTime !== undefined && c.holdTime > 0 && c.holdTime < 3) throw new ConfigError('hold time must be 0 or at least 3');
  inRange(c.keepalive, 1, 65535, 'keepalive');
  if (c.keepalive !== undefined && c.holdTime !== undefined && c.holdTime > 0 && c.keepalive > c.holdTime) {
    throw new ConfigError('keepalive must not exceed the hold time');
  }
  inRange(c.ebgpMultihop, 1, 255, 'ebgp multihop');
  for (const m of typeof c.maxPrefixes === 'object' ? Object.values(c.maxPrefixes) : [c.maxPrefixes]) inRange(m, 1, 0xffffffff, 'maximum prefixes');
  inRange(c.weight, 0, 65535, 'weight');
  inRange(c.allowAsIn, 0, 10, 'allowas-in');
  if (c.gracefulRestart?.restartTime !== undefined) inRange(c.gracefulRestart.restartTime, 1, 4095, 'graceful restart time');
  if (c.localAddress !== undefined && !canonicalIP(c.localAddress)) throw new ConfigError(`local address ${JSON.stringify(c.localAddress)} is not an IP address`);
  if (c.nextHop6 !== undefined && parseIP(c.nextHop6)?.family !== 6) throw new ConfigError(`IPv6 next hop ${JSON.stringify(c.nextHop6)} is not an IPv6 address`);
  if (c.password !== undefined) {
    if (c.password.length === 0 || Buffer.byteLength(c.password) > 80) throw new ConfigError('MD5 password must be 1..80 bytes');
    if (!transport.supports.md5) throw new ConfigError('TCP MD5 (password) is not supported by this transport; refusing the peer rather than running it unsigned');
  }
  if (c.ebgpMultihop !== undefined && c.ebgpMultihop > 1 && !transport.supports.ttl) {
    throw new ConfigError('eBGP multihop needs the socket TTL, which this transport cannot set; refusing the peer');
  }
  const families = c.families ?? ['ipv4-unicast'];
  if (families.length === 0) throw new ConfigError('a peer needs at least one address family');
  for (const f of families) if (f !== 'ipv4-unicast' && f !== 'ipv6-unicast') throw new ConfigError(`unsupported address family ${JSON.stringify(f)}`);
  const n: NormalizedPeer = {
    key,
    family: ip.family,
    addrValue: ip.value,
    address: key,
    asn: c.asn,
    port: c.port ?? 179,
    passive: c.passive ?? false,
    connectRetry: c.connectRetry ?? 120,
    holdTime: c.holdTime ?? 90,
    idleHoldTime: c.idleHoldTime ?? 5,
    ebgpMultihop: c.ebgpMultihop ?? 1,
    families: [...new Set(families)],
    weight: c.weight ?? 0,
    nextHopSelf: c.nextHopSelf ?? false,
    addPathReceive: c.addPathReceive ?? false,
    allowAsIn: c.allowAsIn ?? 0,
    shutdown: c.shutdown ?? false,
    sendBack: c.sendBack ?? false,
  };
  if (c.keepalive !== undefined) n.keepalive = c.keepalive;
  if (c.localAddress !== undefined) n.localAddress = canonicalPeerAddress(c.localAddress)!;
  if (c.password !== undefined) n.password = c.password;
  if (c.importPolicy) n.importPolicy = c.importPolicy;
  if (c.exportPolicy) n.exportPolicy = c.exportPolicy;
  if (c.maxPrefixes !== undefined) n.maxPrefixes = c.maxPrefixes;
  if (c.nextHop6 !== undefined) n.nextHop6 = c.nextHop6;
  if (c.description !== undefined) n.description = c.description;
  if (c.gracefulRestart) n.gracefulRestart = c.gracefulRestart;
  return n;
}
