// discovery.k8s.io/v1 EndpointSlice (k8s.io/kubernetes pkg/apis/discovery/validation).

import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { z } from 'zod';
import { isIPv4, isIPv6 } from '../../netaddr/ip.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../names.ts';
import { bool, checked, intInRange, kind, obj, oneOf, report, str, strList } from './dsl.ts';
import { objectMeta } from './meta.ts';
import { PROTOCOLS } from './pod.ts';

const endpoint = obj<Endpoint>()({
  addresses: strList(),
  conditions: z.strictObject({ ready: bool().optional(), serving: bool().optional(), terminating: bool().optional() }).optional(),
  deprecatedTopology: z.record(z.string(), z.string()).optional(),
  hints: z.strictObject({ forZones: z.array(z.strictObject({ name: str() })).optional() }).optional(),
  hostname: checked(isDNS1123Label).optional(),
  nodeName: checked(isDNS1123Subdomain).optional(),
  targetRef: z
    .strictObject({
      apiVersion: str().optional(),
      fieldPath: str().optional(),
      kind: str().optional(),
      name: str().optional(),
      namespace: str().optional(),
      resourceVersion: str().optional(),
      uid: str().optional(),
    })
    .optional(),
  zone: str().optional(),
});

const port = obj<EndpointPort>()({
  appProtocol: str().optional(),
  name: str().optional(),
  port: intInRange(1, 65535).optional(),
  protocol: oneOf(PROTOCOLS).optional(),
});

export const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;

export const endpointSlice = kind<EndpointSlice>()({
  metadata: objectMeta.optional(),
  addressType: oneOf(ADDRESS_TYPES),
  endpoints: z.array(endpoint).max(1000),
  ports: z.array(port).max(20000).optional(),
}).superRefine((s, ctx) => {
  s.endpoints.forEach((e, i) => {
    if (e.addresses.length === 0) report(ctx, 'Required', 'must contain at least 1 address', ['endpoints', i, 'addresses']);
    if (e.addresses.length > 100) report(ctx, 'TooMany', 'must have at most 100 items', ['endpoints', i, 'addresses'], e.addresses.length);
    e.addresses.forEach((a, j) => {
      const at = ['endpoints', i, 'addresses', j];
      if (s.addressType === 'IPv4' && !isIPv4(a)) report(ctx, 'Invalid', 'must be a valid IPv4 address', at, a);
      else if (s.addressType === 'IPv6' && !isIPv6(a)) report(ctx, 'Invalid', 'must be a valid IPv6 address', at, a);
      else if (s.addressType === 'FQDN') for (const m of isDNS1123Subdomain(a)) report(ctx, 'Invalid', m, at, a);
    });
  });
  const names = new Set<string>();
  (s.ports ?? []).forEach((p, i) => {
    const name = p.name ?? '';
    if (name !== '') for (const m of isDNS1123Label(name)) report(ctx, 'Invalid', m, ['ports', i, 'name'], name);
    if (names.has(name)) report(ctx, 'Duplicate', '', ['ports', i, 'name'], name);
    names.add(name);
  });
});
