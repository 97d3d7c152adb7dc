// PodCIDR advertisements (reconcilerv2/pod_cidr.go): the node's CiliumNode spec.ipam.podCIDRs
// (kubernetes and cluster-pool IPAM), as they are, to every peer family selecting a PodCIDR advertisement.

import type { CiliumNode } from '../../../k8s/types.ts';
import { type OwnerRoutes, type PeerAdverts, buildOwnerRoutes, canonicalPrefix } from './adverts.ts';

export function nodePodCIDRs(node: CiliumNode | undefined): string[] {
  return (node?.spec?.ipam?.podCIDRs ?? []).map(canonicalPrefix).filter((p): p is string => p !== undefined);
}

export function podCIDRRoutes(peers: readonly PeerAdverts[], podCIDRs: readonly string[]): OwnerRoutes {
  return buildOwnerRoutes(
    peers,
    { kind: 'PodCIDR' },
    (a) => a.advert.advertisementType === 'PodCIDR',
    () => podCIDRs,
  );
}
