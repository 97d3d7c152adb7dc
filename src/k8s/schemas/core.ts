// core/v1 kinds other than Pod: Namespace, Node, Service, Endpoints, Secret, ConfigMap.
// Rules follow k8s.io/kubernetes pkg/apis/core/validation (ValidateService, ValidateNode, ValidateSecret...).

import type {
  ConfigMap,
  EndpointAddress,
  EndpointPort,
  Endpoints,
  EndpointSubset,
  LoadBalancerIngress,
  Namespace,
  NamespaceCondition,
  Node,
  NodeAddress,
  NodeCondition,
  NodeConfigSource,
  NodeSpec,
  NodeStatus,
  NodeSystemInfo,
  ObjectReference,
  PortStatus,
  Secret,
  Service,
  ServicePort,
  ServiceSpec,
  ServiceStatus,
  Taint,
} from 'kubernetes-types/core/v1.js';
import { z } from 'zod';
import { isIP } from '../../netaddr/ip.ts';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName, isValidPortNum } from '../names.ts';
import {
  bool,
  checked,
  cidrString,
  int,
  intInRange,
  intOrString,
  type IssueSink,
  ipOrEmpty,
  ipString,
  kind,
  labelMap,
  mapKey,
  obj,
  oneOf,
  opaque,
  quantityMap,
  report,
  str,
  strList,
  time,
} from './dsl.ts';
import { metaCondition, objectMeta } from './meta.ts';
import { PROTOCOLS } from './pod.ts';

const conditionStatus = oneOf(['True', 'False', 'Unknown']);

// ---- Namespace -------------------------------------------------------------------------------

export const namespace = kind<Namespace>()({
  metadata: objectMeta.optional(),
  spec: z.strictObject({ finalizers: strList().optional() }).optional(),
  status: z
    .strictObject({
      conditions: z
        .array(
          obj<NamespaceCondition>()({
            lastTransitionTime: time().optional(),
            message: str().optional(),
            reason: str().optional(),
            status: conditionStatus,
            type: str(),
          }),
        )
        .optional(),
      phase: oneOf(['Active', 'Terminating']).optional(),
    })
    .optional(),
});

// ---- Node ------------------------------------------------------------------------------------

const taint = obj<Taint>()({
  effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  key: checked(isQualifiedName),
  timeAdded: time().optional(),
  value: str().optional(),
});

const nodeSpec = obj<NodeSpec>()({
  configSource: opaque<NodeConfigSource>().optional(),
  externalID: str().optional(),
  podCIDR: cidrString().optional(),
  podCIDRs: z.array(cidrString()).max(2).optional(),
  providerID: str().optional(),
  taints: z.array(taint).optional(),
  unschedulable: bool().optional(),
}).superRefine((spec, ctx) => {
  const seen = new Set<string>();
  (spec.taints ?? []).forEach((t, i) => {
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) report(ctx, 'Duplicate', 'taints must be unique by key and effect pair', ['taints', i], t);
    seen.add(key);
  });
  if (spec.podCIDR && spec.podCIDRs?.length && spec.podCIDRs[0] !== spec.podCIDR) {
    report(ctx, 'Invalid', 'must match `podCIDR` when both are specified', ['podCIDRs', 0], spec.podCIDRs[0]);
  }
});

const nodeSystemInfo = obj<NodeSystemInfo>()({
  architecture: str(),
  bootID: str(),
  containerRuntimeVersion: str(),
  kernelVersion: str(),
  kubeProxyVersion: str(),
  kubeletVersion: str(),
  machineID: str(),
  operatingSystem: str(),
  osImage: str(),
  systemUUID: str(),
});

const nodeStatus = obj<NodeStatus>()({
  addresses: z
    .array(obj<NodeAddress>()({ address: str(), type: oneOf(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']) }))
    .optional(),
  allocatable: quantityMap().optional(),
  capacity: quantityMap().optional(),
  conditions: z
    .array(
      obj<NodeCondition>()({
        lastHeartbeatTime: time().optional(),
        lastTransitionTime: time().optional(),
        message: str().optional(),
        reason: str().optional(),
        status: conditionStatus,
        type: str(),
      }),
    )
    .optional(),
  config: opaque<NonNullable<NodeStatus['config']>>().optional(),
  daemonEndpoints: z.strictObject({ kubeletEndpoint: z.strictObject({ Port: int() }).optional() }).optional(),
  images: z.array(z.strictObject({ names: strList().optional(), sizeBytes: int().optional() })).optional(),
  nodeInfo: nodeSystemInfo.optional(),
  phase: oneOf(['Pending', 'Running', 'Terminated']).optional(),
  runtimeHandlers: z
    .array(z.strictObject({ name: str().optional(), features: z.strictObject({ recursiveReadOnlyMounts: bool().optional() }).optional() }))
    .optional(),
  volumesAttached: z.array(z.strictObject({ devicePath: str(), name: str() })).optional(),
  volumesInUse: strList().optional(),
});

export const node = kind<Node>()({ metadata: objectMeta.optional(), spec: nodeSpec.optional(), status: nodeStatus.optional() });

// ---- Service ---------------------------------------------------------------------------------

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
/** The default --service-node-port-range. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

const servicePort = obj<ServicePort>()({
  appProtocol: str().optional(),
  name: str().optional(),
  nodePort: int().optional(),
  port: intInRange(1, 65535),
  protocol: oneOf(PROTOCOLS).optional(),
  targetPort: intOrString().optional(),
});

const portStatus = obj<PortStatus>()({ error: str().optional(), port: int(), protocol: oneOf(PROTOCOLS) });

const serviceStatus = obj<ServiceStatus>()({
  conditions: z.array(metaCondition).optional(),
  loadBalancer: z
    .strictObject({
      ingress: z
        .array(
          obj<LoadBalancerIngress>()({
            hostname: str().optional(),
            ip: ipString().optional(),
            ipMode: oneOf(['VIP', 'Proxy']).optional(),
            ports: z.array(portStatus).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

const serviceSpec = obj<ServiceSpec>()({
  allocateLoadBalancerNodePorts: bool().optional(),
  clusterIP: str().optional(),
  clusterIPs: strList().optional(),
  externalIPs: z.array(ipString()).optional(),
  externalName: str().optional(),
  externalTrafficPolicy: oneOf(['Cluster', 'Local']).optional(),
  healthCheckNodePort: int().optional(),
  internalTrafficPolicy: oneOf(['Cluster', 'Local']).optional(),
  ipFamilies: z.array(oneOf(['IPv4', 'IPv6'])).optional(),
  ipFamilyPolicy: oneOf(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
  loadBalancerClass: checked(isQualifiedName).optional(),
  loadBalancerIP: ipOrEmpty().optional(),
  loadBalancerSourceRanges: z.array(cidrString()).optional(),
  ports: z.array(servicePort).optional(),
  publishNotReadyAddresses: bool().optional(),
  selector: labelMap().optional(),
  sessionAffinity: oneOf(['ClientIP', 'None']).optional(),
  sessionAffinityConfig: z
    .strictObject({
      clientIP: z
        .strictObject({
          timeoutSeconds: int()
            .superRefine((v, ctx) => {
              if (v <= 0 || v > 86400) report(ctx, 'Invalid', 'must be greater than 0 and less than 86400');
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  trafficDistribution: oneOf(['PreferClose']).optional(),
  type: oneOf(SERVICE_TYPES).optional(),
}).superRefine((spec, ctx) => checkServiceSpec(spec, ctx));

const LB_ONLY = "may only be used when `type` is 'LoadBalancer'";

/** ValidateService's cross-field rules (paths relative to spec). */
function checkServiceSpec(spec: ServiceSpec, ctx: IssueSink): void {
  const type = spec.type ?? 'ClusterIP';
  const headless = spec.clusterIP === 'None';
  const ports = spec.ports ?? [];

  if (type === 'ExternalName') {
    if (!spec.externalName) report(ctx, 'Required', '', ['externalName']);
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) report(ctx, 'Invalid', m, ['externalName'], spec.externalName);
    if (spec.clusterIP) report(ctx, 'Forbidden', 'may not be set for ExternalName services', ['clusterIP']);
  } else if (ports.length === 0 && !headless) {
    report(ctx, 'Required', '', ['ports']);
  }

  if (spec.clusterIP && spec.clusterIP !== 'None' && !isIP(spec.clusterIP)) {
    report(ctx, 'Invalid', 'must be a valid IP address', ['clusterIP'], spec.clusterIP);
  }
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (i === 0 && spec.clusterIP && ip !== spec.clusterIP) {
      report(ctx, 'Invalid', 'must match `clusterIP` when both are specified', ['clusterIPs', 0], ip);
    } else if (ip !== 'None' && !isIP(ip)) report(ctx, 'Invalid', 'must be a valid IP address', ['clusterIPs', i], ip);
  });

  const names = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) report(ctx, 'Required', '', ['ports', i, 'name']);
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) report(ctx, 'Invalid', m, ['ports', i, 'name'], p.name);
      if (names.has(p.name)) report(ctx, 'Duplicate', '', ['ports', i, 'name'], p.name);
      names.add(p.name);
    }
    if (typeof p.targetPort === 'number') {
      for (const m of isValidPortNum(p.targetPort)) report(ctx, 'Invalid', m, ['ports', i, 'targetPort'], p.targetPort);
    } else if (typeof p.targetPort === 'string') {
      for (const m of isValidPortName(p.targetPort)) report(ctx, 'Invalid', m, ['ports', i, 'targetPort'], p.targetPort);
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        report(ctx, 'Forbidden', `may not be used when \`type\` is '${type}'`, ['ports', i, 'nodePort']);
      } else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
        report(
          ctx,
          'Invalid',
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          ['ports', i, 'nodePort'],
          p.nodePort,
        );
      }
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (portKeys.has(key)) report(ctx, 'Duplicate', '', ['ports', i], { port: p.port, protocol: p.protocol ?? 'TCP' });
    portKeys.add(key);
  });

  if (spec.sessionAffinityConfig && spec.sessionAffinity !== 'ClientIP') {
    report(ctx, 'Forbidden', `must not be set when \`sessionAffinity\` is ${spec.sessionAffinity ?? 'None'}`, ['sessionAffinityConfig']);
  }

  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
  if (!externallyAccessible && spec.externalTrafficPolicy) {
    report(ctx, 'Invalid', 'may only be set for externally-accessible services', ['externalTrafficPolicy'], spec.externalTrafficPolicy);
  }
  if (spec.healthCheckNodePort && !(type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
    report(
      ctx,
      'Invalid',
      "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ['healthCheckNodePort'],
      spec.healthCheckNodePort,
    );
  }

  if (type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined) report(ctx, 'Forbidden', LB_ONLY, ['allocateLoadBalancerNodePorts']);
    if (spec.loadBalancerClass !== undefined) report(ctx, 'Forbidden', LB_ONLY, ['loadBalancerClass']);
    if (spec.loadBalancerSourceRanges?.length) report(ctx, 'Forbidden', LB_ONLY, ['loadBalancerSourceRanges']);
  }

  const families = spec.ipFamilies ?? [];
  if (families.length > 2) report(ctx, 'Invalid', 'may not have more than 2 entries', ['ipFamilies'], families);
  if (families.length === 2 && families[0] === families[1]) report(ctx, 'Duplicate', '', ['ipFamilies', 1], families[1]);
  if (families.length > 1 && spec.ipFamilyPolicy === 'SingleStack') {
    report(ctx, 'Invalid', 'must be RequireDualStack or PreferDualStack when multiple IP families are specified', ['ipFamilyPolicy'], spec.ipFamilyPolicy);
  }
  if (type === 'ExternalName' && families.length > 0) {
    report(ctx, 'Forbidden', 'may not be set for ExternalName services', ['ipFamilies']);
  }
}

export const service = kind<Service>()({ metadata: objectMeta.optional(), spec: serviceSpec.optional(), status: serviceStatus.optional() });

// ---- Endpoints -------------------------------------------------------------------------------

const objectReference = obj<ObjectReference>()({
  apiVersion: str().optional(),
  fieldPath: str().optional(),
  kind: str().optional(),
  name: str().optional(),
  namespace: str().optional(),
  resourceVersion: str().optional(),
  uid: str().optional(),
});

const endpointAddress = obj<EndpointAddress>()({
  hostname: checked(isDNS1123Label).optional(),
  ip: ipString(),
  nodeName: str().optional(),
  targetRef: objectReference.optional(),
});

const endpointSubset = obj<EndpointSubset>()({
  addresses: z.array(endpointAddress).optional(),
  notReadyAddresses: z.array(endpointAddress).optional(),
  ports: z
    .array(
      obj<EndpointPort>()({
        appProtocol: str().optional(),
        name: str().optional(),
        port: intInRange(1, 65535),
        protocol: oneOf(PROTOCOLS).optional(),
      }),
    )
    .optional(),
}).superRefine((s, ctx) => {
  const ports = s.ports ?? [];
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) report(ctx, 'Required', '', ['ports', i, 'name']);
    else if (p.name) for (const m of isDNS1123Label(p.name)) report(ctx, 'Invalid', m, ['ports', i, 'name'], p.name);
  });
});

export const endpoints = kind<Endpoints>()({ metadata: objectMeta.optional(), subsets: z.array(endpointSubset).optional() });

// ---- Secret and ConfigMap --------------------------------------------------------------------

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Data maps: keys must be config keys (IsConfigMapKey); errors name `data[key]`. */
function dataMap(base64: boolean) {
  return z.record(z.string(), z.string()).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      for (const msg of isConfigMapKey(k)) report(ctx, 'Invalid', msg, [mapKey(k)], k);
      if (base64 && !BASE64.test(v)) report(ctx, 'Invalid', 'illegal base64 data', [mapKey(k)], v);
    }
  });
}

/** Keys each built-in Secret type requires in data (ValidateSecret). */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/basic-auth': [],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
};

export const secret = kind<Secret>()({
  metadata: objectMeta.optional(),
  data: dataMap(true).optional(),
  stringData: dataMap(false).optional(),
  immutable: bool().optional(),
  type: str().optional(),
}).superRefine((s, ctx) => {
  for (const key of SECRET_REQUIRED_KEYS[s.type ?? ''] ?? []) {
    if (s.data?.[key] === undefined && s.stringData?.[key] === undefined) report(ctx, 'Required', '', ['data', mapKey(key)]);
  }
  if (s.type !== undefined && s.type !== '' && s.type !== 'Opaque' && !s.type.includes('/')) {
    for (const m of isQualifiedName(s.type)) report(ctx, 'Invalid', m, ['type'], s.type);
  }
});

export const configMap = kind<ConfigMap>()({
  metadata: objectMeta.optional(),
  data: dataMap(false).optional(),
  binaryData: dataMap(true).optional(),
  immutable: bool().optional(),
}).superRefine((c, ctx) => {
  for (const k of Object.keys(c.binaryData ?? {})) {
    if (c.data && Object.hasOwn(c.data, k)) report(ctx, 'Invalid', 'duplicate of key present in data', ['binaryData', mapKey(k)], k);
  }
});
