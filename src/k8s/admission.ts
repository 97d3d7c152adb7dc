// What the apiserver does to an object between the request and storage, as one pure function:
// resolve the kind, scope the namespace, default, prepare (create resets status), validate,
// enforce immutable fields on update, and convert to the preferred version.

import {
  AdmissionError,
  type FieldError,
  type FieldPath,
  fieldErrors,
  invalidError,
  strictDecodingError,
} from './errors.ts';
import { applyDefaults } from './defaults.ts';
import { preferredApiVersion, type ResourceType, resourceTypeForManifest } from './kinds.ts';
import { deepEqual } from './meta.ts';
import type { KObject } from './object.ts';
import { validateObject } from './validate.ts';

export type AdmitOp = 'create' | 'update';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy without null or undefined properties: JSON null means "unset" for optional fields, as in Go. */
function cloneDroppingNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneDroppingNulls);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k in v) {
    const x = v[k];
    if (x !== null && x !== undefined) out[k] = cloneDroppingNulls(x);
  }
  return out;
}

/** The group and version of an apiVersion string (`apps/v1` → `apps`, `v1`). */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Resolves apiVersion+kind to a served type, or throws kubectl's
 * `no matches for kind "X" in version "Y"`.
 */
export function resolveType(obj: Pick<KObject, 'apiVersion' | 'kind'>): ResourceType {
  const rt = resourceTypeForManifest(obj.apiVersion, obj.kind);
  if (typeof rt === 'string') {
    throw new AdmissionError('BadRequest', `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`, obj.kind, '', []);
  }
  return rt;
}

// ---- preparation (rest.BeforeCreate / strategy.PrepareForCreate) -----------------------------

const STATUS_RESET_ON_CREATE = new Set(['/Service', 'apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet', 'networking.k8s.io/Ingress']);

/** Pod QoS class from requests and limits (qos.GetPodQOS, simplified to cpu and memory). */
function qosClass(spec: Obj | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = Array.isArray(spec?.containers) ? (spec.containers as unknown[]).filter(isObj) : [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isObj(c.resources) ? c.resources : {};
    const req = isObj(res.requests) ? res.requests : {};
    const lim = isObj(res.limits) ? res.limits : {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function prepareForCreate(obj: Obj, rt: ResourceType): void {
  const key = `${rt.group}/${rt.kind}`;
  if (key === '/Pod') obj.status = { phase: 'Pending', qosClass: qosClass(isObj(obj.spec) ? obj.spec : undefined) };
  else if (key === '/Namespace') obj.status = { phase: 'Active' };
  else if (STATUS_RESET_ON_CREATE.has(key) || (rt.group === 'cilium.io' && rt.statusSubresource)) delete obj.status;
}

/** Secret.stringData is write-only: merged into data as base64 (v1 → internal conversion). */
function mergeStringData(obj: Obj): void {
  if (!isObj(obj.stringData)) return;
  const data = isObj(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(obj.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  obj.data = data;
  delete obj.stringData;
}

/** resource.Quantity fields given as JSON numbers are stored as strings. */
function quantitiesToStrings(obj: Obj, rt: ResourceType): void {
  const maps: Obj[] = [];
  const addResources = (spec: unknown) => {
    if (!isObj(spec)) return;
    for (const list of [spec.containers, spec.initContainers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (isObj(c) && isObj(c.resources)) for (const m of [c.resources.requests, c.resources.limits]) if (isObj(m)) maps.push(m);
      }
    }
    if (isObj(spec.overhead)) maps.push(spec.overhead);
  };
  if (rt.kind === 'Pod') addResources(obj.spec);
  else if (isObj(obj.spec) && isObj(obj.spec.template)) addResources(obj.spec.template.spec);
  if (rt.kind === 'Node' && isObj(obj.status)) for (const m of [obj.status.capacity, obj.status.allocatable]) if (isObj(m)) maps.push(m);
  for (const m of maps) for (const k of Object.keys(m)) if (typeof m[k] === 'number') m[k] = String(m[k]);
}

// ---- updates ---------------------------------------------------------------------------------

/** The Service registry keeps allocated values a client omitted on update (patchAllocatedValues). */
function keepAllocatedServiceValues(next: Obj, old: Obj): void {
  const ns = isObj(next.spec) ? next.spec : undefined;
  const os = isObj(old.spec) ? old.spec : undefined;
  if (!ns || !os || ns.type === 'ExternalName') return;
  if (!ns.clusterIP && os.clusterIP) {
    ns.clusterIP = os.clusterIP;
    if (ns.clusterIPs === undefined && os.clusterIPs !== undefined) ns.clusterIPs = structuredClone(os.clusterIPs);
  }
  if (ns.ipFamilies === undefined && os.ipFamilies !== undefined && ns.clusterIP === os.clusterIP) ns.ipFamilies = structuredClone(os.ipFamilies);
  const needsNodePorts = ns.type === 'NodePort' || (ns.type === 'LoadBalancer' && ns.allocateLoadBalancerNodePorts !== false);
  if (needsNodePorts && Array.isArray(ns.ports) && Array.isArray(os.ports)) {
    for (const p of ns.ports) {
      if (!isObj(p) || p.nodePort) continue;
      const match = os.ports.find((q) => isObj(q) && q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (isObj(match) && match.nodePort) p.nodePort = match.nodePort;
    }
  }
  if (ns.healthCheckNodePort === undefined && os.healthCheckNodePort && ns.externalTrafficPolicy === 'Local') {
    ns.healthCheckNodePort = os.healthCheckNodePort;
  }
}

const immutable = (path: FieldPath, value: unknown) => fieldErrors.invalid(path, value, 'field is immutable');

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A Pod spec with the fields an update may change taken from `old` (ValidatePodUpdate's mask). */
function maskMutablePodFields(next: Obj, old: Obj): Obj {
  const masked = structuredClone(next);
  const copyImages = (field: string) => {
    const n = masked[field];
    const o = old[field];
    if (!Array.isArray(n) || !Array.isArray(o)) return;
    n.forEach((c, i) => {
      if (isObj(c) && isObj(o[i])) c.image = (o[i] as Obj).image;
    });
  };
  copyImages('containers');
  copyImages('initContainers');
  masked.activeDeadlineSeconds = old.activeDeadlineSeconds;
  // Only additions to existing tolerations are allowed: every old one must still be there.
  if (Array.isArray(masked.tolerations) && Array.isArray(old.tolerations)) {
    const kept = old.tolerations.every((t) => (masked.tolerations as unknown[]).some((u) => deepEqual(t, u)));
    if (kept) masked.tolerations = old.tolerations;
  }
  if (!old.nodeName) masked.nodeName = old.nodeName; // scheduling binds an unbound pod (the binding subresource)
  if (Array.isArray(old.schedulingGates) && Array.isArray(masked.schedulingGates) && masked.schedulingGates.length <= old.schedulingGates.length) {
    masked.schedulingGates = old.schedulingGates;
  }
  for (const k of Object.keys(masked)) if (masked[k] === undefined) delete masked[k];
  return masked;
}

function immutableFieldErrors(next: Obj, old: Obj, rt: ResourceType): FieldError[] {
  const errs: FieldError[] = [];
  const nm = isObj(next.metadata) ? next.metadata : {};
  const om = isObj(old.metadata) ? old.metadata : {};
  if (om.name !== undefined && nm.name !== om.name) errs.push(immutable(['metadata', 'name'], nm.name));
  if ((om.namespace ?? '') !== (nm.namespace ?? '')) errs.push(immutable(['metadata', 'namespace'], nm.namespace ?? ''));
  if (nm.uid !== undefined && om.uid !== undefined && nm.uid !== om.uid) errs.push(immutable(['metadata', 'uid'], nm.uid));
  const ns = isObj(next.spec) ? next.spec : {};
  const os = isObj(old.spec) ? old.spec : {};
  switch (`${rt.group}/${rt.kind}`) {
    case '/Service':
      if (os.clusterIP && ns.type !== 'ExternalName' && ns.clusterIP !== os.clusterIP) {
        errs.push(fieldErrors.invalid(['spec', 'clusterIPs', 0], ns.clusterIP ?? '', 'may not change once set'));
      }
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
      if (!deepEqual(ns.selector, os.selector)) errs.push(immutable(['spec', 'selector'], ns.selector));
      break;
    case '/Pod':
      if (!deepEqual(maskMutablePodFields(ns, os), os)) errs.push(fieldErrors.forbidden(['spec'], POD_UPDATE_FORBIDDEN));
      break;
    case '/Node':
      for (const f of ['podCIDR', 'providerID'] as const) {
        if (os[f] && ns[f] !== os[f]) errs.push(fieldErrors.forbidden(['spec', f], `node updates may not change ${f} except from "" to valid`));
      }
      if (Array.isArray(os.podCIDRs) && os.podCIDRs.length > 0 && !deepEqual(ns.podCIDRs, os.podCIDRs)) {
        errs.push(fieldErrors.forbidden(['spec', 'podCIDRs'], 'node updates may not change podCIDR except from "" to valid'));
      }
      break;
    case '/Secret':
    case '/ConfigMap':
      if (old.immutable === true) {
        if (next.immutable !== true) errs.push(fieldErrors.forbidden(['immutable'], 'field is immutable when `immutable` is set'));
        for (const f of ['data', 'binaryData'] as const) {
          if (!deepEqual(next[f] ?? {}, old[f] ?? {})) errs.push(fieldErrors.forbidden([f], 'field is immutable when `immutable` is set'));
        }
      }
      break;
    case 'discovery.k8s.io/EndpointSlice':
      if (next.addressType !== old.addressType) errs.push(immutable(['addressType'], next.addressType));
      break;
  }
  return errs;
}

// ---- conversion to the preferred version -----------------------------------------------------

/**
 * Cilium serves v2alpha1 and v2 with conversion "None": the object is relabelled and the fields the
 * v2 schema does not have are pruned (peerConfigRef group/kind, the deprecated transport.localPort).
 */
function pruneForV2(obj: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec) return;
  if (obj.kind === 'CiliumBGPPeerConfig' && isObj(spec.transport)) delete spec.transport.localPort;
  if (obj.kind === 'CiliumBGPClusterConfig' || obj.kind === 'CiliumBGPNodeConfig') {
    for (const inst of Array.isArray(spec.bgpInstances) ? spec.bgpInstances : []) {
      for (const peer of isObj(inst) && Array.isArray(inst.peers) ? inst.peers : []) {
        if (isObj(peer) && isObj(peer.peerConfigRef)) {
          delete peer.peerConfigRef.group;
          delete peer.peerConfigRef.kind;
        }
      }
    }
  }
}

function convertToPreferred(obj: Obj, rt: ResourceType, version: string): void {
  const preferred = preferredApiVersion(rt);
  if (obj.apiVersion === preferred) return;
  if (rt.group === 'cilium.io' && version === 'v2alpha1' && rt.versions[0] === 'v2') pruneForV2(obj);
  obj.apiVersion = preferred;
}

// ---- admit -----------------------------------------------------------------------------------

function badRequest(message: string): AdmissionError {
  return new AdmissionError('BadRequest', message, '', '', []);
}

function describe(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 200 ? `${s.slice(0, 200)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * Admits an object for create or update and returns what would be stored: a new object (the input
 * is not modified) with defaults applied, status prepared and apiVersion set to the preferred
 * version. Throws AdmissionError (a StoreError: code Invalid with field causes, or BadRequest for
 * unknown kinds and unknown fields) with the apiserver's message.
 */
export function admit(op: AdmitOp, obj: KObject, old?: KObject): KObject {
  if (!isObj(obj)) throw badRequest(`Object 'Kind' is missing in '${describe(obj)}'`);
  if (typeof obj.kind !== 'string' || obj.kind === '') throw badRequest(`Object 'Kind' is missing in '${describe(obj)}'`);
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
    throw badRequest(`Object 'apiVersion' is missing in '${describe(obj)}'`);
  }
  const rt = resolveType(obj);
  const { version } = splitApiVersion(obj.apiVersion);
  const next = cloneDroppingNulls(obj) as Obj;
  if (next.metadata === undefined) next.metadata = {};
  const meta = next.metadata;
  // Cluster-scoped objects lose a namespace silently (rest.BeforeCreate); namespaced ones need one.
  if (isObj(meta) && !rt.namespaced) delete meta.namespace;

  if (op === 'update' && old && rt.kind === 'Service' && rt.group === '') keepAllocatedServiceValues(next, old as Obj);
  applyDefaults(next as KObject, rt.group, version, op === 'create');
  if (rt.kind === 'Secret' && rt.group === '') mergeStringData(next);
  if (op === 'create') prepareForCreate(next, rt);

  const errs = validateObject(next as KObject, rt, version);
  const unknown = errs.filter((e) => e.type === 'UnknownField');
  if (unknown.length > 0) throw strictDecodingError(next as KObject, version, unknown);
  if (op === 'update' && old) errs.push(...immutableFieldErrors(next, old as Obj, rt));
  if (errs.length > 0) throw invalidError(next as KObject, errs);

  quantitiesToStrings(next, rt);
  convertToPreferred(next, rt, version);
  return next as KObject;
}
