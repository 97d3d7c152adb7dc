// Defaults as the apiserver applies them before validation: the SetDefaults_* functions of
// k8s.io/kubernetes pkg/apis/*/v1, the admission plugins every cluster runs on Pods
// (ServiceAccount, Priority, DefaultTolerationSeconds), and the openAPI `default:`s of the Cilium
// CRDs (structural defaulting: a default applies only inside an object that is present).
// Defaults the Cilium agent applies when it reads an object (BGP timers when `timers` is absent,
// families) are not admission's and do not appear here.
// Input may still be malformed (validation runs after), so every step checks shapes first.

import type { KObject } from './object.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The object at `o[key]`, or undefined when it is not an object. */
function sub(o: Obj, key: string): Obj | undefined {
  const v = o[key];
  return isObj(v) ? v : undefined;
}

/** The objects of the list at `o[key]`, skipping malformed entries. */
function items(o: Obj | undefined, key: string): Obj[] {
  const v = o?.[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === '') o[key] = value;
}

// ---- core/v1 ---------------------------------------------------------------------------------

/** imagePullPolicy: Always for `:latest` or untagged images, else IfNotPresent (SetDefaults_Container). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? '' : image.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  const http = sub(p, 'httpGet');
  if (http) setDefault(http, 'scheme', 'HTTP');
}

function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (c.resources === undefined) c.resources = {};
  for (const p of items(c, 'ports')) setDefault(p, 'protocol', 'TCP');
  for (const e of items(c, 'env')) {
    const fieldRef = sub(sub(e, 'valueFrom') ?? {}, 'fieldRef');
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(sub(c, 'livenessProbe'));
  defaultProbe(sub(c, 'readinessProbe'));
  defaultProbe(sub(c, 'startupProbe'));
}

/** SetDefaults_PodSpec and the container/volume defaults beneath it. */
function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec) return;
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  setDefault(spec, 'schedulerName', 'default-scheduler');
  if (spec.securityContext === undefined) spec.securityContext = {};
  if (spec.hostNetwork === true) {
    for (const c of [...items(spec, 'containers'), ...items(spec, 'initContainers')]) {
      for (const p of items(c, 'ports')) if (p.hostPort === undefined) p.hostPort = p.containerPort;
    }
  }
  for (const c of [...items(spec, 'containers'), ...items(spec, 'initContainers')]) defaultContainer(c);
  for (const v of items(spec, 'volumes')) {
    for (const src of ['configMap', 'secret'] as const) {
      const s = sub(v, src);
      if (s) setDefault(s, 'defaultMode', 420);
    }
    const hostPath = sub(v, 'hostPath');
    if (hostPath && hostPath.type === undefined) hostPath.type = '';
  }
}

/** What the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add to a Pod. */
function admitPodPlugins(spec: Obj): void {
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  if (spec.priority === undefined) spec.priority = 0;
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as unknown[]) : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some((t) => isObj(t) && (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === 'NoExecute'));
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

/** A Pod container's requests default to its limits (SetDefaults_Pod; templates are left alone). */
function defaultRequestsToLimits(c: Obj): void {
  const res = sub(c, 'resources');
  const limits = res && sub(res, 'limits');
  if (!res || !limits) return;
  const requests = sub(res, 'requests') ?? {};
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  res.requests = requests;
}

function defaultPod(o: Obj, _version: string, create: boolean): void {
  const spec = sub(o, 'spec');
  defaultPodSpec(spec);
  for (const c of [...items(spec, 'containers'), ...items(spec, 'initContainers')]) defaultRequestsToLimits(c);
  if (spec && create) admitPodPlugins(spec);
}

function defaultTemplate(spec: Obj | undefined): void {
  defaultPodSpec(sub(sub(spec ?? {}, 'template') ?? {}, 'spec'));
}

function defaultService(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = sub(spec, 'sessionAffinityConfig') ?? {};
    const clientIP = sub(cfg, 'clientIP') ?? {};
    if (clientIP.timeoutSeconds === undefined) clientIP.timeoutSeconds = 10800;
    cfg.clientIP = clientIP;
    spec.sessionAffinityConfig = cfg;
  }
  for (const p of items(spec, 'ports')) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const type = spec.type;
  if (type !== 'ExternalName') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  if (type === 'NodePort' || type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
}

function defaultNamespace(o: Obj): void {
  const meta = sub(o, 'metadata');
  // Every namespace carries its own name as a label (SetDefaults_Namespace).
  if (meta && typeof meta.name === 'string') {
    const labels = sub(meta, 'labels') ?? {};
    labels['kubernetes.io/metadata.name'] = meta.name;
    meta.labels = labels;
  }
  const spec = sub(o, 'spec') ?? {};
  if (spec.finalizers === undefined) spec.finalizers = ['kubernetes'];
  o.spec = spec;
}

function defaultNode(o: Obj): void {
  const status = sub(o, 'status');
  if (status && status.capacity !== undefined && status.allocatable === undefined) status.allocatable = structuredClone(status.capacity);
}

function defaultSecret(o: Obj): void {
  setDefault(o, 'type', 'Opaque');
}

function defaultEndpoints(o: Obj): void {
  for (const s of items(o, 'subsets')) for (const p of items(s, 'ports')) setDefault(p, 'protocol', 'TCP');
}

function defaultEndpointSlice(o: Obj): void {
  for (const p of items(o, 'ports')) {
    setDefault(p, 'protocol', 'TCP');
    if (p.name === undefined) p.name = '';
  }
}

// ---- apps/v1 ---------------------------------------------------------------------------------

function defaultDeployment(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  const strategy = sub(spec, 'strategy') ?? {};
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = sub(strategy, 'rollingUpdate') ?? {};
    if (ru.maxUnavailable === undefined) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined) ru.maxSurge = '25%';
    strategy.rollingUpdate = ru;
  }
  spec.strategy = strategy;
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  defaultTemplate(spec);
}

function defaultReplicaSet(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  defaultTemplate(spec);
}

function defaultDaemonSet(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  const strategy = sub(spec, 'updateStrategy') ?? {};
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = sub(strategy, 'rollingUpdate') ?? {};
    if (ru.maxUnavailable === undefined) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined) ru.maxSurge = 0;
    strategy.rollingUpdate = ru;
  }
  spec.updateStrategy = strategy;
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  defaultTemplate(spec);
}

// ---- cilium.io CRD openAPI defaults ----------------------------------------------------------

function defaultBGPClusterConfig(o: Obj, version: string): void {
  for (const inst of items(sub(o, 'spec'), 'bgpInstances')) {
    for (const peer of items(inst, 'peers')) {
      if (peer.peerASN === undefined) peer.peerASN = 0;
      const ref = sub(peer, 'peerConfigRef');
      if (ref && version === 'v2alpha1') {
        setDefault(ref, 'group', 'cilium.io');
        setDefault(ref, 'kind', 'CiliumBGPPeerConfig');
      }
    }
  }
}

function defaultBGPPeerConfig(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  if (spec.ebgpMultihop === undefined) spec.ebgpMultihop = 1;
  const gr = sub(spec, 'gracefulRestart');
  if (gr && gr.restartTimeSeconds === undefined) gr.restartTimeSeconds = 120;
  const timers = sub(spec, 'timers');
  if (timers) {
    if (timers.connectRetryTimeSeconds === undefined) timers.connectRetryTimeSeconds = 120;
    if (timers.holdTimeSeconds === undefined) timers.holdTimeSeconds = 90;
    if (timers.keepAliveTimeSeconds === undefined) timers.keepAliveTimeSeconds = 30;
  }
  const transport = sub(spec, 'transport');
  if (transport && transport.peerPort === undefined) transport.peerPort = 179;
}

function defaultIPPool(o: Obj): void {
  const spec = sub(o, 'spec');
  if (spec && spec.disabled === undefined) spec.disabled = false;
}

function defaultPolicyRule(rule: Obj | undefined): void {
  if (!rule) return;
  for (const dir of ['ingress', 'ingressDeny', 'egress', 'egressDeny']) {
    for (const r of items(rule, dir)) {
      for (const icmp of items(r, 'icmps')) for (const f of items(icmp, 'fields')) setDefault(f, 'family', 'IPv4');
    }
  }
}

function defaultNetworkPolicy(o: Obj): void {
  defaultPolicyRule(sub(o, 'spec'));
  for (const r of items(o, 'specs')) defaultPolicyRule(r);
}

const DEFAULTERS: Record<string, (o: Obj, version: string, create: boolean) => void> = {
  '/Pod': defaultPod,
  '/Service': defaultService,
  '/Namespace': defaultNamespace,
  '/Node': defaultNode,
  '/Secret': defaultSecret,
  '/Endpoints': defaultEndpoints,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/DaemonSet': defaultDaemonSet,
  'cilium.io/CiliumBGPClusterConfig': defaultBGPClusterConfig,
  'cilium.io/CiliumBGPPeerConfig': defaultBGPPeerConfig,
  'cilium.io/CiliumLoadBalancerIPPool': defaultIPPool,
  'cilium.io/CiliumNetworkPolicy': defaultNetworkPolicy,
  'cilium.io/CiliumClusterwideNetworkPolicy': defaultNetworkPolicy,
};

/**
 * Applies the defaults of `group/kind` at `version` to obj, in place. `create` adds what admission
 * plugins set only when an object is created (a Pod's service account, priority, tolerations).
 */
export function applyDefaults(obj: KObject, group: string, version: string, create: boolean): void {
  DEFAULTERS[`${group}/${obj.kind}`]?.(obj as Obj, version, create);
}
