// cilium.io objects of the agent and IPAM: CiliumEndpoint, CiliumNode, CiliumIdentity, CiliumPodIPPool.

import { z } from 'zod';
import type { CiliumEndpoint, CiliumEndpointStatus, CiliumIdentity, CiliumNode, CiliumNodeSpec, CiliumPodIPPool, CiliumPodIPPoolFamily } from '../types.ts';
import { cidrString, int, ipOrEmpty, ipString, kind, obj, oneOf, opaque, str, strList } from './dsl.ts';
import { labelSelector, objectMeta } from './meta.ts';

const endpointStatus = obj<CiliumEndpointStatus>()({
  id: int().optional(),
  identity: z.strictObject({ id: int(), labels: strList().optional() }).optional(),
  networking: z
    .strictObject({
      addressing: z.array(z.strictObject({ ipv4: ipOrEmpty().optional(), ipv6: ipOrEmpty().optional() })),
      node: str().optional(),
    })
    .optional(),
  state: str().optional(),
  encryption: z.strictObject({ key: int().optional() }).optional(),
  'named-ports': z.array(z.strictObject({ name: str(), port: int(), protocol: str() })).optional(),
});

export const endpoint = kind<CiliumEndpoint>()({ metadata: objectMeta, status: endpointStatus.optional() });

const nodeSpec = obj<CiliumNodeSpec>()({
  addresses: z.array(z.strictObject({ type: oneOf(['InternalIP', 'ExternalIP', 'CiliumInternalIP']), ip: ipString() })).optional(),
  ipam: z
    .strictObject({
      podCIDRs: z.array(cidrString()).optional(),
      pools: z
        .strictObject({ allocated: z.array(z.strictObject({ pool: str(), cidrs: z.array(cidrString()) })).optional() })
        .optional(),
    })
    .optional(),
  health: z.strictObject({ ipv4: ipOrEmpty().optional(), ipv6: ipOrEmpty().optional() }).optional(),
  encryption: z.strictObject({ key: int().optional() }).optional(),
  'instance-id': str().optional(),
});

export const node = kind<CiliumNode>()({
  metadata: objectMeta,
  spec: nodeSpec,
  status: z.strictObject({ ipam: z.strictObject({ 'operator-status': opaque<Record<string, unknown>>().optional() }).optional() }).optional(),
});

export const identity = kind<CiliumIdentity>()({
  metadata: objectMeta,
  'security-labels': z.record(z.string(), z.string()),
});

// maskSize limits from the CiliumPodIPPool CRD (pkg/k8s/apis/cilium.io/v2alpha1/ippool_types.go)
const poolFamily = (maxMask: number) =>
  obj<CiliumPodIPPoolFamily>()({
    cidrs: z.array(cidrString()).min(1),
    maskSize: int().min(1).max(maxMask),
  });

export const podIPPool = kind<CiliumPodIPPool>()({
  metadata: objectMeta,
  spec: z.strictObject({
    ipv4: poolFamily(32).optional(),
    ipv6: poolFamily(128).optional(),
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
  }),
});
