// The conntrack and NAT state a load-balanced connection leaves behind (cilium lb4_local →
// ct_create4, nodeport SNAT → snat_v4_new_mapping, DSR → snat_v4_create_dsr), for the emulated
// network's CT/NAT maps to store and `bpf ct list` / `bpf nat list` to print.

import type { AddrKey } from '../../netaddr/lpm.ts';
import { PROTO_TCP } from '../maps/lb.ts';
import {
  CT_DSR_INTERNAL,
  CT_NODE_PORT,
  CT_TIMEOUT_ANY,
  CT_TIMEOUT_SERVICE_ANY,
  CT_TIMEOUT_TCP_SYN,
  type LBCtEntry,
  type LBNatEntry,
  type LBTuple,
} from '../maps/lbct.ts';

export interface LbFlow {
  proto: number;
  client: AddrKey;
  clientPort: number;
  frontend: AddrKey;
  frontendPort: number;
  backend: AddrKey;
  backendPort: number;
  revNat: number;
  backendId: number;
  /** Arrived from outside the node (NodePort path). */
  nodePort: boolean;
  /** Seconds of the node's monotonic clock. */
  nowSec: number;
}

function ctEntry(dir: LBCtEntry['dir'], tuple: LBTuple, expires: number, fields: Partial<LBCtEntry>): LBCtEntry {
  return {
    dir,
    tuple,
    expires,
    packets: 0,
    bytes: 0,
    rxFlagsSeen: 0,
    txFlagsSeen: 0,
    lastRxReport: 0,
    lastTxReport: 0,
    flags: 0,
    revNat: 0,
    sourceSecurityId: 0,
    backendId: 0,
    natPort: 0,
    ...fields,
  };
}

/**
 * A new service connection: the service entry (which backend the frontend tuple chose) and the
 * connection entry towards the backend, carrying the rev-NAT index replies are translated with.
 * A new TCP connection starts with the SYN timeout; the CT owner extends it when established.
 */
export function newServiceFlowEntries(f: LbFlow): LBCtEntry[] {
  const tcp = f.proto === PROTO_TCP;
  const svc = ctEntry(
    'SVC',
    { proto: f.proto, src: f.client, sport: f.clientPort, dst: f.frontend, dport: f.frontendPort },
    f.nowSec + (tcp ? CT_TIMEOUT_TCP_SYN : CT_TIMEOUT_SERVICE_ANY),
    { revNat: f.revNat, backendId: f.backendId },
  );
  const out = ctEntry(
    'OUT',
    { proto: f.proto, src: f.client, sport: f.clientPort, dst: f.backend, dport: f.backendPort },
    f.nowSec + (tcp ? CT_TIMEOUT_TCP_SYN : CT_TIMEOUT_ANY),
    { revNat: f.revNat, backendId: f.backendId, flags: f.nodePort ? CT_NODE_PORT : 0 },
  );
  return [svc, out];
}

/**
 * SNAT mode on the node that received the request: the request leaves with source
 * `nodeIP:natPort` (OUT, XLATE_SRC) and the backend's reply to it is mapped back to the client
 * (IN, XLATE_DST).
 */
export function snatEntries(f: LbFlow, nodeIP: AddrKey, natPort: number): LBNatEntry[] {
  return [
    {
      dir: 'OUT',
      tuple: { proto: f.proto, src: f.client, sport: f.clientPort, dst: f.backend, dport: f.backendPort },
      addr: nodeIP,
      port: natPort,
      created: f.nowSec,
      needsCT: true,
    },
    {
      dir: 'IN',
      tuple: { proto: f.proto, src: f.backend, sport: f.backendPort, dst: nodeIP, dport: natPort },
      addr: f.client,
      port: f.clientPort,
      created: f.nowSec,
      needsCT: true,
    },
  ];
}

/**
 * DSR on the backend's node: the connection is tracked there (DSRInternal) and the backend's
 * replies leave with the frontend address as source, straight to the client.
 */
export function dsrBackendEntries(f: LbFlow): { ct: LBCtEntry; nat: LBNatEntry } {
  const tcp = f.proto === PROTO_TCP;
  return {
    ct: ctEntry(
      'IN',
      { proto: f.proto, src: f.client, sport: f.clientPort, dst: f.backend, dport: f.backendPort },
      f.nowSec + (tcp ? CT_TIMEOUT_TCP_SYN : CT_TIMEOUT_ANY),
      { flags: CT_DSR_INTERNAL },
    ),
    nat: {
      dir: 'OUT',
      tuple: { proto: f.proto, src: f.backend, sport: f.backendPort, dst: f.client, dport: f.clientPort },
      addr: f.frontend,
      port: f.frontendPort,
      created: f.nowSec,
      needsCT: false,
    },
  };
}

// cilium nodeport.h: NodePort SNAT uses ports above the NodePort range.
export const NODEPORT_NAT_PORT_MIN = 32768;
export const NODEPORT_NAT_PORT_MAX = 65535;
/** cilium SNAT_COLLISION_RETRIES. */
export const SNAT_COLLISION_RETRIES = 128;

/**
 * snat_v4_new_mapping's port choice: keep the client's port when it is in range and free,
 * otherwise start at a random port and probe upwards. Undefined when every try collides.
 */
export function chooseSnatPort(original: number, isFree: (port: number) => boolean, random: () => number): number | undefined {
  const span = NODEPORT_NAT_PORT_MAX - NODEPORT_NAT_PORT_MIN + 1;
  let port = original >= NODEPORT_NAT_PORT_MIN && original <= NODEPORT_NAT_PORT_MAX ? original : NODEPORT_NAT_PORT_MIN + (random() % span);
  for (let i = 0; i <= SNAT_COLLISION_RETRIES; i++) {
    if (isFree(port)) return port;
    port = NODEPORT_NAT_PORT_MIN + ((port - NODEPORT_NAT_PORT_MIN + 1) % span);
  }
  return undefined;
}
