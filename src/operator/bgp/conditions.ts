// Status conditions the BGP operator writes on CiliumBGPClusterConfig and CiliumBGPPeerConfig
// (cilium pkg/k8s/apis/cilium.io/v2 bgp_cluster_types.go, bgp_peer_types.go; operator/pkg/bgpv2).

import type { Condition } from '../../k8s/object.ts';
import { setCondition } from '../../k8s/meta.ts';

export const CONFLICTING_CLUSTER_CONFIG = 'cilium.io/ConflictingClusterConfig';
export const MISSING_PEER_CONFIGS = 'cilium.io/MissingPeerConfigs';
export const NO_MATCHING_NODE = 'cilium.io/NoMatchingNode';
export const MISSING_AUTH_SECRET = 'cilium.io/MissingAuthSecret';
/** cilia's addition: a family whose advertisements selector picks no CiliumBGPAdvertisement advertises nothing. */
export const NO_MATCHING_ADVERTISEMENTS = 'cilium.io/NoMatchingAdvertisements';

export const CLUSTER_CONFIG_CONDITIONS = [CONFLICTING_CLUSTER_CONFIG, MISSING_PEER_CONFIGS, NO_MATCHING_NODE] as const;
export const PEER_CONFIG_CONDITIONS = [MISSING_AUTH_SECRET, NO_MATCHING_ADVERTISEMENTS] as const;

type Want = Omit<Condition, 'lastTransitionTime'>;

const status = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');

/** Go's %v of a string slice: `[a b]`. */
const goList = (xs: readonly string[]) => `[${xs.join(' ')}]`;

export function clusterConfigConditions(r: { conflicting: string[]; missingPeerConfigs: string[]; noMatchingNode: boolean }, generation: number | undefined): Want[] {
  return [
    {
      type: CONFLICTING_CLUSTER_CONFIG,
      status: status(r.conflicting.length > 0),
      reason: 'ConflictingClusterConfigs',
      message: r.conflicting.length > 0 ? `Selecting the same node(s) with ClusterConfig(s): ${goList(r.conflicting)}` : '',
      observedGeneration: generation,
    },
    {
      type: MISSING_PEER_CONFIGS,
      status: status(r.missingPeerConfigs.length > 0),
      reason: 'MissingPeerConfigs',
      message: r.missingPeerConfigs.length > 0 ? `Referenced CiliumBGPPeerConfig(s) are missing: ${goList(r.missingPeerConfigs)}` : '',
      observedGeneration: generation,
    },
    {
      // the message stays the same when the condition is False (cilium does not clear it)
      type: NO_MATCHING_NODE,
      status: status(r.noMatchingNode),
      reason: 'NoMatchingNode',
      message: 'No node matches spec.nodeSelector',
      observedGeneration: generation,
    },
  ];
}

export function peerConfigConditions(secretName: string | undefined, secretExists: boolean, unmatchedFamilies: readonly string[], generation: number | undefined): Want[] {
  const missing = secretName !== undefined && !secretExists;
  return [
    {
      type: NO_MATCHING_ADVERTISEMENTS,
      status: status(unmatchedFamilies.length > 0),
      reason: 'NoMatchingAdvertisements',
      message: unmatchedFamilies.length > 0 ? `Families whose advertisements selector matches no CiliumBGPAdvertisement: ${goList(unmatchedFamilies)}` : '',
      observedGeneration: generation,
    },
    {
      type: MISSING_AUTH_SECRET,
      status: status(missing),
      reason: 'MissingAuthSecret',
      message: missing ? `Referenced Auth Secret "${secretName}" is missing` : '',
      observedGeneration: generation,
    },
  ];
}

/** Applies `want` (or, with reporting off, removes `types`); conditions come out sorted by type. */
export function nextConditions(current: readonly Condition[] | undefined, want: readonly Want[] | undefined, types: readonly string[], now: string): Condition[] {
  let out: Condition[] = [...(current ?? [])];
  if (want) for (const c of want) out = setCondition(out, c, now);
  else out = out.filter((c) => !types.includes(c.type));
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
