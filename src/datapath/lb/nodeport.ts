// Per-packet load balancing of new connections (a conntrack miss): packets that arrive at a
// node's device from outside (bpf_host nodeport_lb4/6) and packets a pod sends to a service the
// socket layer did not translate (bpf_lxc lb4_local). The emulated network applies the decision.

import type { AddrKey } from '../../netaddr/lpm.ts';
import {
  type BackendValue,
  PROTO_TCP,
  SVC_FLAG_FWD_MODE_DSR,
  SVC_FLAG_ROUTABLE,
  SVC_FLAG_SOURCE_RANGE,
  SVC_FLAG_SOURCE_RANGE_DENY,
  type ServiceEntry,
  type SourceRange,
} from '../maps/lb.ts';
import {
  DROP_IS_CLUSTER_IP,
  DROP_NO_SERVICE,
  DROP_NO_TUNNEL_ENDPOINT,
  DROP_NOT_IN_SRC_RANGE,
  ICMP_DEST_UNREACH,
  ICMP_PORT_UNREACH,
  ICMPV6_DEST_UNREACH,
  ICMPV6_PORT_UNREACH,
} from './drop.ts';
import { type DsrService, encodeGeneveDsrOption, encodeIPv4DsrOption, encodeIPv6DsrDestOpt } from './dsr.ts';
import { type LBRuntime, lookupService, selectBackend } from './select.ts';

export interface FlowKey {
  saddr: AddrKey;
  daddr: AddrKey;
  sport: number;
  dport: number;
  proto: number;
}

/** What the datapath knows about where a backend lives (the endpoint map and the ipcache). */
export interface BackendLocator {
  /** The backend is an endpoint on this node. */
  isLocal(addr: AddrKey): boolean;
  /** The node a remote backend lives on (ipcache tunnel endpoint, or its node's address). */
  nodeOf(addr: AddrKey): AddrKey | undefined;
}

interface Chosen {
  backend: BackendValue;
  backendId: number;
  revNat: number;
  /** The frontend the client addressed, for reverse NAT of replies. */
  service: DsrService;
}

export type LBDecision =
  /** Not a service address: continue as normal traffic. */
  | { kind: 'pass' }
  /** Dropped with a Cilium drop reason; with `icmp`, an ICMP error goes back to the sender. */
  | { kind: 'drop'; reason: number; icmp?: { type: number; code: number } }
  /** DNAT to a backend on this node (or, from a pod, anywhere); the client address stays. */
  | ({ kind: 'dnat'; loopback: boolean } & Chosen)
  /** SNAT mode to a remote backend: DNAT, then source = this node's address (the backend's reply comes back here). */
  | ({ kind: 'snat'; nodeIP: AddrKey } & Chosen)
  /**
   * DSR to a remote backend: the client address stays and the backend replies directly from the
   * frontend address. geneve: encapsulate to `nodeIP` with `option` in the Geneve header; opt:
   * route natively with `option` as IPv4 option / IPv6 destination option (TCP: SYN only); ipip:
   * encapsulate in IPIP to `nodeIP`.
   */
  | ({ kind: 'dsr'; dispatch: 'geneve' | 'opt' | 'ipip'; nodeIP: AddrKey; option?: Uint8Array; optionOnSynOnly: boolean } & Chosen);

function inRanges(ranges: readonly SourceRange[] | undefined, a: AddrKey): boolean {
  if (!ranges) return false;
  for (const r of ranges) {
    if (typeof r.addr !== typeof a) continue;
    if (typeof a === 'number') {
      const mask = r.prefixLen === 0 ? 0 : (0xffffffff << (32 - r.prefixLen)) >>> 0;
      if (((a & mask) >>> 0) === r.addr) return true;
    } else {
      const shift = BigInt(128 - r.prefixLen);
      if ((a >> shift) << shift === r.addr) return true;
    }
  }
  return false;
}

/** lb4_src_range_ok: allow-list by default, deny-list with service.cilium.io/src-ranges-policy=deny. */
export function sourceRangeOk(rt: LBRuntime, svc: ServiceEntry, saddr: AddrKey): boolean {
  const flags = svc.values[0]!.flags;
  if ((flags & SVC_FLAG_SOURCE_RANGE) === 0) return true;
  const hit = inRanges(rt.maps.sourceRangesOf(typeof saddr === 'number' ? 4 : 6).get(svc.values[0]!.revNat), saddr);
  return (flags & SVC_FLAG_SOURCE_RANGE_DENY) !== 0 ? !hit : hit;
}

function noBackend(rt: LBRuntime, family: 4 | 6): LBDecision {
  // service-no-backend-response=reject answers ICMP port unreachable (connection refused).
  if (rt.maps.config.noBackendResponse === 'drop') return { kind: 'drop', reason: DROP_NO_SERVICE };
  return {
    kind: 'drop',
    reason: DROP_NO_SERVICE,
    icmp: family === 4 ? { type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH } : { type: ICMPV6_DEST_UNREACH, code: ICMPV6_PORT_UNREACH },
  };
}

/**
 * A packet arriving from outside the node at `pkt.daddr:dport` (a NodePort on a node address, a
 * LoadBalancer IP, an external IP, or a ClusterIP with bpf-lb-external-clusterip). `nodeIP` is
 * this node's address towards the backend's node, used as the SNAT source (a function of the
 * backend's address when it depends on the path); `established` the backend ID of the
 * connection's conntrack entry, 0 for a new connection.
 */
export function nodePortIngress(
  rt: LBRuntime,
  pkt: FlowKey,
  where: BackendLocator,
  nodeIP: AddrKey | ((backend: AddrKey) => AddrKey),
  established = 0,
): LBDecision {
  const svc = lookupService(rt.maps, pkt.daddr, pkt.dport, pkt.proto, false);
  if (!svc) return { kind: 'pass' };
  const master = svc.values[0]!;
  const family = typeof pkt.daddr === 'number' ? 4 : 6;
  if ((master.flags & SVC_FLAG_ROUTABLE) === 0) return { kind: 'drop', reason: DROP_IS_CLUSTER_IP };
  if (!sourceRangeOk(rt, svc, pkt.saddr)) return { kind: 'drop', reason: DROP_NOT_IN_SRC_RANGE };
  const sel = selectBackend(rt, svc, pkt, established);
  if (!sel) return noBackend(rt, family);
  const chosen: Chosen = { ...sel, service: { addr: pkt.daddr, port: pkt.dport } };
  if (where.isLocal(sel.backend.addr)) return { kind: 'dnat', loopback: false, ...chosen };
  const remoteNode = where.nodeOf(sel.backend.addr);
  if ((master.flags & SVC_FLAG_FWD_MODE_DSR) === 0) return { kind: 'snat', nodeIP: typeof nodeIP === 'function' ? nodeIP(sel.backend.addr) : nodeIP, ...chosen };
  const dispatch = rt.maps.config.dsrDispatch;
  if (dispatch === 'opt') {
    const option =
      typeof pkt.daddr === 'number'
        ? encodeIPv4DsrOption({ addr: pkt.daddr, port: pkt.dport })
        : encodeIPv6DsrDestOpt({ addr: pkt.daddr as bigint, port: pkt.dport }, pkt.proto);
    return { kind: 'dsr', dispatch, nodeIP: remoteNode ?? sel.backend.addr, option, optionOnSynOnly: pkt.proto === PROTO_TCP, ...chosen };
  }
  if (remoteNode === undefined) return { kind: 'drop', reason: DROP_NO_TUNNEL_ENDPOINT };
  if (dispatch === 'ipip') return { kind: 'dsr', dispatch, nodeIP: remoteNode, optionOnSynOnly: false, ...chosen };
  return { kind: 'dsr', dispatch, nodeIP: remoteNode, option: encodeGeneveDsrOption({ addr: pkt.daddr, port: pkt.dport }), optionOnSynOnly: false, ...chosen };
}

/**
 * A packet from a pod (or the host) to a service that socket-LB left alone (bpf_lxc lb4_local):
 * DNAT to the selected backend wherever it is (`established`: the conntrack entry's backend ID,
 * 0 for a new connection). A pod reaching itself through the service is a loopback: its source
 * must become the service loopback address.
 */
export function podServiceLB(rt: LBRuntime, pkt: FlowKey, established = 0): LBDecision {
  const svc = lookupService(rt.maps, pkt.daddr, pkt.dport, pkt.proto, true);
  if (!svc) return { kind: 'pass' };
  const sel = selectBackend(rt, svc, pkt, established);
  if (!sel) return noBackend(rt, typeof pkt.daddr === 'number' ? 4 : 6);
  return { kind: 'dnat', loopback: sel.backend.addr === pkt.saddr, ...sel, service: { addr: pkt.daddr, port: pkt.dport } };
}

/** IPV4_LOOPBACK of node_config.h: the source a pod sees when it reached itself through a service. */
export const SERVICE_LOOPBACK_IPV4 = 0xa9fe2a01; // 169.254.42.1

/** Reverse NAT of a reply by the rev-NAT index kept in the connection's CT entry. */
export function reverseNat(rt: LBRuntime, family: 4 | 6, revNat: number): DsrService | undefined {
  const v = rt.maps.lookupRevNat(family, revNat);
  return v ? { addr: v.addr, port: v.port } : undefined;
}
