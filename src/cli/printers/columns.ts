// `kubectl get` columns per kind: the built-in printers of k8s.io/kubernetes/pkg/printers/internalversion
// for core kinds and the CRDs' additionalPrinterColumns for Cilium kinds. `wide` columns follow.

import type { KObject } from '../../api/client.ts';
import { age } from '../format/age.ts';

export interface Column {
  header: string;
  value: (obj: KObject, now: number) => string;
  wide?: boolean;
}

type Any = Record<string, any>; // objects arrive as parsed JSON; columns read them loosely

const get = (o: unknown, ...path: (string | number)[]): any => { // untyped JSON walk
  let cur: any = o; // walking untyped JSON
  for (const p of path) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[p];
  }
  return cur;
};

const ageCol: Column = { header: 'AGE', value: (o, now) => age(o.metadata.creationTimestamp, now) };
const orNone = (s: string | undefined) => (s === undefined || s === '' ? '<none>' : s);

function selectorString(sel: Any | undefined): string {
  if (!sel) return '<none>';
  const labels = sel.matchLabels ?? (sel.matchExpressions ? undefined : sel);
  const parts = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    parts.push(e.operator === 'In' ? `${e.key} in (${vals})` : e.operator === 'NotIn' ? `${e.key} notin (${vals})` : e.operator === 'Exists' ? e.key : `!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function podStatus(p: Any): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const reason = p.status?.reason;
  if (reason) return reason;
  const waiting = (p.status?.containerStatuses ?? []).find((c: Any) => c.state?.waiting)?.state.waiting.reason;
  if (waiting) return waiting;
  if (p.status?.phase === 'Pending' && p.spec?.nodeName) return 'ContainerCreating';
  return p.status?.phase ?? 'Pending';
}

function servicePorts(s: Any): string {
  const ports = (s.spec?.ports ?? []) as Any[];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIP(s: Any): string {
  const type = s.spec?.type ?? 'ClusterIP';
  const ext: string[] = s.spec?.externalIPs ?? [];
  if (type === 'LoadBalancer') {
    const ing = ((s.status?.loadBalancer?.ingress ?? []) as Any[]).map((i) => i.ip ?? i.hostname).filter(Boolean);
    const all = [...ing, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  if (type === 'ExternalName') return s.spec?.externalName ?? '<none>';
  return ext.length ? ext.join(',') : '<none>';
}

function nodeRoles(n: Any): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  const legacy = n.metadata.labels?.['kubernetes.io/role'];
  if (legacy) roles.push(legacy);
  return roles.length ? roles.join(',') : '<none>';
}

function nodeStatus(n: Any): string {
  const ready = (n.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeAddress(n: Any, type: string): string {
  return orNone(((n.status?.addresses ?? []) as Any[]).find((a) => a.type === type)?.address);
}

function endpointsList(e: Any): string {
  const all: string[] = [];
  for (const sub of e.subsets ?? []) {
    for (const a of sub.addresses ?? []) for (const p of sub.ports ?? [{}]) all.push(p.port !== undefined ? `${a.ip}:${p.port}` : a.ip);
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function sliceEndpoints(s: Any): string {
  const all: string[] = [];
  for (const e of s.endpoints ?? []) all.push(...(e.addresses ?? []));
  if (all.length === 0) return '<unset>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function containers(o: Any, path: string[]): Any[] {
  return (get(o, ...path) ?? []) as Any[];
}

const workloadWide = (path: string[]): Column[] => [
  { header: 'CONTAINERS', wide: true, value: (o) => containers(o, path).map((c) => c.name).join(',') },
  { header: 'IMAGES', wide: true, value: (o) => containers(o, path).map((c) => c.image).join(',') },
  { header: 'SELECTOR', wide: true, value: (o) => selectorString(get(o, 'spec', 'selector')) },
];

function condition(o: Any, type: string): Any | undefined {
  return ((o.status?.conditions ?? []) as Any[]).find((c) => c.type === type);
}

const nameOnly: Column[] = [ageCol];

export const COLUMNS: Record<string, Column[]> = {
  Pod: [
    { header: 'READY', value: (p: Any) => `${(p.status?.containerStatuses ?? []).filter((c: Any) => c.ready).length}/${(p.spec?.containers ?? []).length}` },
    { header: 'STATUS', value: podStatus },
    { header: 'RESTARTS', value: (p: Any) => String((p.status?.containerStatuses ?? []).reduce((n: number, c: Any) => n + (c.restartCount ?? 0), 0)) },
    ageCol,
    { header: 'IP', wide: true, value: (p: Any) => orNone(p.status?.podIP) },
    { header: 'NODE', wide: true, value: (p: Any) => orNone(p.spec?.nodeName) },
    { header: 'NOMINATED NODE', wide: true, value: (p: Any) => orNone(p.status?.nominatedNodeName) },
    { header: 'READINESS GATES', wide: true, value: (p: Any) => (p.spec?.readinessGates?.length ? `0/${p.spec.readinessGates.length}` : '<none>') },
  ],
  Service: [
    { header: 'TYPE', value: (s: Any) => s.spec?.type ?? 'ClusterIP' },
    { header: 'CLUSTER-IP', value: (s: Any) => orNone(s.spec?.clusterIP) },
    { header: 'EXTERNAL-IP', value: externalIP },
    { header: 'PORT(S)', value: servicePorts },
    ageCol,
    { header: 'SELECTOR', wide: true, value: (s: Any) => (s.spec?.selector ? selectorString({ matchLabels: s.spec.selector }) : '<none>') },
  ],
  Node: [
    { header: 'STATUS', value: nodeStatus },
    { header: 'ROLES', value: nodeRoles },
    ageCol,
    { header: 'VERSION', value: (n: Any) => n.status?.nodeInfo?.kubeletVersion ?? '' },
    { header: 'INTERNAL-IP', wide: true, value: (n: Any) => nodeAddress(n, 'InternalIP') },
    { header: 'EXTERNAL-IP', wide: true, value: (n: Any) => nodeAddress(n, 'ExternalIP') },
    { header: 'OS-IMAGE', wide: true, value: (n: Any) => n.status?.nodeInfo?.osImage ?? '' },
    { header: 'KERNEL-VERSION', wide: true, value: (n: Any) => n.status?.nodeInfo?.kernelVersion ?? '' },
    { header: 'CONTAINER-RUNTIME', wide: true, value: (n: Any) => n.status?.nodeInfo?.containerRuntimeVersion ?? '' },
  ],
  Namespace: [{ header: 'STATUS', value: (n: Any) => (n.metadata.deletionTimestamp ? 'Terminating' : (n.status?.phase ?? 'Active')) }, ageCol],
  Deployment: [
    { header: 'READY', value: (d: Any) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}` },
    { header: 'UP-TO-DATE', value: (d: Any) => String(d.status?.updatedReplicas ?? 0) },
    { header: 'AVAILABLE', value: (d: Any) => String(d.status?.availableReplicas ?? 0) },
    ageCol,
    ...workloadWide(['spec', 'template', 'spec', 'containers']),
  ],
  ReplicaSet: [
    { header: 'DESIRED', value: (r: Any) => String(r.spec?.replicas ?? 1) },
    { header: 'CURRENT', value: (r: Any) => String(r.status?.replicas ?? 0) },
    { header: 'READY', value: (r: Any) => String(r.status?.readyReplicas ?? 0) },
    ageCol,
    ...workloadWide(['spec', 'template', 'spec', 'containers']),
  ],
  DaemonSet: [
    { header: 'DESIRED', value: (d: Any) => String(d.status?.desiredNumberScheduled ?? 0) },
    { header: 'CURRENT', value: (d: Any) => String(d.status?.currentNumberScheduled ?? 0) },
    { header: 'READY', value: (d: Any) => String(d.status?.numberReady ?? 0) },
    { header: 'UP-TO-DATE', value: (d: Any) => String(d.status?.updatedNumberScheduled ?? 0) },
    { header: 'AVAILABLE', value: (d: Any) => String(d.status?.numberAvailable ?? 0) },
    { header: 'NODE SELECTOR', value: (d: Any) => selectorString(d.spec?.template?.spec?.nodeSelector) },
    ageCol,
    ...workloadWide(['spec', 'template', 'spec', 'containers']),
  ],
  Endpoints: [{ header: 'ENDPOINTS', value: endpointsList }, ageCol],
  EndpointSlice: [
    { header: 'ADDRESSTYPE', value: (s: Any) => s.addressType ?? '' },
    { header: 'PORTS', value: (s: Any) => (s.ports?.length ? s.ports.map((p: Any) => String(p.port)).join(',') : '<unset>') },
    { header: 'ENDPOINTS', value: sliceEndpoints },
    ageCol,
  ],
  Secret: [
    { header: 'TYPE', value: (s: Any) => s.type ?? 'Opaque' },
    { header: 'DATA', value: (s: Any) => String(Object.keys(s.data ?? {}).length + Object.keys(s.stringData ?? {}).length) },
    ageCol,
  ],
  ConfigMap: [{ header: 'DATA', value: (c: Any) => String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length) }, ageCol],
  Lease: [{ header: 'HOLDER', value: (l: Any) => l.spec?.holderIdentity ?? '' }, ageCol],
  Ingress: [
    { header: 'CLASS', value: (i: Any) => orNone(i.spec?.ingressClassName) },
    { header: 'HOSTS', value: (i: Any) => { const hosts = (i.spec?.rules ?? []).map((r: Any) => r.host ?? '*'); return hosts.length ? hosts.join(',') : '*'; } },
    { header: 'ADDRESS', value: (i: Any) => ((i.status?.loadBalancer?.ingress ?? []) as Any[]).map((x) => x.ip ?? x.hostname).join(',') },
    { header: 'PORTS', value: (i: Any) => (i.spec?.tls?.length ? '80, 443' : '80') },
    ageCol,
  ],
  IngressClass: [
    { header: 'CONTROLLER', value: (c: Any) => c.spec?.controller ?? '' },
    { header: 'PARAMETERS', value: (c: Any) => (c.spec?.parameters ? `${c.spec.parameters.kind}/${c.spec.parameters.name}` : '<none>') },
    ageCol,
  ],
  CiliumLoadBalancerIPPool: [
    { header: 'DISABLED', value: (p: Any) => String(p.spec?.disabled ?? false) },
    { header: 'CONFLICTING', value: (p: Any) => condition(p, 'cilium.io/PoolConflict')?.status ?? '' },
    { header: 'IPS AVAILABLE', value: (p: Any) => condition(p, 'cilium.io/IPsAvailable')?.message ?? '' },
    ageCol,
  ],
  CiliumEndpoint: [
    { header: 'CILIUM ID', wide: true, value: (e: Any) => String(e.status?.id ?? '') },
    { header: 'SECURITY IDENTITY', value: (e: Any) => String(e.status?.identity?.id ?? '') },
    { header: 'INGRESS ENFORCEMENT', wide: true, value: (e: Any) => String(e.status?.policy?.ingress?.enforcing ?? '') },
    { header: 'EGRESS ENFORCEMENT', wide: true, value: (e: Any) => String(e.status?.policy?.egress?.enforcing ?? '') },
    { header: 'VISIBILITY POLICY', wide: true, value: (e: Any) => e.status?.['visibility-policy-status'] ?? '' },
    { header: 'ENDPOINT STATE', value: (e: Any) => e.status?.state ?? '' },
    { header: 'IPV4', value: (e: Any) => ((e.status?.networking?.addressing ?? []) as Any[]).find((a) => a.ipv4)?.ipv4 ?? '' },
    { header: 'IPV6', value: (e: Any) => ((e.status?.networking?.addressing ?? []) as Any[]).find((a) => a.ipv6)?.ipv6 ?? '' },
  ],
  CiliumNode: [
    { header: 'CILIUMINTERNALIP', value: (n: Any) => ((n.spec?.addresses ?? []) as Any[]).find((a) => a.type === 'CiliumInternalIP')?.ip ?? '' },
    { header: 'INTERNALIP', value: (n: Any) => ((n.spec?.addresses ?? []) as Any[]).find((a) => a.type === 'InternalIP')?.ip ?? '' },
    ageCol,
  ],
  CiliumIdentity: [{ header: 'NAMESPACE', value: (i: Any) => i['security-labels']?.['k8s:io.kubernetes.pod.namespace'] ?? '' }, ageCol],
  CiliumNetworkPolicy: [ageCol, { header: 'VALID', value: (p: Any) => condition(p, 'Valid')?.status ?? '' }],
  CiliumClusterwideNetworkPolicy: [{ header: 'VALID', value: (p: Any) => condition(p, 'Valid')?.status ?? '' }],
  CiliumBGPClusterConfig: nameOnly,
  CiliumBGPPeerConfig: nameOnly,
  CiliumBGPAdvertisement: nameOnly,
  CiliumBGPNodeConfig: nameOnly,
  CiliumBGPNodeConfigOverride: nameOnly,
  CiliumL2AnnouncementPolicy: nameOnly,
  CiliumEgressGatewayPolicy: nameOnly,
};

export function columnsFor(kind: string, wide: boolean): Column[] {
  const cols = COLUMNS[kind] ?? [ageCol];
  return cols.filter((c) => wide || !c.wide);
}
