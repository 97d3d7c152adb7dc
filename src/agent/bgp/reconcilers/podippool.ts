// CiliumPodIPPool advertisements (reconcilerv2/pod_ip_pool.go, multi-pool IPAM): the CIDRs this
// node was allocated from each pool an advertisement's selector picks (pool labels plus
// `io.cilium.podippool.name`), exported with the pool's mask size as the exact prefix length.

import type { CiliumNode } from '../../../k8s/types.ts';
import { type OwnerRoutes, type PeerAdverts, buildOwnerRoutes, canonicalPrefix } from './adverts.ts';

export interface PodIPPoolInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** spec.ipv4.maskSize / spec.ipv6.maskSize; allocated CIDRs of another length are not advertised. */
  maskSizeV4?: number;
  maskSizeV6?: number;
}

/** The pools this node has CIDRs from (CiliumNode spec.ipam.pools.allocated), by pool name. */
export function nodePoolCIDRs(node: CiliumNode | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of node?.spec?.ipam?.pools?.allocated ?? []) {
    const list = a.cidrs.map(canonicalPrefix).filter((p): p is string => p !== undefined);
    out.set(a.pool, [...(out.get(a.pool) ?? []), ...list]);
  }
  return out;
}

export function podIPPoolRoutes(peers: readonly PeerAdverts[], pool: PodIPPoolInfo, cidrs: readonly string[]): OwnerRoutes {
  const labels = { ...pool.labels, 'io.cilium.podippool.name': pool.name };
  const matching = cidrs.filter((c) => {
    const len = Number(c.slice(c.indexOf('/') + 1));
    const mask = c.includes(':') ? pool.maskSizeV6 : pool.maskSizeV4;
    return mask === undefined || mask === len;
  });
  return buildOwnerRoutes(
    peers,
    { kind: 'CiliumPodIPPool', pool: pool.name },
    // a nil selector selects no pool
    (a) => a.advert.advertisementType === 'CiliumPodIPPool' && a.selects(labels),
    () => matching,
  );
}
