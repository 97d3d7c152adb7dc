// The shape every stored object shares: apiVersion, kind, metadata, and whatever else the kind
// has (spec/status, or top-level fields such as Secret.data or EndpointSlice.endpoints).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Kinds differ in their other top-level fields; each typed kind narrows this.
  [field: string]: unknown;
}

/** A typed object: T is the kubernetes-types (or Cilium) interface, made to fit KObject. */
export type Typed<T> = T & KObject;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Identifies a resource type independent of version: `cilium.io/CiliumBGPPeerConfig`, `/Service`. */
export interface GroupKind {
  group: string;
  kind: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function groupKindOf(obj: Pick<KObject, 'apiVersion' | 'kind'>): GroupKind {
  return { group: groupOf(obj.apiVersion), kind: obj.kind };
}

export function groupKindKey(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's MetaNamespaceKeyFunc). */
export function objectKey(meta: Pick<ObjectMeta, 'namespace' | 'name'>): string {
  // join, not `${}/${}`: V8 makes a long concatenation a rope that a Map must flatten on its first
  // comparison, ~1 µs per key in each of a thousand agents' informer caches
  return meta.namespace ? [meta.namespace, meta.name].join('/') : (meta.name ?? '');
}

export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
