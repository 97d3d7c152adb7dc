// The drop reasons load balancing produces (cilium bpf/lib/common.h, pkg/monitor/api/drop.go).

export const DROP_NO_SERVICE = 158;
export const DROP_IS_CLUSTER_IP = 174;
export const DROP_NOT_IN_SRC_RANGE = 177;
export const DROP_NO_TUNNEL_ENDPOINT = 160;

const TEXT: Record<number, string> = {
  [DROP_NO_SERVICE]: 'Service backend not found',
  [DROP_IS_CLUSTER_IP]: 'Is a ClusterIP',
  [DROP_NOT_IN_SRC_RANGE]: 'Denied by LB src range check',
  [DROP_NO_TUNNEL_ENDPOINT]: 'No tunnel/encapsulation endpoint (datapath BUG!)',
};

/** The text hubble and `cilium-dbg monitor` print for a drop reason. */
export function dropReasonText(reason: number): string {
  return TEXT[reason] ?? String(reason);
}

// ICMP the no-backend path answers with (service-no-backend-response=reject): port unreachable.
export const ICMP_DEST_UNREACH = 3;
export const ICMP_PORT_UNREACH = 3;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PORT_UNREACH = 4;
