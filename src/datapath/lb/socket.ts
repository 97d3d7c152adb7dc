// Socket-level load balancing (bpf/bpf_sock.c): connect() and UDP sendmsg() to a service are
// rewritten to the backend before any packet exists, so pod → ClusterIP never shows the
// ClusterIP on the wire; the cilium_lb{4,6}_reverse_sk map lets getpeername()/recvmsg() show the
// service address again.

import type { AddrKey } from '../../netaddr/lpm.ts';
import { SVC_FLAG_HOSTPORT, SVC_FLAG_EXTERNAL_IPS, type ServiceEntry } from '../maps/lb.ts';
import { type LBRuntime, lookupService, selectBackend } from './select.ts';

export interface SockAddr {
  /** The socket cookie (stable per socket). */
  cookie: number;
  /** The network namespace cookie, the affinity key of socket-LB. */
  netnsCookie: number;
  /** The socket belongs to the host network namespace. */
  inHostNs: boolean;
  daddr: AddrKey;
  dport: number;
  proto: number;
  /** The destination is one of this node's own addresses (ipcache identity host, or loopback). */
  dstIsLocal: boolean;
}

export type SockDecision =
  | { kind: 'pass' }
  | { kind: 'translate'; addr: AddrKey; port: number; backendId: number; revNat: number }
  /** connect() fails with this errno (cilium returns -EHOSTUNREACH for a service without backends). */
  | { kind: 'reject'; errno: 'EHOSTUNREACH' };

function isLoopback(a: AddrKey): boolean {
  return typeof a === 'number' ? a >>> 24 === 127 : a === 1n;
}

/** sock4_skip_xlate: external IPs and HostPorts are translated here only when they are local addresses. */
function skipXlate(svc: ServiceEntry, s: SockAddr): boolean {
  const flags = svc.values[0]!.flags;
  if ((flags & SVC_FLAG_EXTERNAL_IPS) !== 0 || ((flags & SVC_FLAG_HOSTPORT) !== 0 && !isLoopback(s.daddr))) return !s.dstIsLocal;
  return false;
}

function findService(rt: LBRuntime, s: SockAddr): ServiceEntry | undefined {
  const svc = lookupService(rt.maps, s.daddr, s.dport, s.proto, true);
  if (svc) return svc;
  // sock4_wildcard_lookup: a NodePort on any local address (127.0.0.1, a node IP) via its 0.0.0.0 entry.
  const c = rt.maps.config;
  if (!s.dstIsLocal || s.dport < c.nodePortMin || s.dport > c.nodePortMax) return undefined;
  return lookupService(rt.maps, typeof s.daddr === 'number' ? 0 : 0n, s.dport, s.proto, true);
}

function translate(rt: LBRuntime, s: SockAddr, rejectEmpty: boolean): SockDecision {
  const c = rt.maps.config;
  if (!c.socketLB || (c.socketLBHostnsOnly && !s.inHostNs)) return { kind: 'pass' };
  const svc = findService(rt, s);
  if (!svc || skipXlate(svc, s)) return { kind: 'pass' };
  const sel = selectBackend(rt, svc, { saddr: 0, sport: 0, dport: s.dport, proto: s.proto, socket: { netnsCookie: s.netnsCookie } });
  if (!sel) return rejectEmpty ? { kind: 'reject', errno: 'EHOSTUNREACH' } : { kind: 'pass' };
  rt.maps.updateSockRevNat({
    cookie: s.cookie,
    backendAddr: sel.backend.addr,
    backendPort: sel.backend.port,
    frontendAddr: s.daddr,
    frontendPort: s.dport,
    revNat: sel.revNat,
  });
  return { kind: 'translate', addr: sel.backend.addr, port: sel.backend.port, backendId: sel.backendId, revNat: sel.revNat };
}

/** cgroup/connect4,6. */
export function sockConnect(rt: LBRuntime, s: SockAddr): SockDecision {
  return translate(rt, s, true);
}

/** cgroup/sendmsg4,6 (UDP without connect): translates, never fails the call. */
export function sockSendmsg(rt: LBRuntime, s: SockAddr): SockDecision {
  return translate(rt, s, false);
}

/**
 * cgroup/recvmsg4,6 and getpeername: the service address to show instead of the backend's, when
 * the entry exists and its service still has that rev-NAT index (stale entries are removed).
 */
export function sockReverse(rt: LBRuntime, cookie: number, proto: number, backendAddr: AddrKey, backendPort: number): { addr: AddrKey; port: number } | undefined {
  const e = rt.maps.lookupSockRevNat(cookie, backendAddr, backendPort);
  if (!e) return undefined;
  const svc = lookupService(rt.maps, e.frontendAddr, e.frontendPort, proto, true);
  if (!svc || svc.values[0]!.revNat !== e.revNat) {
    rt.maps.deleteSockRevNat(cookie, backendAddr, backendPort);
    return undefined;
  }
  return { addr: e.frontendAddr, port: e.frontendPort };
}

/** cgroup/sock_release: the socket is gone, so are its reverse entries. */
export function sockRelease(rt: LBRuntime, cookie: number): void {
  for (const fam of [4, 6] as const) {
    for (const e of [...rt.maps.sockRevNatOf(fam).values()]) if (e.cookie === cookie) rt.maps.deleteSockRevNat(cookie, e.backendAddr, e.backendPort);
  }
}
