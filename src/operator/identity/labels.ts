// Security-relevant labels: the label set that makes a pod's security identity (Cilium's default
// label filter, pkg/labelsfilter). Labels are source-prefixed (`k8s:app=webpod`).

/** Kept whatever the exclusions below say (pkg/labelsfilter defaultLabelPrefixCfg includes). */
const INCLUDE = ['io.kubernetes.pod.namespace', 'io.cilium.k8s.namespace.labels', 'app.kubernetes.io', 'io.cilium.k8s.policy.'];

/** Dropped (the default filter's `!` entries). */
const EXCLUDE_PREFIX = [
  'io.kubernetes',
  'kubernetes.io',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/job-completion-index',
  'batch.kubernetes.io/controller-uid',
  'k8s.io',
  'pod-template-generation',
  'pod-template-hash',
  'controller-revision-hash',
  'controller-uid',
  'annotation',
  'etcd_node',
];

export function isSecurityRelevant(key: string): boolean {
  if (INCLUDE.some((p) => key.startsWith(p))) return true;
  if (key.includes('beta.kubernetes.io')) return false;
  return !EXCLUDE_PREFIX.some((p) => key.startsWith(p));
}

export interface PodIdentityInput {
  namespace: string;
  podLabels: Record<string, string>;
  namespaceLabels: Record<string, string>;
  serviceAccount: string;
  cluster: string;
}

/** The identity's label set, as `k8s:key=value` sorted (Cilium sorts labels by key). */
export function identityLabels(p: PodIdentityInput): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.podLabels)) all[k] = v;
  for (const [k, v] of Object.entries(p.namespaceLabels)) all[`io.cilium.k8s.namespace.labels.${k}`] = v;
  all['io.kubernetes.pod.namespace'] = p.namespace;
  all['io.cilium.k8s.policy.serviceaccount'] = p.serviceAccount;
  all['io.cilium.k8s.policy.cluster'] = p.cluster;
  const out: Record<string, string> = {};
  for (const k of Object.keys(all).sort()) if (isSecurityRelevant(k)) out[`k8s:${k}`] = all[k]!;
  return out;
}

/** A stable key of a label set (the allocator's lookup key). */
export function labelsKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(';');
}

/** `k8s:app=webpod` strings, sorted, as CiliumEndpoint status.identity.labels lists them. */
export function labelStrings(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
}
