// Numbers from the BGP-4 RFCs and the IANA BGP registries.

export const MARKER_LEN = 16;
export const HEADER_LEN = 19;
export const MAX_MESSAGE_LEN = 4096; // RFC 4271 §4.1
export const MAX_EXTENDED_MESSAGE_LEN = 65535; // RFC 8654 §2
export const BGP_PORT = 179;
export const AS_TRANS = 23456; // RFC 6793 §9

export const MsgType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
} as const;

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

export const AsPathSegment = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3, // RFC 5065
  AS_CONFED_SET: 4,
} as const;

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export const Safi = { UNICAST: 1 } as const;

export const CapCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  EXTENDED_NEXT_HOP: 5, // RFC 8950
  EXTENDED_MESSAGE: 6, // RFC 8654
  GRACEFUL_RESTART: 64, // RFC 4724
  FOUR_OCTET_AS: 65, // RFC 6793
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  LONG_LIVED_GR: 71,
  FQDN: 73, // draft-walton-bgp-hostname-capability
  SOFTWARE_VERSION: 75,
  ROUTE_REFRESH_OLD: 128, // pre-standard Cisco code point
} as const;

export const OptParam = { CAPABILITIES: 2, EXTENDED_LENGTH: 255 } as const; // RFC 5492, RFC 9072

export const ErrCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7, // RFC 7313
} as const;

export const HeaderSub = { CONNECTION_NOT_SYNCHRONIZED: 1, BAD_MESSAGE_LENGTH: 2, BAD_MESSAGE_TYPE: 3 } as const;

export const OpenSub = {
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7, // RFC 5492
  ROLE_MISMATCH: 11, // RFC 9234
} as const;

export const UpdateSub = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN: 2,
  MISSING_WELL_KNOWN: 3,
  ATTRIBUTE_FLAGS: 4,
  ATTRIBUTE_LENGTH: 5,
  INVALID_ORIGIN: 6,
  INVALID_NEXT_HOP: 8,
  OPTIONAL_ATTRIBUTE: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

export const FsmSub = {
  UNSPECIFIED: 0,
  UNEXPECTED_IN_OPENSENT: 1, // RFC 6608
  UNEXPECTED_IN_OPENCONFIRM: 2,
  UNEXPECTED_IN_ESTABLISHED: 3,
} as const;

export const CeaseSub = {
  MAX_PREFIXES: 1, // RFC 4486
  ADMIN_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMIN_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIG_CHANGE: 6,
  CONNECTION_COLLISION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9, // RFC 8538
  BFD_DOWN: 10,
} as const;

export const RouteRefreshSub = { INVALID_MESSAGE_LENGTH: 1 } as const; // RFC 7313 §5

export const RefreshSubtype = { NORMAL: 0, BORR: 1, EORR: 2 } as const; // RFC 7313 §3

export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NO_PEER: 0xffffff04,
} as const;

/** Family keys used everywhere above the codec. */
export type FamilyKey = 'ipv4-unicast' | 'ipv6-unicast';

export function familyKey(afi: number, safi: number): FamilyKey | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  if (afi === Afi.IPV4) return 'ipv4-unicast';
  if (afi === Afi.IPV6) return 'ipv6-unicast';
  return undefined;
}

export function familyAfi(f: FamilyKey): number {
  return f === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6;
}
