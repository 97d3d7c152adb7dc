// cilium.io BGP control plane v2 kinds, per served version (CRDs in cilium
// pkg/k8s/apis/cilium.io/client/crds/v2; ../shared/spec/cilium-1.18.md §2.1). v2alpha1 differs where
// noted: peerConfigRef carries group/kind, PeerConfig transport has the deprecated localPort, and the
// 1.18 additions (autoDiscovery, instance localASN override) are v2 only.

import { z } from 'zod';
import { isIP } from '../../netaddr/ip.ts';
import type {
  BGPAdvertisement,
  BGPAutoDiscovery,
  BGPFamilyRouteCount,
  BGPFamilyWithAdverts,
  CiliumBGPAdvertisement,
  CiliumBGPClusterConfig,
  CiliumBGPInstance,
  CiliumBGPNodeConfig,
  CiliumBGPNodeConfigOverride,
  CiliumBGPNodeConfigOverrideSpec,
  CiliumBGPNodeConfigStatus,
  CiliumBGPNodeInstance,
  CiliumBGPNodePeer,
  CiliumBGPNodePeerStatus,
  CiliumBGPPeer,
  CiliumBGPPeerConfig,
  CiliumBGPPeerConfigSpec,
  PeerConfigReference,
} from '../types.ts';
import { bool, crdInt, type IssueSink, int, ipv4String, kind, obj, oneOf, report, str, time } from './dsl.ts';
import { crdCondition, crdLabelSelector, objectMeta } from './meta.ts';

/** x-kubernetes-validations failures print as `Invalid value: "object": <message>`. */
function cel(ctx: IssueSink, message: string, path: (string | number)[] = []): void {
  report(ctx, 'Invalid', message, path, 'object');
}

export type Version = 'v2' | 'v2alpha1';

const ASN = () => crdInt(0, 4294967295);
const localASN = () => crdInt(1, 4294967295);
const port = () => crdInt(1, 65535);
const name255 = () => str().min(1).max(255);

// The CRD pattern accepts IPv4 and IPv6 (with an optional zone); checked with netaddr.
const peerAddress = () =>
  z.string().superRefine((v, ctx) => {
    if (!isIP(v.trim().replace(/%.+$/, ''))) report(ctx, 'Invalid', 'must be a valid IP address');
  });

const conditionsStatus = z.strictObject({ conditions: z.array(crdCondition).optional() });

/** List-map semantics (x-kubernetes-list-map-keys: name): a repeated name is rejected. */
function uniqueNames(list: readonly { name: string }[] | undefined, path: (string | number)[], ctx: IssueSink): void {
  const seen = new Set<string>();
  (list ?? []).forEach((item, i) => {
    if (seen.has(item.name)) report(ctx, 'Duplicate', '', [...path, i], { name: item.name });
    seen.add(item.name);
  });
}

const peerConfigRef = {
  v2: obj<Omit<PeerConfigReference, 'group' | 'kind'>>()({ name: str() }),
  v2alpha1: obj<PeerConfigReference>()({ name: str(), group: str().optional(), kind: str().optional() }),
};

const autoDiscovery = obj<BGPAutoDiscovery>()({
  mode: oneOf(['DefaultGateway']),
  defaultGateway: z.strictObject({ addressFamily: oneOf(['ipv4', 'ipv6']) }).optional(),
}).superRefine((a, ctx) => {
  if (a.mode === 'DefaultGateway' && !a.defaultGateway) cel(ctx, 'defaultGateway must be set when mode is DefaultGateway');
});

function clusterPeer(v: Version) {
  const common = { name: name255(), peerAddress: peerAddress().optional(), peerASN: ASN().optional() };
  return v === 'v2'
    ? obj<CiliumBGPPeer>()({ ...common, autoDiscovery: autoDiscovery.optional(), peerConfigRef: peerConfigRef.v2.optional() })
    : obj<Omit<CiliumBGPPeer, 'autoDiscovery'>>()({ ...common, peerConfigRef: peerConfigRef.v2alpha1.optional() });
}

function clusterInstance(v: Version) {
  return obj<CiliumBGPInstance>()({
    name: name255(),
    localASN: localASN().optional(),
    localPort: port().optional(),
    peers: z.array(clusterPeer(v)).optional(),
  }).superRefine((inst, ctx) => uniqueNames(inst.peers, ['peers'], ctx));
}

export function clusterConfig(v: Version) {
  return kind<CiliumBGPClusterConfig>()({
    metadata: objectMeta,
    spec: z
      .strictObject({
        nodeSelector: crdLabelSelector.optional(),
        bgpInstances: z.array(clusterInstance(v)).min(1).max(16),
      })
      .superRefine((spec, ctx) => uniqueNames(spec.bgpInstances, ['bgpInstances'], ctx)),
    status: conditionsStatus.optional(),
  });
}

const family = {
  afi: oneOf(['ipv4', 'ipv6', 'l2vpn', 'ls', 'opaque']),
  safi: oneOf([
    'unicast',
    'multicast',
    'mpls_label',
    'encapsulation',
    'vpls',
    'evpn',
    'ls',
    'sr_policy',
    'mup',
    'mpls_vpn',
    'mpls_vpn_multicast',
    'route_target_constraints',
    'flowspec_unicast',
    'flowspec_vpn',
    'key_value',
  ]),
};

const timers = z
  .strictObject({
    connectRetryTimeSeconds: crdInt(1, 2147483647).optional(),
    holdTimeSeconds: crdInt(3, 65535).optional(),
    keepAliveTimeSeconds: crdInt(1, 65535).optional(),
  })
  .superRefine((t, ctx) => {
    // CEL `self.keepAliveTimeSeconds <= self.holdTimeSeconds`, evaluated after defaulting (both are set then).
    if (t.keepAliveTimeSeconds !== undefined && t.holdTimeSeconds !== undefined && t.keepAliveTimeSeconds > t.holdTimeSeconds) {
      cel(ctx, 'keepAliveTimeSeconds can not be larger than holdTimeSeconds');
    }
  });

function peerConfigSpec(v: Version) {
  const common = {
    timers: timers.optional(),
    authSecretRef: str().optional(),
    gracefulRestart: z.strictObject({ enabled: bool(), restartTimeSeconds: crdInt(1, 4095).optional() }).optional(),
    ebgpMultihop: crdInt(1, 255).optional(),
    families: z.array(obj<BGPFamilyWithAdverts>()({ ...family, advertisements: crdLabelSelector.optional() })).optional(),
  };
  return v === 'v2'
    ? obj<CiliumBGPPeerConfigSpec>()({ ...common, transport: z.strictObject({ peerPort: port().optional() }).optional() })
    : obj<CiliumBGPPeerConfigSpec>()({
        ...common,
        transport: z.strictObject({ peerPort: port().optional(), localPort: port().optional() }).optional(),
      });
}

export function peerConfig(v: Version) {
  return kind<CiliumBGPPeerConfig>()({ metadata: objectMeta, spec: peerConfigSpec(v), status: conditionsStatus.optional() });
}

// A standard community: a 32-bit decimal or `<0-65535>:<0-65535>` (BGPStandardCommunity pattern).
const U16 = '([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
const U32 =
  '([0-9]|[1-9][0-9]{1,8}|[1-3][0-9]{9}|4[01][0-9]{8}|42[0-8][0-9]{7}|429[0-3][0-9]{6}|4294[0-8][0-9]{5}|42949[0-5][0-9]{4}|429496[0-6][0-9]{3}|4294967[01][0-9]{2}|42949672[0-8][0-9]|429496729[0-5])';
const STANDARD_COMMUNITY = new RegExp(`^${U32}$|^${U16}:${U16}$`);
const LARGE_COMMUNITY = new RegExp(`^${U32}:${U32}:${U32}$`);

export const WELL_KNOWN_COMMUNITIES = [
  'internet',
  'planned-shut',
  'accept-own',
  'route-filter-translated-v4',
  'route-filter-v4',
  'route-filter-translated-v6',
  'route-filter-v6',
  'llgr-stale',
  'no-llgr',
  'blackhole',
  'no-export',
  'no-advertise',
  'no-export-subconfed',
  'no-peer',
] as const;

const advertisement = obj<BGPAdvertisement>()({
  advertisementType: oneOf(['PodCIDR', 'CiliumPodIPPool', 'Service']),
  service: z
    .strictObject({
      addresses: z.array(oneOf(['LoadBalancerIP', 'ClusterIP', 'ExternalIP'])).min(1),
      aggregationLengthIPv4: crdInt(0, 31).optional(),
      aggregationLengthIPv6: crdInt(0, 127).optional(),
    })
    .optional(),
  selector: crdLabelSelector.optional(),
  attributes: z
    .strictObject({
      communities: z
        .strictObject({
          standard: z.array(z.string().regex(STANDARD_COMMUNITY)).optional(),
          wellKnown: z.array(oneOf(WELL_KNOWN_COMMUNITIES)).optional(),
          large: z.array(z.string().regex(LARGE_COMMUNITY)).optional(),
        })
        .optional(),
      localPreference: int().optional(),
    })
    .optional(),
}).superRefine((a, ctx) => {
  if (a.advertisementType === 'Service' && !a.service) cel(ctx, "service field is required for the 'Service' advertisementType");
  if (a.advertisementType === 'PodCIDR' && a.selector) cel(ctx, "selector field is not allowed for the 'PodCIDR' advertisementType");
});

export const advertisementKind = kind<CiliumBGPAdvertisement>()({
  metadata: objectMeta,
  spec: z.strictObject({ advertisements: z.array(advertisement) }),
});

function nodePeer(v: Version) {
  const common = {
    name: name255(),
    peerAddress: peerAddress().optional(),
    peerASN: ASN().optional(),
    localAddress: peerAddress().optional(),
  };
  return v === 'v2'
    ? obj<CiliumBGPNodePeer>()({ ...common, autoDiscovery: autoDiscovery.optional(), peerConfigRef: peerConfigRef.v2.optional() })
    : obj<Omit<CiliumBGPNodePeer, 'autoDiscovery'>>()({ ...common, peerConfigRef: peerConfigRef.v2alpha1.optional() });
}

const routeCount = obj<BGPFamilyRouteCount>()({ ...family, received: int().optional(), advertised: int().optional() });

const nodePeerStatus = obj<CiliumBGPNodePeerStatus>()({
  name: str(),
  peerAddress: str(),
  peerASN: int().optional(),
  peeringState: oneOf(['idle', 'connect', 'active', 'open_sent', 'open_confirm', 'established', 'unknown']).optional(),
  establishedTime: time().optional(),
  timers: z.strictObject({ appliedHoldTimeSeconds: int().optional(), appliedKeepaliveSeconds: int().optional() }).optional(),
  routeCount: z.array(routeCount).optional(),
});

const nodeConfigStatus = obj<CiliumBGPNodeConfigStatus>()({
  bgpInstances: z
    .array(z.strictObject({ name: str(), localASN: int().optional(), peers: z.array(nodePeerStatus).optional() }))
    .optional(),
  conditions: z.array(crdCondition).optional(),
});

export function nodeConfig(v: Version) {
  return kind<CiliumBGPNodeConfig>()({
    metadata: objectMeta,
    spec: z.strictObject({
      bgpInstances: z
        .array(
          obj<CiliumBGPNodeInstance>()({
            name: name255(),
            localASN: localASN().optional(),
            routerID: ipv4String().optional(),
            localPort: port().optional(),
            peers: z.array(nodePeer(v)).optional(),
          }).superRefine((inst, ctx) => uniqueNames(inst.peers, ['peers'], ctx)),
        )
        .min(1),
    }),
    status: nodeConfigStatus.optional(),
  });
}

type OverrideInstance = CiliumBGPNodeConfigOverrideSpec['bgpInstances'][number];

export function nodeConfigOverride(v: Version) {
  const common = {
    name: name255(),
    routerID: ipv4String().optional(),
    localPort: port().optional(),
    peers: z
      .array(z.strictObject({ name: name255(), localAddress: peerAddress().optional(), localPort: port().optional() }))
      .optional(),
  };
  const instance =
    v === 'v2'
      ? obj<OverrideInstance>()({ ...common, localASN: localASN().optional() })
      : obj<Omit<OverrideInstance, 'localASN'>>()(common);
  return kind<CiliumBGPNodeConfigOverride>()({
    metadata: objectMeta,
    spec: z
      .strictObject({ bgpInstances: z.array(instance).min(1) })
      .superRefine((spec, ctx) => uniqueNames(spec.bgpInstances, ['bgpInstances'], ctx)),
  });
}
