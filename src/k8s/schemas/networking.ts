// networking.k8s.io/v1 Ingress and IngressClass (k8s.io/kubernetes pkg/apis/networking/validation).

import type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressClassParametersReference,
  IngressRule,
  IngressSpec,
  IngressStatus,
  IngressTLS,
} from 'kubernetes-types/networking/v1.js';
import { z } from 'zod';
import { isIP } from '../../netaddr/ip.ts';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from '../names.ts';
import { checked, int, type IssueSink, ipString, kind, obj, oneOf, report, str, strList } from './dsl.ts';
import { objectMeta } from './meta.ts';
import { PROTOCOLS } from './pod.ts';

const backend = obj<IngressBackend>()({
  resource: z.strictObject({ apiGroup: str().optional(), kind: str(), name: str() }).optional(),
  service: z
    .strictObject({
      name: checked(isDNS1035Label),
      port: z.strictObject({ name: str().optional(), number: int().optional() }).optional(),
    })
    .optional(),
});

/** validateIngressBackend: exactly one of service/resource; a service port by name or by number. */
function checkBackend(b: IngressBackend, path: (string | number)[], ctx: IssueSink): void {
  if (b.service && b.resource) {
    report(ctx, 'Invalid', 'cannot set both resource and service backends', path, '');
    return;
  }
  if (!b.service && !b.resource) {
    report(ctx, 'Invalid', 'resource or service backend is required', path, '');
    return;
  }
  const port = b.service?.port;
  if (!b.service) return;
  const at = [...path, 'service', 'port'];
  if (!port || (port.name === undefined && port.number === undefined)) {
    report(ctx, 'Invalid', 'port name or number is required', at, port ?? {});
  } else if (port.name !== undefined && port.number !== undefined) {
    report(ctx, 'Invalid', 'cannot set both port name & port number', at, port);
  } else if (port.name !== undefined) {
    for (const m of isValidPortName(port.name)) report(ctx, 'Invalid', m, [...at, 'name'], port.name);
  } else if (port.number !== undefined) {
    for (const m of isValidPortNum(port.number)) report(ctx, 'Invalid', m, [...at, 'number'], port.number);
  }
}

function checkHost(host: string, path: (string | number)[], ctx: IssueSink): void {
  if (isIP(host)) {
    report(ctx, 'Invalid', 'must be a DNS name, not an IP address', path, host);
    return;
  }
  const errs = host.startsWith('*.') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of errs) report(ctx, 'Invalid', m, path, host);
}

const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;

const httpPath = obj<HTTPIngressPath>()({
  backend,
  path: str().optional(),
  pathType: z.string().superRefine((v, ctx) => {
    if (v === '') report(ctx, 'Required', 'pathType must be specified');
    else if (!(PATH_TYPES as readonly string[]).includes(v)) {
      ctx.addIssue({ code: 'custom', message: 'unsupported', params: { ft: 'NotSupported', detail: '', value: v, supported: PATH_TYPES } });
    }
  }),
});

const rule = obj<IngressRule>()({
  host: str().optional(),
  http: z.strictObject({ paths: z.array(httpPath) }).optional(),
});

const tls = obj<IngressTLS>()({ hosts: strList().optional(), secretName: str().optional() });

const ingressSpec = obj<IngressSpec>()({
  defaultBackend: backend.optional(),
  ingressClassName: checked(isDNS1123Subdomain).optional(),
  rules: z.array(rule).optional(),
  tls: z.array(tls).optional(),
}).superRefine((spec, ctx) => {
  if (!spec.defaultBackend && !spec.rules?.length) {
    report(ctx, 'Invalid', 'either `defaultBackend` or `rules` must be specified', [], spec);
  }
  if (spec.defaultBackend) checkBackend(spec.defaultBackend, ['defaultBackend'], ctx);
  (spec.rules ?? []).forEach((r, i) => {
    if (r.host) checkHost(r.host, ['rules', i, 'host'], ctx);
    if (!r.http) return;
    if (r.http.paths.length === 0) report(ctx, 'Required', '', ['rules', i, 'http', 'paths']);
    r.http.paths.forEach((p, j) => {
      const at = ['rules', i, 'http', 'paths', j];
      if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !(p.path ?? '').startsWith('/')) {
        report(ctx, 'Invalid', 'must be an absolute path', [...at, 'path'], p.path ?? '');
      }
      checkBackend(p.backend, [...at, 'backend'], ctx);
    });
  });
  (spec.tls ?? []).forEach((t, i) => {
    (t.hosts ?? []).forEach((h, j) => {
      checkHost(h, ['tls', i, 'hosts', j], ctx);
    });
  });
});

const ingressStatus = obj<IngressStatus>()({
  loadBalancer: z
    .strictObject({
      ingress: z
        .array(
          z.strictObject({
            hostname: str().optional(),
            ip: ipString().optional(),
            ports: z.array(z.strictObject({ error: str().optional(), port: int(), protocol: oneOf(PROTOCOLS) })).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export const ingress = kind<Ingress>()({ metadata: objectMeta.optional(), spec: ingressSpec.optional(), status: ingressStatus.optional() });

// IngressClass: controller is a domain-prefixed path (validateIngressClassSpec).
export const ingressClass = kind<IngressClass>()({
  metadata: objectMeta.optional(),
  spec: z
    .strictObject({
      controller: z
        .string()
        .superRefine((c, ctx) => {
          if (c.length > 250) report(ctx, 'TooLong', 'may not be more than 250 bytes');
          const slash = c.indexOf('/');
          if (slash <= 0 || isDNS1123Subdomain(c.slice(0, slash)).length > 0) {
            report(ctx, 'Invalid', 'must be a domain-prefixed path (such as "acme.io/foo")');
          }
        })
        .optional(),
      parameters: obj<IngressClassParametersReference>()({
        apiGroup: str().optional(),
        kind: checked(isQualifiedName),
        name: str(),
        namespace: str().optional(),
        scope: oneOf(['Cluster', 'Namespace']).optional(),
      }).optional(),
    })
    .optional(),
});
