// Shapes of the conntrack and NAT entries that load-balanced flows create (cilium
// pkg/maps/ctmap CtKey4Global/CtEntry and pkg/maps/nat NatKey4/NatEntry4). The CT and NAT maps
// themselves belong to the emulated network; src/datapath/lb decides which of these entries a
// flow needs, and the views print them in `cilium-dbg bpf ct list global` / `bpf nat list` layout.

import type { AddrKey } from '../../netaddr/lpm.ts';

// cilium tuple flags: TUPLE_F_OUT 0, TUPLE_F_IN 1, TUPLE_F_RELATED 2, TUPLE_F_SERVICE 4.
export type CtDirection = 'OUT' | 'IN' | 'SVC';

/** A tuple as the list commands print it: `<src>:<sport> -> <dst>:<dport>`. */
export interface LBTuple {
  proto: number;
  src: AddrKey;
  sport: number;
  dst: AddrKey;
  dport: number;
}

// cilium ctmap CtEntry flags.
export const CT_RX_CLOSING = 1 << 0;
export const CT_TX_CLOSING = 1 << 1;
export const CT_NAT64 = 1 << 2;
export const CT_LB_LOOPBACK = 1 << 3;
export const CT_SEEN_NON_SYN = 1 << 4;
export const CT_NODE_PORT = 1 << 5;
export const CT_PROXY_REDIRECT = 1 << 6;
export const CT_DSR_INTERNAL = 1 << 7;
export const CT_FROM_L7LB = 1 << 8;
export const CT_FROM_TUNNEL = 1 << 10;

export const CT_FLAG_NAMES: readonly [number, string][] = [
  [CT_RX_CLOSING, 'RxClosing'],
  [CT_TX_CLOSING, 'TxClosing'],
  [CT_NAT64, 'Nat64'],
  [CT_LB_LOOPBACK, 'LBLoopback'],
  [CT_SEEN_NON_SYN, 'SeenNonSyn'],
  [CT_NODE_PORT, 'NodePort'],
  [CT_PROXY_REDIRECT, 'ProxyRedirect'],
  [CT_DSR_INTERNAL, 'DSRInternal'],
  [CT_FROM_L7LB, 'FromL7LB'],
  [CT_FROM_TUNNEL, 'FromTunnel'],
];

export interface LBCtEntry {
  dir: CtDirection;
  tuple: LBTuple;
  /** Expiry in seconds of the node's monotonic clock (bpf_mono_now). */
  expires: number;
  packets: number;
  bytes: number;
  rxFlagsSeen: number;
  txFlagsSeen: number;
  lastRxReport: number;
  lastTxReport: number;
  flags: number;
  revNat: number;
  sourceSecurityId: number;
  backendId: number;
  natPort: number;
}

/** A NAT mapping: OUT entries rewrite the source (XLATE_SRC), IN entries the destination (XLATE_DST). */
export interface LBNatEntry {
  dir: 'OUT' | 'IN';
  tuple: LBTuple;
  addr: AddrKey;
  port: number;
  /** Creation time in seconds of the node's monotonic clock. */
  created: number;
  needsCT: boolean;
}

// cilium defaults (bpf-ct-timeout-*), seconds.
export const CT_TIMEOUT_TCP_SYN = 60;
export const CT_TIMEOUT_TCP_ESTABLISHED = 21600;
export const CT_TIMEOUT_TCP_CLOSE = 10;
export const CT_TIMEOUT_ANY = 60;
export const CT_TIMEOUT_SERVICE_ANY = 60;
