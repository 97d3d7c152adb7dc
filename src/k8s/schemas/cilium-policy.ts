// cilium.io/v2 CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and CiliumEgressGatewayPolicy:
// the CRD-level checks (types, enums, oneOf, formats). Semantic checks (a rule without any
// direction, ICMP mixed with ports, ...) are the policy validator's job and end up in the
// `Valid` condition, as in Cilium (../shared/spec/cilium-1.18.md §6.1).

import { z } from 'zod';
import { isCIDR } from '../../netaddr/cidr.ts';
import { isIP } from '../../netaddr/ip.ts';
import type {
  CIDRRule,
  CiliumEgressGatewayPolicy,
  CiliumNetworkPolicy,
  CiliumPolicyRule,
  EgressRule,
  FQDNSelector,
  HTTPRule,
  ICMPRule,
  IngressRule,
  PolicyGroups,
  PortProtocol,
  PortRule,
  TLSContext,
} from '../types.ts';
import { bool, cidrString, crdInt, intOrString, type IssueSink, ipv4String, kind, obj, oneOf, opaque, report, str, strList } from './dsl.ts';
import { crdCondition, crdLabelSelector, objectMeta } from './meta.ts';

/** kube-openapi's oneOf failure, for objects that must set exactly one of some fields. */
function exactlyOne(ctx: IssueSink, value: object, fields: readonly string[]): void {
  const set = fields.filter((f) => (value as Record<string, unknown>)[f] !== undefined).length;
  if (set !== 1) {
    const found = set === 0 ? 'Found none valid' : `Found ${set} valid alternatives`;
    report(ctx, 'Invalid', `must validate one and only one schema (oneOf) of ${fields.join(', ')}. ${found}`, [], 'object');
  }
}

// Cilium's CIDR fields take a prefix, or a bare address meaning a host prefix.
const policyCIDR = () =>
  z.string().superRefine((v, ctx) => {
    if (!isCIDR(v) && !isIP(v)) report(ctx, 'Invalid', 'must be a valid CIDR');
  });

export const ENTITIES = [
  'all',
  'world',
  'world-ipv4',
  'world-ipv6',
  'cluster',
  'host',
  'remote-node',
  'kube-apiserver',
  'ingress',
  'health',
  'init',
  'unmanaged',
  'none',
] as const;

const PORT = /^(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})$|^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/;

const portProtocol = obj<PortProtocol>()({
  port: z.string().regex(PORT).optional(),
  endPort: crdInt(0, 65535).optional(),
  protocol: oneOf(['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6', 'ANY']).optional(),
});

const FQDN_NAME = /^([-a-zA-Z0-9_]+[.]?)+$/;
const FQDN_PATTERN = /^([-a-zA-Z0-9_*]+[.]?)+$/;

const fqdnSelector = obj<FQDNSelector>()({
  matchName: z.string().max(255).regex(FQDN_NAME).optional(),
  matchPattern: z.string().max(255).regex(FQDN_PATTERN).optional(),
}).superRefine((f, ctx) => exactlyOne(ctx, f, ['matchName', 'matchPattern']));

const httpRule = obj<HTTPRule>()({
  path: str().optional(),
  method: str().optional(),
  host: str().optional(),
  headers: strList().optional(),
  headerMatches: z
    .array(
      z.strictObject({
        name: str(),
        value: str().optional(),
        secret: z.strictObject({ namespace: str().optional(), name: str() }).optional(),
        mismatch: oneOf(['LOG', 'ADD', 'DELETE', 'REPLACE']).optional(),
      }),
    )
    .optional(),
});

const tlsContext = obj<TLSContext>()({
  secret: z.strictObject({ namespace: str().optional(), name: str() }),
  certificate: str().optional(),
  privateKey: str().optional(),
  trustedCA: str().optional(),
});

const portRule = obj<PortRule>()({
  ports: z.array(portProtocol).max(40).optional(),
  rules: z
    .strictObject({
      http: z.array(httpRule).optional(),
      dns: z.array(fqdnSelector).optional(),
      kafka: z.array(opaque<Record<string, unknown>>()).optional(),
      l7proto: str().optional(),
      l7: z.array(z.record(z.string(), z.string())).optional(),
    })
    .optional(),
  serverNames: strList().optional(),
  terminatingTLS: tlsContext.optional(),
  originatingTLS: tlsContext.optional(),
  listener: z
    .strictObject({
      envoyConfig: z.strictObject({ kind: oneOf(['CiliumEnvoyConfig', 'CiliumClusterwideEnvoyConfig']).optional(), name: str().min(1) }),
      name: str().min(1),
      priority: crdInt(1, 100).optional(),
    })
    .optional(),
});

const cidrRule = obj<CIDRRule>()({
  cidr: policyCIDR().optional(),
  cidrGroupRef: str().optional(),
  cidrGroupSelector: crdLabelSelector.optional(),
  except: z.array(policyCIDR()).optional(),
}).superRefine((r, ctx) => exactlyOne(ctx, r, ['cidr', 'cidrGroupRef', 'cidrGroupSelector']));

const icmpRule = obj<ICMPRule>()({
  fields: z
    .array(
      z.strictObject({
        family: oneOf(['IPv4', 'IPv6']).optional(),
        type: intOrString().superRefine((t, ctx) => {
          if (typeof t === 'number' && (t < 0 || t > 255)) report(ctx, 'Invalid', 'must be between 0 and 255, inclusive');
        }),
      }),
    )
    .max(40),
});

const authentication = z.strictObject({ mode: oneOf(['disabled', 'required', 'test-always-fail']) });
const groups = z.array(opaque<PolicyGroups>());

const ingressRule = obj<IngressRule>()({
  fromEndpoints: z.array(crdLabelSelector).optional(),
  fromRequires: z.array(crdLabelSelector).optional(),
  fromCIDR: z.array(policyCIDR()).optional(),
  fromCIDRSet: z.array(cidrRule).optional(),
  fromEntities: z.array(oneOf(ENTITIES)).optional(),
  fromGroups: groups.optional(),
  fromNodes: z.array(crdLabelSelector).optional(),
  toPorts: z.array(portRule).optional(),
  icmps: z.array(icmpRule).optional(),
  authentication: authentication.optional(),
});

const egressRule = obj<EgressRule>()({
  toEndpoints: z.array(crdLabelSelector).optional(),
  toRequires: z.array(crdLabelSelector).optional(),
  toCIDR: z.array(policyCIDR()).optional(),
  toCIDRSet: z.array(cidrRule).optional(),
  toEntities: z.array(oneOf(ENTITIES)).optional(),
  toGroups: groups.optional(),
  toNodes: z.array(crdLabelSelector).optional(),
  toServices: z
    .array(
      z.strictObject({
        k8sService: z.strictObject({ serviceName: str(), namespace: str().optional() }).optional(),
        k8sServiceSelector: z.strictObject({ selector: crdLabelSelector, namespace: str().optional() }).optional(),
      }),
    )
    .optional(),
  toFQDNs: z.array(fqdnSelector).optional(),
  toPorts: z.array(portRule).optional(),
  icmps: z.array(icmpRule).optional(),
  authentication: authentication.optional(),
});

const rule = obj<CiliumPolicyRule>()({
  endpointSelector: crdLabelSelector.optional(),
  nodeSelector: crdLabelSelector.optional(),
  ingress: z.array(ingressRule).optional(),
  ingressDeny: z.array(ingressRule).optional(),
  egress: z.array(egressRule).optional(),
  egressDeny: z.array(egressRule).optional(),
  enableDefaultDeny: z.strictObject({ ingress: bool().optional(), egress: bool().optional() }).optional(),
  description: str().optional(),
  labels: z.array(z.strictObject({ key: str(), value: str().optional(), source: str().optional() })).optional(),
  log: z.strictObject({ value: str().max(32).optional() }).optional(),
}).superRefine((r, ctx) => exactlyOne(ctx, r, ['endpointSelector', 'nodeSelector']));

export const networkPolicy = kind<CiliumNetworkPolicy>()({
  metadata: objectMeta,
  spec: rule.optional(),
  specs: z.array(rule).optional(),
  status: z.strictObject({ conditions: z.array(crdCondition).optional() }).optional(),
});

export const egressGatewayPolicy = kind<CiliumEgressGatewayPolicy>()({
  metadata: objectMeta,
  spec: z.strictObject({
    selectors: z
      .array(
        z.strictObject({
          podSelector: crdLabelSelector.optional(),
          namespaceSelector: crdLabelSelector.optional(),
          nodeSelector: crdLabelSelector.optional(),
        }),
      )
      .min(1),
    destinationCIDRs: z.array(cidrString()).min(1),
    excludedCIDRs: z.array(cidrString()).optional(),
    egressGateway: z.strictObject({ nodeSelector: crdLabelSelector, interface: str().optional(), egressIP: ipv4String().optional() }),
  }),
});
