// The load-balancing decisions of the BPF datapath, for the emulated network's hooks. Everything
// here is a pure function of the node's LB maps (src/datapath/maps/lb.ts), a seeded random source
// and the node's clock; the hook applies the result to the packet or socket.
//
// What each hook calls:
// - socket connect()/sendmsg() of a pod or host process (cgroup/connect4,6, sendmsg4,6):
//   sockConnect / sockSendmsg → translate the destination, pass, or fail connect() with
//   EHOSTUNREACH; getpeername()/recvmsg(): sockReverse; socket close: sockRelease.
// - packet from a pod (lxc ingress) on a CT miss, when socket-LB did not translate: podServiceLB
//   → DNAT (keep the CT entry's revNat for replies; loopback: source SERVICE_LOOPBACK_IPV4).
// - packet from outside at a node device (bpf_host from-netdev) on a CT miss: nodePortIngress
//   → pass | drop (+ICMP reply) | dnat (local backend) | snat (then allocate the NAT port with
//   chooseSnatPort and store snatEntries) | dsr (geneve/ipip encap to nodeIP with the option, or
//   the IPv4/IPv6 option on the SYN for opt dispatch).
// - on a CT hit: the CT entry's backend ID via maps.lookupBackend (gone → select again).
// - Geneve or IP-option DSR packet arriving at the backend's node: decodeGeneveDsrOption /
//   decodeIPv4DsrOption / decodeIPv6DsrDestOpt, then store dsrBackendEntries so the backend's
//   replies leave with the service address as source, straight to the client.
// - replies of DNATed connections: reverseNat(revNat from the CT entry) gives the source to restore.
// New flows' conntrack entries: newServiceFlowEntries (shapes in ../maps/lbct.ts, timeouts there).

export { DROP_IS_CLUSTER_IP, DROP_NO_SERVICE, DROP_NO_TUNNEL_ENDPOINT, DROP_NOT_IN_SRC_RANGE, dropReasonText } from './drop.ts';
export * from './dsr.ts';
export { chooseSnatPort, dsrBackendEntries, type LbFlow, newServiceFlowEntries, snatEntries } from './flow.ts';
export { hashFromTuple } from './hash.ts';
export { type BackendLocator, type FlowKey, type LBDecision, nodePortIngress, podServiceLB, reverseNat, SERVICE_LOOPBACK_IPV4, sourceRangeOk } from './nodeport.ts';
export { type LBRuntime, lookupService, type Selected, selectBackend } from './select.ts';
export { type SockAddr, type SockDecision, sockConnect, sockRelease, sockReverse, sockSendmsg } from './socket.ts';
