// Building our OPEN and checking the peer's (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 4724, RFC 7911).

import { AS_TRANS, CapCode, ErrCode, type FamilyKey, OpenSub, familyAfi } from '../wire/constants.ts';
import { BgpError } from '../wire/errors.ts';
import { type Capability, type OpenMessage, type PeerCapabilities, encodeOpen, mpCapability, summarizeCapabilities, twoOctetAs } from '../wire/open.ts';

export type RemoteAs = number | 'external' | 'internal';

export interface OpenConfig {
  localAs: number;
  routerId: number;
  /** Seconds; 0 disables keepalives and the hold timer. */
  holdTime: number;
  /** Seconds; defaults to a third of the hold time. */
  keepalive?: number;
  families: FamilyKey[];
  /** A number (0 = accept any), or FRR's `external` / `internal`. */
  remoteAs: RemoteAs;
  gracefulRestart?: { restartTime: number; restarting: boolean; preserveForwarding: boolean };
  addPathReceive: boolean;
  extendedMessage: boolean;
  enhancedRouteRefresh: boolean;
  hostname?: string;
  domain?: string;
}

export interface Negotiated {
  peerAs: number;
  peerId: number;
  ebgp: boolean;
  holdTime: number;
  keepalive: number;
  families: FamilyKey[];
  /** Both sides sent the 4-octet AS capability. */
  as4: boolean;
  addPathRx: Set<FamilyKey>;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  caps: PeerCapabilities;
  open: OpenMessage;
}

export function localCapabilities(cfg: OpenConfig): Capability[] {
  const caps: Capability[] = cfg.families.map(mpCapability);
  caps.push({ code: CapCode.ROUTE_REFRESH });
  if (cfg.enhancedRouteRefresh) caps.push({ code: CapCode.ENHANCED_ROUTE_REFRESH });
  if (cfg.extendedMessage) caps.push({ code: CapCode.EXTENDED_MESSAGE });
  caps.push({ code: CapCode.FOUR_OCTET_AS, asn: cfg.localAs });
  if (cfg.addPathReceive) {
    caps.push({ code: CapCode.ADD_PATH, families: cfg.families.map((f) => ({ afi: familyAfi(f), safi: 1, mode: 1 })) });
  }
  if (cfg.gracefulRestart) {
    const gr = cfg.gracefulRestart;
    caps.push({
      code: CapCode.GRACEFUL_RESTART,
      restartState: gr.restarting,
      notification: false,
      restartTime: Math.min(4095, Math.max(0, gr.restartTime)),
      families: cfg.families.map((f) => ({ afi: familyAfi(f), safi: 1, forwarding: gr.preserveForwarding })),
    });
  }
  if (cfg.hostname !== undefined) caps.push({ code: CapCode.FQDN, hostname: cfg.hostname, domain: cfg.domain ?? '' });
  return caps;
}

export function buildOpen(cfg: OpenConfig): Buffer {
  return encodeOpen({
    version: 4,
    myAs: twoOctetAs(cfg.localAs),
    holdTime: cfg.holdTime,
    bgpId: cfg.routerId,
    capabilities: localCapabilities(cfg),
  });
}

/** Checks the peer's OPEN against our configuration; a mismatch throws the NOTIFICATION to send. */
export function negotiate(cfg: OpenConfig, open: OpenMessage): Negotiated {
  const caps = summarizeCapabilities(open.capabilities);
  const peerAs = caps.as4 ?? open.myAs;
  if (caps.as4 !== undefined && open.myAs !== AS_TRANS && open.myAs !== caps.as4) {
    // RFC 6793 §4.1: My AS must be the real ASN or AS_TRANS
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.BAD_PEER_AS, new Uint8Array(0), `OPEN Message Error/Bad Peer AS: ${open.myAs} vs ${caps.as4}`);
  }
  const want = cfg.remoteAs;
  const badAs =
    (typeof want === 'number' && want !== 0 && want !== peerAs) ||
    (want === 'external' && peerAs === cfg.localAs) ||
    (want === 'internal' && peerAs !== cfg.localAs);
  if (badAs) {
    // RFC 4271 §6.2: the data is the peer's My Autonomous System field
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.BAD_PEER_AS, Uint8Array.of(open.myAs >> 8, open.myAs & 0xff), `Bad Peer AS ${peerAs}`);
  }
  const ebgp = peerAs !== cfg.localAs;
  if (!ebgp && open.bgpId === cfg.routerId) {
    // RFC 6286 §2.2: unique within the AS
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.BAD_BGP_IDENTIFIER, u32(open.bgpId), 'Bad BGP Identifier (same as ours)');
  }
  const holdTime = Math.min(cfg.holdTime, open.holdTime);
  if (holdTime !== 0 && holdTime < 3) throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.UNACCEPTABLE_HOLD_TIME);
  const families = cfg.families.filter((f) => caps.families.has(f));
  if (families.length === 0) {
    const data = Buffer.concat(cfg.families.map((f) => Uint8Array.of(CapCode.MULTIPROTOCOL, 4, 0, familyAfi(f), 0, 1)));
    throw new BgpError(ErrCode.OPEN_MESSAGE, OpenSub.UNSUPPORTED_CAPABILITY, data, 'no common address family');
  }
  const configuredKeepalive = cfg.keepalive ?? Math.floor(cfg.holdTime / 3);
  const keepalive = holdTime === 0 ? 0 : Math.max(1, Math.min(configuredKeepalive, Math.floor(holdTime / 3)));
  const addPathRx = new Set<FamilyKey>();
  if (cfg.addPathReceive) {
    for (const f of families) {
      const mode = caps.addPath.get(f);
      if (mode !== undefined && (mode & 2) !== 0) addPathRx.add(f); // RFC 7911 §4: they send, we receive
    }
  }
  return {
    peerAs,
    peerId: open.bgpId,
    ebgp,
    holdTime,
    keepalive,
    families,
    as4: caps.as4 !== undefined,
    addPathRx,
    routeRefresh: caps.routeRefresh,
    enhancedRouteRefresh: cfg.enhancedRouteRefresh && caps.enhancedRouteRefresh,
    extendedMessage: cfg.extendedMessage && caps.extendedMessage,
    caps,
    open,
  };
}

function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}
