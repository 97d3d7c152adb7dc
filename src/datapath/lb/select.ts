// Service lookup and backend selection of the BPF datapath (bpf/lib/lb.h): lb4_lookup_service
// with the two-scope switch, random and Maglev selection, ClientIP session affinity.

import {
  AFFINITY_TIMEOUT_MASK,
  type BackendValue,
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_ALG_UNDEF,
  type LBMaps,
  PROTO_ANY,
  SCOPE_EXTERNAL,
  SCOPE_INTERNAL,
  SVC_FLAG_SESSION_AFFINITY,
  SVC_FLAG_TWO_SCOPES,
  type ServiceEntry,
} from '../maps/lb.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { hashFromTuple } from './hash.ts';

/** What the datapath needs besides the maps: get_prandom_u32() and the monotonic clock. */
export interface LBRuntime {
  maps: LBMaps;
  /** A uniformly distributed uint32 (the node's seeded Rng). */
  random(): number;
  /** Milliseconds of the node's Clock. */
  now(): number;
}

/**
 * lb4_lookup_service: the external-scope entry, then, for traffic from inside the cluster
 * (`scopeSwitch`) and a two-scope service, the internal-scope entry. Frontends written without
 * protocol differentiation (proto ANY) match any protocol.
 */
export function lookupService(maps: LBMaps, addr: AddrKey, port: number, proto: number, scopeSwitch: boolean): ServiceEntry | undefined {
  let svc = maps.lookupService(addr, port, proto, SCOPE_EXTERNAL);
  let keyProto = proto;
  if (!svc && proto !== PROTO_ANY) {
    svc = maps.lookupService(addr, port, PROTO_ANY, SCOPE_EXTERNAL);
    keyProto = PROTO_ANY;
  }
  if (!svc || !scopeSwitch || (svc.values[0]!.flags & SVC_FLAG_TWO_SCOPES) === 0) return svc;
  return maps.lookupService(addr, port, keyProto, SCOPE_INTERNAL);
}

export interface SelectInput {
  saddr: AddrKey;
  sport: number;
  dport: number;
  proto: number;
  /** Socket-LB (connect/sendmsg) selects randomly and keys affinity by netns cookie. */
  socket?: { netnsCookie: number };
}

export interface Selected {
  backendId: number;
  backend: BackendValue;
  revNat: number;
}

function affinityEnabled(rt: LBRuntime, svc: ServiceEntry): boolean {
  return rt.maps.config.sessionAffinity && (svc.values[0]!.flags & SVC_FLAG_SESSION_AFFINITY) !== 0;
}

/** lb4_affinity_backend_id: a live, unexpired affinity entry whose backend still serves the service. */
function affinityBackend(rt: LBRuntime, svc: ServiceEntry, clientId: AddrKey, netns: boolean): number {
  const master = svc.values[0]!;
  const e = rt.maps.lookupAffinity(clientId, netns, master.revNat);
  if (!e) return 0;
  const timeoutMs = (master.backendId & AFFINITY_TIMEOUT_MASK) * 1000;
  if (e.lastUsedMs + timeoutMs <= rt.now() || !rt.maps.affinityMatch.has(rt.maps.affinityMatchKey(e.backendId, master.revNat))) {
    rt.maps.deleteAffinity(clientId, netns, master.revNat);
    return 0;
  }
  return e.backendId;
}

/**
 * Picks the backend for a connection (lb4_local's selection step). `established` is the backend
 * ID a conntrack hit recorded: the connection keeps that backend while it exists, even when it
 * left the service's slots (terminating backends serve their existing connections). Undefined
 * when the service has no usable backend (count 0): the caller drops with DROP_NO_SERVICE or rejects.
 */
export function selectBackend(rt: LBRuntime, svc: ServiceEntry, input: SelectInput, established = 0): Selected | undefined {
  const maps = rt.maps;
  const master = svc.values[0]!;
  const kept = established !== 0 ? maps.lookupBackend(established) : undefined;
  if (kept) return { backendId: established, backend: kept, revNat: master.revNat };
  if (master.count === 0) return undefined;
  const affinity = affinityEnabled(rt, svc);
  const netns = input.socket !== undefined;
  const clientId: AddrKey = input.socket ? input.socket.netnsCookie : input.saddr;

  let id = affinity ? affinityBackend(rt, svc, clientId, netns) : 0;
  let backend = id !== 0 ? maps.lookupBackend(id) : undefined;
  if (!backend) {
    id = 0;
    const family = typeof svc.key.addr === 'number' ? 4 : 6;
    let alg = master.backendId >>> 24;
    if (alg === LB_ALG_UNDEF) alg = maps.config.algorithm === 'maglev' ? LB_ALG_MAGLEV : LB_ALG_RANDOM;
    // Socket-LB is always random; a frontend without a LUT (a ClusterIP) falls back to random.
    const lut = !input.socket && alg === LB_ALG_MAGLEV ? maps.maglevOf(family).get(master.revNat) : undefined;
    if (lut && lut.length > 0) {
      const seed = family === 4 ? maps.config.hashSeed4 : maps.config.hashSeed6;
      // With session affinity the source port is left out of the hash.
      const h = hashFromTuple(input.saddr, affinity ? 0 : input.sport, input.dport, input.proto, seed);
      id = lut[h % lut.length]!;
    } else {
      const slot = (rt.random() % master.count) + 1;
      id = svc.values[slot]?.backendId ?? 0;
    }
    backend = id !== 0 ? maps.lookupBackend(id) : undefined;
    if (!backend) return undefined;
  }
  if (affinity) maps.updateAffinity({ clientId, netnsCookie: netns, revNat: master.revNat, backendId: id, lastUsedMs: rt.now() });
  return { backendId: id, backend, revNat: master.revNat };
}
