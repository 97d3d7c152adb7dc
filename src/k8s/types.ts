// Typed views of every kind cilia serves. Core kinds come from kubernetes-types (types only);
// Cilium kinds follow the CRDs of Cilium 1.18 (github.com/cilium/cilium pkg/k8s/apis/cilium.io),
// limited to the fields cilia implements. The zod schemas in schemas/ validate into these.

import type { Deployment as DeploymentT, ReplicaSet as ReplicaSetT } from 'kubernetes-types/apps/v1.js';
import type { Lease as LeaseT } from 'kubernetes-types/coordination/v1.js';
import type {
  ConfigMap as ConfigMapT,
  Endpoints as EndpointsT,
  Namespace as NamespaceT,
  Node as NodeT,
  Pod as PodT,
  Secret as SecretT,
  Service as ServiceT,
} from 'kubernetes-types/core/v1.js';
import type { EndpointSlice as EndpointSliceT } from 'kubernetes-types/discovery/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Ingress as IngressT, IngressClass as IngressClassT } from 'kubernetes-types/networking/v1.js';
import type { Condition, KObject, Typed } from './object.ts';

export type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

export type Namespace = Typed<NamespaceT>;
export type Node = Typed<NodeT>;
export type Pod = Typed<PodT>;
export type Service = Typed<ServiceT>;
export type Endpoints = Typed<EndpointsT>;
export type Secret = Typed<SecretT>;
export type ConfigMap = Typed<ConfigMapT>;
export type Deployment = Typed<DeploymentT>;
export type ReplicaSet = Typed<ReplicaSetT>;
export type EndpointSlice = Typed<EndpointSliceT>;
export type Lease = Typed<LeaseT>;
export type Ingress = Typed<IngressT>;
export type IngressClass = Typed<IngressClassT>;

interface CiliumObject<Spec, Status = never> extends KObject {
  spec: Spec;
  status?: Status;
}

// ---- LB-IPAM -------------------------------------------------------------------------------

export interface IPPoolBlock {
  cidr?: string;
  start?: string;
  stop?: string;
}

export interface CiliumLoadBalancerIPPoolSpec {
  blocks: IPPoolBlock[];
  allowFirstLastIPs?: 'Yes' | 'No';
  serviceSelector?: LabelSelector;
  disabled?: boolean;
}

export interface CiliumLoadBalancerIPPoolStatus {
  conditions?: Condition[];
}

export type CiliumLoadBalancerIPPool = CiliumObject<CiliumLoadBalancerIPPoolSpec, CiliumLoadBalancerIPPoolStatus>;

// ---- BGP control plane v2 ------------------------------------------------------------------

export interface PeerConfigReference {
  name: string;
  group?: string;
  kind?: string;
}

export interface BGPAutoDiscovery {
  mode: 'DefaultGateway';
  defaultGateway?: { addressFamily: 'ipv4' | 'ipv6' };
}

export interface CiliumBGPPeer {
  name: string;
  peerAddress?: string;
  peerASN?: number;
  autoDiscovery?: BGPAutoDiscovery;
  peerConfigRef?: PeerConfigReference;
}

export interface CiliumBGPInstance {
  name: string;
  localASN?: number;
  localPort?: number;
  peers?: CiliumBGPPeer[];
}

export interface CiliumBGPClusterConfigSpec {
  nodeSelector?: LabelSelector;
  bgpInstances: CiliumBGPInstance[];
}

export type CiliumBGPClusterConfig = CiliumObject<CiliumBGPClusterConfigSpec, { conditions?: Condition[] }>;

export interface BGPFamily {
  afi: 'ipv4' | 'ipv6' | 'l2vpn' | 'ls' | 'opaque';
  safi: string;
}

export interface BGPFamilyWithAdverts extends BGPFamily {
  advertisements?: LabelSelector;
}

export interface CiliumBGPPeerConfigSpec {
  transport?: { peerPort?: number; localPort?: number };
  timers?: { connectRetryTimeSeconds?: number; holdTimeSeconds?: number; keepAliveTimeSeconds?: number };
  authSecretRef?: string;
  gracefulRestart?: { enabled: boolean; restartTimeSeconds?: number };
  ebgpMultihop?: number;
  families?: BGPFamilyWithAdverts[];
}

export type CiliumBGPPeerConfig = CiliumObject<CiliumBGPPeerConfigSpec, { conditions?: Condition[] }>;

export type BGPAdvertisementType = 'PodCIDR' | 'CiliumPodIPPool' | 'Service';
export type BGPServiceAddressType = 'LoadBalancerIP' | 'ClusterIP' | 'ExternalIP';

export interface BGPCommunities {
  standard?: string[];
  wellKnown?: string[];
  large?: string[];
}

export interface BGPAdvertisement {
  advertisementType: BGPAdvertisementType;
  service?: { addresses: BGPServiceAddressType[]; aggregationLengthIPv4?: number; aggregationLengthIPv6?: number };
  selector?: LabelSelector;
  attributes?: { communities?: BGPCommunities; localPreference?: number };
}

export type CiliumBGPAdvertisement = CiliumObject<{ advertisements: BGPAdvertisement[] }>;

export interface CiliumBGPNodePeer extends CiliumBGPPeer {
  localAddress?: string;
}

export interface CiliumBGPNodeInstance {
  name: string;
  localASN?: number;
  routerID?: string;
  localPort?: number;
  peers?: CiliumBGPNodePeer[];
}

export type BGPPeeringState = 'idle' | 'connect' | 'active' | 'open_sent' | 'open_confirm' | 'established' | 'unknown';

export interface BGPFamilyRouteCount extends BGPFamily {
  received?: number;
  advertised?: number;
}

export interface CiliumBGPNodePeerStatus {
  name: string;
  peerAddress: string;
  peerASN?: number;
  peeringState?: BGPPeeringState;
  establishedTime?: string;
  timers?: { appliedHoldTimeSeconds?: number; appliedKeepaliveSeconds?: number };
  routeCount?: BGPFamilyRouteCount[];
}

export interface CiliumBGPNodeConfigStatus {
  bgpInstances?: { name: string; localASN?: number; peers?: CiliumBGPNodePeerStatus[] }[];
  conditions?: Condition[];
}

export type CiliumBGPNodeConfig = CiliumObject<{ bgpInstances: CiliumBGPNodeInstance[] }, CiliumBGPNodeConfigStatus>;

export interface CiliumBGPNodeConfigOverrideSpec {
  bgpInstances: {
    name: string;
    routerID?: string;
    localPort?: number;
    localASN?: number;
    peers?: { name: string; localAddress?: string; localPort?: number }[];
  }[];
}

export type CiliumBGPNodeConfigOverride = CiliumObject<CiliumBGPNodeConfigOverrideSpec>;

// ---- L2 announcements ----------------------------------------------------------------------

export interface CiliumL2AnnouncementPolicySpec {
  nodeSelector?: LabelSelector;
  serviceSelector?: LabelSelector;
  interfaces?: string[];
  externalIPs?: boolean;
  loadBalancerIPs?: boolean;
}

export type CiliumL2AnnouncementPolicy = CiliumObject<CiliumL2AnnouncementPolicySpec, { conditions?: Condition[] }>;

// ---- Network policy ------------------------------------------------------------------------

export interface PortProtocol {
  port?: string;
  endPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | 'ICMP' | 'ICMPv6' | 'ANY';
}

export interface HTTPRule {
  path?: string;
  method?: string;
  host?: string;
  headers?: string[];
  headerMatches?: { name: string; value?: string; secret?: { namespace?: string; name: string }; mismatch?: 'LOG' | 'ADD' | 'DELETE' | 'REPLACE' }[];
}

/** `matchName` or `matchPattern` (toFQDNs, rules.dns). */
export interface FQDNSelector {
  matchName?: string;
  matchPattern?: string;
}

export interface TLSContext {
  secret: { namespace?: string; name: string };
  certificate?: string;
  privateKey?: string;
  trustedCA?: string;
}

export interface PortRule {
  ports?: PortProtocol[];
  rules?: {
    http?: HTTPRule[];
    dns?: FQDNSelector[];
    kafka?: Record<string, unknown>[];
    l7proto?: string;
    l7?: Record<string, string>[];
  };
  serverNames?: string[];
  terminatingTLS?: TLSContext;
  originatingTLS?: TLSContext;
  listener?: { envoyConfig: { kind?: 'CiliumEnvoyConfig' | 'CiliumClusterwideEnvoyConfig'; name: string }; name: string; priority?: number };
}

export interface CIDRRule {
  cidr?: string;
  cidrGroupRef?: string;
  cidrGroupSelector?: LabelSelector;
  except?: string[];
}

/** Cloud-provider groups (`fromGroups`/`toGroups`); cilia accepts them but has no provider to resolve them. */
export type PolicyGroups = Record<string, unknown>;

export interface ICMPRule {
  fields: { family?: 'IPv4' | 'IPv6'; type: number | string }[];
}

export interface IngressRule {
  fromEndpoints?: LabelSelector[];
  fromRequires?: LabelSelector[];
  fromCIDR?: string[];
  fromCIDRSet?: CIDRRule[];
  fromEntities?: string[];
  fromGroups?: PolicyGroups[];
  fromNodes?: LabelSelector[];
  toPorts?: PortRule[];
  icmps?: ICMPRule[];
  authentication?: { mode: 'disabled' | 'required' | 'test-always-fail' };
}

export interface EgressRule {
  toEndpoints?: LabelSelector[];
  toRequires?: LabelSelector[];
  toCIDR?: string[];
  toCIDRSet?: CIDRRule[];
  toEntities?: string[];
  toGroups?: PolicyGroups[];
  toNodes?: LabelSelector[];
  toServices?: { k8sService?: { serviceName: string; namespace?: string }; k8sServiceSelector?: { selector: LabelSelector; namespace?: string } }[];
  toFQDNs?: FQDNSelector[];
  toPorts?: PortRule[];
  icmps?: ICMPRule[];
  authentication?: { mode: 'disabled' | 'required' | 'test-always-fail' };
}

export interface CiliumPolicyRule {
  endpointSelector?: LabelSelector;
  nodeSelector?: LabelSelector;
  ingress?: IngressRule[];
  ingressDeny?: IngressRule[];
  egress?: EgressRule[];
  egressDeny?: EgressRule[];
  enableDefaultDeny?: { ingress?: boolean; egress?: boolean };
  description?: string;
  labels?: { key: string; value?: string; source?: string }[];
  log?: { value?: string };
}

export interface CiliumNetworkPolicy extends KObject {
  spec?: CiliumPolicyRule;
  specs?: CiliumPolicyRule[];
  status?: { conditions?: Condition[] };
}

export type CiliumClusterwideNetworkPolicy = CiliumNetworkPolicy;

export interface CiliumEgressGatewayPolicySpec {
  selectors: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; nodeSelector?: LabelSelector }[];
  destinationCIDRs: string[];
  excludedCIDRs?: string[];
  egressGateway: { nodeSelector: LabelSelector; interface?: string; egressIP?: string };
}

export type CiliumEgressGatewayPolicy = CiliumObject<CiliumEgressGatewayPolicySpec>;

// ---- Multi-pool IPAM -----------------------------------------------------------------------

export interface CiliumPodIPPoolFamily {
  cidrs: string[];
  maskSize: number;
}

export interface CiliumPodIPPoolSpec {
  ipv4?: CiliumPodIPPoolFamily;
  ipv6?: CiliumPodIPPoolFamily;
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export type CiliumPodIPPool = CiliumObject<CiliumPodIPPoolSpec>;

// ---- Agent-owned objects -------------------------------------------------------------------

export interface CiliumEndpointStatus {
  id?: number;
  identity?: { id: number; labels?: string[] };
  networking?: { addressing: { ipv4?: string; ipv6?: string }[]; node?: string };
  state?: string;
  encryption?: { key?: number };
  'named-ports'?: { name: string; port: number; protocol: string }[];
}

export interface CiliumEndpoint extends KObject {
  status?: CiliumEndpointStatus;
}

export interface CiliumNodeSpec {
  addresses?: { type: 'InternalIP' | 'ExternalIP' | 'CiliumInternalIP'; ip: string }[];
  ipam?: {
    podCIDRs?: string[];
    pools?: { allocated?: { pool: string; cidrs: string[] }[] };
  };
  health?: { ipv4?: string; ipv6?: string };
  encryption?: { key?: number };
  'instance-id'?: string;
}

export type CiliumNode = CiliumObject<CiliumNodeSpec, { ipam?: { 'operator-status'?: Record<string, unknown> } }>;

export interface CiliumIdentity extends KObject {
  'security-labels': Record<string, string>;
}
