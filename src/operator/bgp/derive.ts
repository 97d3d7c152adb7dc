// Node-config derivation of the BGP control plane v2 (cilium operator/pkg/bgpv2): every
// CiliumBGPClusterConfig gives each CiliumNode its nodeSelector picks a CiliumBGPNodeConfig named
// after the node, merged with the node's CiliumBGPNodeConfigOverride. Pure: the controller feeds it
// the informers' contents and writes what it returns.

import { controllerOf, deepEqual } from '../../k8s/meta.ts';
import type { OwnerReference } from '../../k8s/object.ts';
import { labelSelectorMatches } from '../../k8s/selectors.ts';
import type {
  CiliumBGPClusterConfig,
  CiliumBGPNodeConfig,
  CiliumBGPNodeConfigOverride,
  CiliumBGPNodeInstance,
  CiliumBGPNodePeer,
  CiliumNode,
} from '../../k8s/types.ts';

export type NodeConfigSpec = CiliumBGPNodeConfig['spec'];

/** Router IDs handed out by the operator (`bgp-router-id-allocation-mode: ip-pool`); undefined in default mode. */
export interface RouterIDSource {
  routerID(node: string, instance: string): string | undefined;
}

export interface DeriveInput {
  clusterConfigs: readonly CiliumBGPClusterConfig[];
  nodes: readonly CiliumNode[];
  overrides: ReadonlyMap<string, CiliumBGPNodeConfigOverride>;
  /** Node configs as they are in the store, by node name. */
  nodeConfigs: ReadonlyMap<string, CiliumBGPNodeConfig>;
  /** Names of the CiliumBGPPeerConfigs that exist. */
  peerConfigs: ReadonlySet<string>;
  routerIDs?: RouterIDSource;
}

/** What one ClusterConfig wants and what its status conditions report. */
export interface ClusterConfigResult {
  name: string;
  /** Node name → the node config spec this cluster config owns there. */
  desired: Map<string, NodeConfigSpec>;
  /** Other cluster configs already owning a node this one selects (sorted, unique). */
  conflicting: string[];
  /** Referenced CiliumBGPPeerConfigs that do not exist (sorted, unique). */
  missingPeerConfigs: string[];
  /** The selector picked no node at all. */
  noMatchingNode: boolean;
}

export interface NodeConfigWrite {
  node: string;
  spec: NodeConfigSpec;
  owner: OwnerReference;
}

export interface DeriveResult {
  clusterConfigs: ClusterConfigResult[];
  create: NodeConfigWrite[];
  update: NodeConfigWrite[];
  /** Node configs to delete: owned by a cluster config that no longer selects the node. */
  delete: string[];
}

/** The ownerReference Cilium puts on node configs (operator/pkg/bgpv2: controller, no blockOwnerDeletion). */
export function clusterConfigOwner(cc: CiliumBGPClusterConfig): OwnerReference {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: cc.metadata.name!, uid: cc.metadata.uid!, controller: true };
}

/** Creation order decides conflicts among configs that both want a node nobody owns yet (first creator wins). */
function byCreation(a: CiliumBGPClusterConfig, b: CiliumBGPClusterConfig): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

function nodeInstance(cc: CiliumBGPClusterConfig['spec']['bgpInstances'][number], node: string, override: CiliumBGPNodeConfigOverride | undefined, ids: RouterIDSource | undefined): CiliumBGPNodeInstance {
  const out: CiliumBGPNodeInstance = { name: cc.name };
  if (cc.localASN !== undefined) out.localASN = cc.localASN;
  if (cc.localPort !== undefined) out.localPort = cc.localPort;
  const allocated = ids?.routerID(node, cc.name);
  if (allocated !== undefined) out.routerID = allocated;
  const ov = override?.spec.bgpInstances.find((i) => i.name === cc.name);
  // operator/pkg/bgpv2: the override replaces routerID, localPort and localASN of the instance
  if (ov?.routerID !== undefined) out.routerID = ov.routerID;
  if (ov?.localPort !== undefined) out.localPort = ov.localPort;
  if (ov?.localASN !== undefined) out.localASN = ov.localASN;
  const peers: CiliumBGPNodePeer[] = (cc.peers ?? []).map((p) => {
    const np: CiliumBGPNodePeer = { name: p.name };
    if (p.peerAddress !== undefined) np.peerAddress = p.peerAddress;
    if (p.peerASN !== undefined) np.peerASN = p.peerASN;
    if (p.autoDiscovery !== undefined) np.autoDiscovery = p.autoDiscovery;
    // only localAddress is taken from the override's peer; its localPort is accepted by the CRD but unused
    const lp = ov?.peers?.find((x) => x.name === p.name)?.localAddress;
    if (lp !== undefined) np.localAddress = lp;
    if (p.peerConfigRef !== undefined) np.peerConfigRef = { name: p.peerConfigRef.name };
    return np;
  });
  if (peers.length > 0) out.peers = peers;
  return out;
}

export function deriveNodeConfigs(input: DeriveInput): DeriveResult {
  const result: DeriveResult = { clusterConfigs: [], create: [], update: [], delete: [] };
  const uidToName = new Map(input.clusterConfigs.map((cc) => [cc.metadata.uid, cc.metadata.name!]));
  // who owns each node config once this pass is applied: existing owners first, then claims in creation order
  const owner = new Map<string, string>();
  for (const [node, nc] of input.nodeConfigs) {
    const ref = controllerOf(nc);
    const name = ref?.kind === 'CiliumBGPClusterConfig' ? uidToName.get(ref.uid) : undefined;
    if (name !== undefined) owner.set(node, name);
  }
  const nodes = [...input.nodes].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const selected = new Set<string>();
  for (const cc of [...input.clusterConfigs].sort(byCreation)) {
    const name = cc.metadata.name!;
    const r: ClusterConfigResult = { name, desired: new Map(), conflicting: [], missingPeerConfigs: [], noMatchingNode: true };
    const conflicting = new Set<string>();
    for (const n of nodes) {
      const node = n.metadata.name!;
      // nil nodeSelector selects every node
      if (!labelSelectorMatches(cc.spec.nodeSelector, n.metadata.labels, true)) continue;
      r.noMatchingNode = false;
      const cur = owner.get(node);
      if (cur !== undefined && cur !== name) {
        conflicting.add(cur);
        continue;
      }
      owner.set(node, name);
      selected.add(node);
      r.desired.set(node, { bgpInstances: cc.spec.bgpInstances.map((i) => nodeInstance(i, node, input.overrides.get(node), input.routerIDs)) });
    }
    const missing = new Set<string>();
    for (const i of cc.spec.bgpInstances) for (const p of i.peers ?? []) if (p.peerConfigRef && !input.peerConfigs.has(p.peerConfigRef.name)) missing.add(p.peerConfigRef.name);
    r.conflicting = [...conflicting].sort();
    r.missingPeerConfigs = [...missing].sort();
    result.clusterConfigs.push(r);
    const ref = clusterConfigOwner(cc);
    for (const [node, spec] of r.desired) {
      const cur = input.nodeConfigs.get(node);
      if (!cur) result.create.push({ node, spec, owner: ref });
      else if (!deepEqual(cur.spec, spec)) result.update.push({ node, spec, owner: ref });
    }
  }
  // a node config whose owner still exists but no longer selects the node goes (the drain flow);
  // one whose owner is gone is left to the garbage collector
  for (const [node, nc] of input.nodeConfigs) {
    if (selected.has(node)) continue;
    const ref = controllerOf(nc);
    if (ref?.kind === 'CiliumBGPClusterConfig' && uidToName.has(ref.uid)) result.delete.push(node);
  }
  result.delete.sort();
  return result;
}
