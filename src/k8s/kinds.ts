// The resource types cilia serves, with the names kubectl resolves (plural, singular, short
// names, categories), scope, served versions and whether status is a subresource.

import type { GroupKind } from './object.ts';

export interface ResourceType {
  group: string;
  kind: string;
  /** Versions served, preferred (storage) first. */
  versions: string[];
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** status is a subresource: update() ignores it, updateStatus() writes only it. */
  statusSubresource: boolean;
  /**
   * Whether the apiserver keeps metadata.generation (1 on create, +1 per spec change): workloads,
   * Ingress, EndpointSlice and every custom resource; not Service, Pod, Node, ConfigMap, Lease...
   */
  generation: boolean;
  categories: string[];
}

function rt(
  group: string,
  versions: string[],
  kind: string,
  plural: string,
  opts: { short?: string[]; namespaced?: boolean; status?: boolean; generation?: boolean; categories?: string[] } = {},
): ResourceType {
  return {
    group,
    kind,
    versions,
    plural,
    singular: kind.toLowerCase(),
    shortNames: opts.short ?? [],
    namespaced: opts.namespaced ?? false,
    statusSubresource: opts.status ?? false,
    generation: opts.generation ?? group === 'cilium.io',
    categories: opts.categories ?? [],
  };
}

const CILIUM_V2 = ['v2', 'v2alpha1'];
const cilium = ['cilium'];
const ciliumBgp = ['cilium', 'ciliumbgp'];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  rt('', ['v1'], 'Namespace', 'namespaces', { short: ['ns'], status: true }),
  rt('', ['v1'], 'Node', 'nodes', { short: ['no'], status: true }),
  rt('', ['v1'], 'Pod', 'pods', { short: ['po'], namespaced: true, status: true, categories: ['all'] }),
  rt('', ['v1'], 'Service', 'services', { short: ['svc'], namespaced: true, status: true, categories: ['all'] }),
  rt('', ['v1'], 'Endpoints', 'endpoints', { short: ['ep'], namespaced: true }),
  rt('', ['v1'], 'Secret', 'secrets', { namespaced: true }),
  rt('', ['v1'], 'ConfigMap', 'configmaps', { short: ['cm'], namespaced: true }),
  rt('apps', ['v1'], 'Deployment', 'deployments', { generation: true, short: ['deploy'], namespaced: true, status: true, categories: ['all'] }),
  rt('apps', ['v1'], 'ReplicaSet', 'replicasets', { generation: true, short: ['rs'], namespaced: true, status: true, categories: ['all'] }),
  rt('apps', ['v1'], 'DaemonSet', 'daemonsets', { generation: true, short: ['ds'], namespaced: true, status: true, categories: ['all'] }),
  rt('discovery.k8s.io', ['v1'], 'EndpointSlice', 'endpointslices', { generation: true, namespaced: true }),
  rt('coordination.k8s.io', ['v1'], 'Lease', 'leases', { namespaced: true }),
  rt('networking.k8s.io', ['v1'], 'Ingress', 'ingresses', { generation: true, short: ['ing'], namespaced: true, status: true }),
  rt('networking.k8s.io', ['v1'], 'IngressClass', 'ingressclasses', { generation: true }),
  rt('cilium.io', CILIUM_V2, 'CiliumLoadBalancerIPPool', 'ciliumloadbalancerippools', {
    short: ['ippools', 'ippool', 'lbippool', 'lbippools'],
    status: true,
    categories: cilium,
  }),
  rt('cilium.io', CILIUM_V2, 'CiliumBGPClusterConfig', 'ciliumbgpclusterconfigs', {
    short: ['cbgpcluster'],
    status: true,
    categories: ciliumBgp,
  }),
  rt('cilium.io', CILIUM_V2, 'CiliumBGPPeerConfig', 'ciliumbgppeerconfigs', { short: ['cbgppeer'], status: true, categories: ciliumBgp }),
  rt('cilium.io', CILIUM_V2, 'CiliumBGPAdvertisement', 'ciliumbgpadvertisements', { short: ['cbgpadvert'], categories: ciliumBgp }),
  rt('cilium.io', CILIUM_V2, 'CiliumBGPNodeConfig', 'ciliumbgpnodeconfigs', {
    short: ['cbgpnode', 'bgpnodeconfig', 'bgpnodeconfigs'],
    status: true,
    categories: ciliumBgp,
  }),
  rt('cilium.io', CILIUM_V2, 'CiliumBGPNodeConfigOverride', 'ciliumbgpnodeconfigoverrides', {
    short: ['cbgpnodeoverride'],
    categories: ciliumBgp,
  }),
  rt('cilium.io', ['v2alpha1'], 'CiliumL2AnnouncementPolicy', 'ciliuml2announcementpolicies', {
    short: ['l2announcement'],
    status: true,
    categories: cilium,
  }),
  rt('cilium.io', ['v2'], 'CiliumNetworkPolicy', 'ciliumnetworkpolicies', {
    short: ['cnp', 'ciliumnp'],
    namespaced: true,
    status: true,
    categories: cilium,
  }),
  rt('cilium.io', ['v2'], 'CiliumClusterwideNetworkPolicy', 'ciliumclusterwidenetworkpolicies', {
    short: ['ccnp'],
    status: true,
    categories: cilium,
  }),
  rt('cilium.io', ['v2'], 'CiliumEgressGatewayPolicy', 'ciliumegressgatewaypolicies', {
    short: ['cegp'],
    categories: cilium,
  }),
  rt('cilium.io', ['v2'], 'CiliumEndpoint', 'ciliumendpoints', {
    short: ['cep', 'ciliumep'],
    namespaced: true,
    categories: cilium,
  }),
  rt('cilium.io', ['v2alpha1'], 'CiliumPodIPPool', 'ciliumpodippools', { short: ['cpip'], categories: cilium }),
  rt('cilium.io', ['v2'], 'CiliumNode', 'ciliumnodes', { short: ['cn', 'ciliumn'], status: true, categories: cilium }),
  rt('cilium.io', ['v2'], 'CiliumIdentity', 'ciliumidentities', { short: ['ciliumid'], categories: cilium }),
];

const byGroupKind = new Map<string, ResourceType>();
const byName = new Map<string, ResourceType[]>();
for (const t of RESOURCE_TYPES) {
  byGroupKind.set(`${t.group}/${t.kind}`, t);
  const names = [t.plural, t.singular, ...t.shortNames, t.kind.toLowerCase()];
  for (const n of new Set(names.flatMap((n) => [n, t.group ? `${n}.${t.group}` : n]))) {
    const list = byName.get(n) ?? [];
    list.push(t);
    byName.set(n, list);
  }
}

export function resourceTypeOf(gk: GroupKind): ResourceType | undefined {
  return byGroupKind.get(`${gk.group}/${gk.kind}`);
}

/** Resolves what a user typed (`svc`, `ippools`, `ciliumbgpnodeconfigs.cilium.io`, `Lease`) like kubectl. */
export function resolveResourceName(name: string): ResourceType | undefined {
  const found = byName.get(name.toLowerCase());
  return found?.[0];
}

/** Finds the type for an apiVersion+kind, checking that the version is served. */
export function resourceTypeForManifest(apiVersion: string, kind: string): ResourceType | 'unknown-kind' | 'unknown-version' {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const t = byGroupKind.get(`${group}/${kind}`);
  if (!t) return 'unknown-kind';
  return t.versions.includes(version) ? t : 'unknown-version';
}

export function preferredApiVersion(t: ResourceType): string {
  return t.group ? `${t.group}/${t.versions[0]}` : t.versions[0]!;
}

export function resourcesInCategory(category: string): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.categories.includes(category));
}

export const GK = {
  Namespace: { group: '', kind: 'Namespace' },
  Node: { group: '', kind: 'Node' },
  Pod: { group: '', kind: 'Pod' },
  Service: { group: '', kind: 'Service' },
  Endpoints: { group: '', kind: 'Endpoints' },
  Secret: { group: '', kind: 'Secret' },
  ConfigMap: { group: '', kind: 'ConfigMap' },
  Deployment: { group: 'apps', kind: 'Deployment' },
  ReplicaSet: { group: 'apps', kind: 'ReplicaSet' },
  DaemonSet: { group: 'apps', kind: 'DaemonSet' },
  EndpointSlice: { group: 'discovery.k8s.io', kind: 'EndpointSlice' },
  Lease: { group: 'coordination.k8s.io', kind: 'Lease' },
  Ingress: { group: 'networking.k8s.io', kind: 'Ingress' },
  IngressClass: { group: 'networking.k8s.io', kind: 'IngressClass' },
  CiliumLoadBalancerIPPool: { group: 'cilium.io', kind: 'CiliumLoadBalancerIPPool' },
  CiliumBGPClusterConfig: { group: 'cilium.io', kind: 'CiliumBGPClusterConfig' },
  CiliumBGPPeerConfig: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig' },
  CiliumBGPAdvertisement: { group: 'cilium.io', kind: 'CiliumBGPAdvertisement' },
  CiliumBGPNodeConfig: { group: 'cilium.io', kind: 'CiliumBGPNodeConfig' },
  CiliumBGPNodeConfigOverride: { group: 'cilium.io', kind: 'CiliumBGPNodeConfigOverride' },
  CiliumL2AnnouncementPolicy: { group: 'cilium.io', kind: 'CiliumL2AnnouncementPolicy' },
  CiliumNetworkPolicy: { group: 'cilium.io', kind: 'CiliumNetworkPolicy' },
  CiliumClusterwideNetworkPolicy: { group: 'cilium.io', kind: 'CiliumClusterwideNetworkPolicy' },
  CiliumEgressGatewayPolicy: { group: 'cilium.io', kind: 'CiliumEgressGatewayPolicy' },
  CiliumEndpoint: { group: 'cilium.io', kind: 'CiliumEndpoint' },
  CiliumPodIPPool: { group: 'cilium.io', kind: 'CiliumPodIPPool' },
  CiliumNode: { group: 'cilium.io', kind: 'CiliumNode' },
  CiliumIdentity: { group: 'cilium.io', kind: 'CiliumIdentity' },
} as const satisfies Record<string, GroupKind>;
