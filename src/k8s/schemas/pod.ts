// core/v1 Pod, PodSpec and PodTemplateSpec, with the PodSpec rules of k8s.io/kubernetes
// pkg/apis/core/validation (ValidatePodSpec, validateContainers, validateVolumes, validateAffinity...).

import type {
  Affinity,
  AppArmorProfile,
  Capabilities,
  ClaimSource,
  ConfigMapEnvSource,
  ConfigMapKeySelector,
  ConfigMapVolumeSource,
  Container,
  ContainerPort,
  ContainerResizePolicy,
  ContainerState,
  ContainerStatus,
  EmptyDirVolumeSource,
  EnvFromSource,
  EnvVar,
  EnvVarSource,
  EphemeralContainer,
  ExecAction,
  GRPCAction,
  HostAlias,
  HostPathVolumeSource,
  HTTPGetAction,
  KeyToPath,
  Lifecycle,
  LifecycleHandler,
  LocalObjectReference,
  NodeAffinity,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  ObjectFieldSelector,
  PersistentVolumeClaimVolumeSource,
  Pod,
  PodAffinityTerm,
  PodCondition,
  PodDNSConfig,
  PodSecurityContext,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  Probe,
  ResourceFieldSelector,
  ResourceRequirements,
  SeccompProfile,
  SecretEnvSource,
  SecretKeySelector,
  SecretVolumeSource,
  SecurityContext,
  SELinuxOptions,
  TCPSocketAction,
  Toleration,
  TopologySpreadConstraint,
  Volume,
  VolumeDevice,
  VolumeMount,
  VolumeMountStatus,
  WeightedPodAffinityTerm,
  WindowsSecurityContextOptions,
} from 'kubernetes-types/core/v1.js';
import { z } from 'zod';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum } from '../names.ts';
import {
  bool,
  checked,
  int,
  intInRange,
  intOrString,
  type IssueSink,
  ipOrEmpty,
  kind,
  labelMap,
  nonNegative,
  obj,
  oneOf,
  opaque,
  positive,
  quantity,
  quantityMap,
  report,
  str,
  strList,
  time,
} from './dsl.ts';
import { labelSelector, objectMeta } from './meta.ts';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

const execAction = obj<ExecAction>()({ command: strList().optional() });
const httpGet = obj<HTTPGetAction>()({
  host: str().optional(),
  httpHeaders: z.array(z.strictObject({ name: str(), value: str() })).optional(),
  path: str().optional(),
  port: intOrString(),
  scheme: oneOf(['HTTP', 'HTTPS']).optional(),
});
const tcpSocket = obj<TCPSocketAction>()({ host: str().optional(), port: intOrString() });
const grpc = obj<GRPCAction>()({ port: int(), service: str().optional() });

const probe = obj<Probe>()({
  exec: execAction.optional(),
  httpGet: httpGet.optional(),
  tcpSocket: tcpSocket.optional(),
  grpc: grpc.optional(),
  failureThreshold: positive().optional(),
  initialDelaySeconds: nonNegative().optional(),
  periodSeconds: positive().optional(),
  successThreshold: positive().optional(),
  terminationGracePeriodSeconds: positive().optional(),
  timeoutSeconds: positive().optional(),
});

const lifecycleHandler = obj<LifecycleHandler>()({
  exec: execAction.optional(),
  httpGet: httpGet.optional(),
  tcpSocket: tcpSocket.optional(),
  sleep: z.strictObject({ seconds: int() }).optional(),
});

const seLinuxOptions = obj<SELinuxOptions>()({ level: str().optional(), role: str().optional(), type: str().optional(), user: str().optional() });
const seccompProfile = obj<SeccompProfile>()({
  localhostProfile: str().optional(),
  type: oneOf(['Localhost', 'RuntimeDefault', 'Unconfined']),
});
const appArmorProfile = obj<AppArmorProfile>()({
  localhostProfile: str().optional(),
  type: oneOf(['Localhost', 'RuntimeDefault', 'Unconfined']),
});
const windowsOptions = obj<WindowsSecurityContextOptions>()({
  gmsaCredentialSpec: str().optional(),
  gmsaCredentialSpecName: str().optional(),
  hostProcess: bool().optional(),
  runAsUserName: str().optional(),
});

const securityContext = obj<SecurityContext>()({
  allowPrivilegeEscalation: bool().optional(),
  appArmorProfile: appArmorProfile.optional(),
  capabilities: obj<Capabilities>()({ add: strList().optional(), drop: strList().optional() }).optional(),
  privileged: bool().optional(),
  procMount: oneOf(['Default', 'Unmasked']).optional(),
  readOnlyRootFilesystem: bool().optional(),
  runAsGroup: nonNegative().optional(),
  runAsNonRoot: bool().optional(),
  runAsUser: nonNegative().optional(),
  seLinuxOptions: seLinuxOptions.optional(),
  seccompProfile: seccompProfile.optional(),
  windowsOptions: windowsOptions.optional(),
});

const podSecurityContext = obj<PodSecurityContext>()({
  appArmorProfile: appArmorProfile.optional(),
  fsGroup: nonNegative().optional(),
  fsGroupChangePolicy: oneOf(['OnRootMismatch', 'Always']).optional(),
  runAsGroup: nonNegative().optional(),
  runAsNonRoot: bool().optional(),
  runAsUser: nonNegative().optional(),
  seLinuxOptions: seLinuxOptions.optional(),
  seccompProfile: seccompProfile.optional(),
  supplementalGroups: z.array(nonNegative()).optional(),
  sysctls: z.array(z.strictObject({ name: str(), value: str() })).optional(),
  windowsOptions: windowsOptions.optional(),
});

const containerPort = obj<ContainerPort>()({
  containerPort: intInRange(1, 65535),
  hostIP: ipOrEmpty().optional(),
  hostPort: intInRange(0, 65535).optional(),
  name: checked(isValidPortName).optional(),
  protocol: oneOf(PROTOCOLS).optional(),
});

const envVarSource = obj<EnvVarSource>()({
  configMapKeyRef: obj<ConfigMapKeySelector>()({ key: str(), name: str().optional(), optional: bool().optional() }).optional(),
  secretKeyRef: obj<SecretKeySelector>()({ key: str(), name: str().optional(), optional: bool().optional() }).optional(),
  fieldRef: obj<ObjectFieldSelector>()({ apiVersion: str().optional(), fieldPath: str() }).optional(),
  resourceFieldRef: obj<ResourceFieldSelector>()({
    containerName: str().optional(),
    divisor: quantity().optional(),
    resource: str(),
  }).optional(),
});

const envVar = obj<EnvVar>()({
  name: checked(isEnvVarName),
  value: str().optional(),
  valueFrom: envVarSource.optional(),
}).superRefine((e, ctx) => {
  if (e.valueFrom !== undefined && e.value !== undefined && e.value !== '') {
    report(ctx, 'Invalid', 'may not be specified when `value` is not empty', ['valueFrom'], '');
  }
});

const envFrom = obj<EnvFromSource>()({
  configMapRef: obj<ConfigMapEnvSource>()({ name: str().optional(), optional: bool().optional() }).optional(),
  secretRef: obj<SecretEnvSource>()({ name: str().optional(), optional: bool().optional() }).optional(),
  prefix: str().optional(),
});

const volumeMount = obj<VolumeMount>()({
  mountPath: str(),
  mountPropagation: oneOf(['None', 'HostToContainer', 'Bidirectional']).optional(),
  name: str(),
  readOnly: bool().optional(),
  recursiveReadOnly: oneOf(['Disabled', 'IfPossible', 'Enabled']).optional(),
  subPath: str().optional(),
  subPathExpr: str().optional(),
});

const resources = obj<ResourceRequirements>()({
  claims: z.array(z.strictObject({ name: str() })).optional(),
  limits: quantityMap().optional(),
  requests: quantityMap().optional(),
});

const containerFields = {
  args: strList().optional(),
  command: strList().optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(envFrom).optional(),
  image: str().optional(),
  imagePullPolicy: oneOf(['Always', 'IfNotPresent', 'Never']).optional(),
  lifecycle: obj<Lifecycle>()({ postStart: lifecycleHandler.optional(), preStop: lifecycleHandler.optional() }).optional(),
  livenessProbe: probe.optional(),
  name: checked(isDNS1123Label),
  ports: z.array(containerPort).optional(),
  readinessProbe: probe.optional(),
  resizePolicy: z
    .array(obj<ContainerResizePolicy>()({ resourceName: str(), restartPolicy: oneOf(['NotRequired', 'RestartContainer']) }))
    .optional(),
  resources: resources.optional(),
  restartPolicy: oneOf(['Always']).optional(),
  securityContext: securityContext.optional(),
  startupProbe: probe.optional(),
  stdin: bool().optional(),
  stdinOnce: bool().optional(),
  terminationMessagePath: str().optional(),
  terminationMessagePolicy: oneOf(['File', 'FallbackToLogsOnError']).optional(),
  tty: bool().optional(),
  volumeDevices: z.array(obj<VolumeDevice>()({ devicePath: str(), name: str() })).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  workingDir: str().optional(),
};

const container = obj<Container>()(containerFields);

const keyToPath = obj<KeyToPath>()({ key: str(), mode: int().optional(), path: str() });

// The volume sources pods in a lab use are modelled; the cloud and legacy ones are accepted as objects.
const volume = obj<Volume>()({
  name: checked(isDNS1123Label),
  configMap: obj<ConfigMapVolumeSource>()({
    defaultMode: int().optional(),
    items: z.array(keyToPath).optional(),
    name: str().optional(),
    optional: bool().optional(),
  }).optional(),
  secret: obj<SecretVolumeSource>()({
    defaultMode: int().optional(),
    items: z.array(keyToPath).optional(),
    optional: bool().optional(),
    secretName: str().optional(),
  }).optional(),
  emptyDir: obj<EmptyDirVolumeSource>()({ medium: str().optional(), sizeLimit: quantity().optional() }).optional(),
  hostPath: obj<HostPathVolumeSource>()({
    path: str(),
    type: oneOf(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']).optional(),
  }).optional(),
  persistentVolumeClaim: obj<PersistentVolumeClaimVolumeSource>()({ claimName: str(), readOnly: bool().optional() }).optional(),
  projected: opaque<NonNullable<Volume['projected']>>().optional(),
  downwardAPI: opaque<NonNullable<Volume['downwardAPI']>>().optional(),
  csi: opaque<NonNullable<Volume['csi']>>().optional(),
  ephemeral: opaque<NonNullable<Volume['ephemeral']>>().optional(),
  nfs: opaque<NonNullable<Volume['nfs']>>().optional(),
  iscsi: opaque<NonNullable<Volume['iscsi']>>().optional(),
  awsElasticBlockStore: opaque<NonNullable<Volume['awsElasticBlockStore']>>().optional(),
  azureDisk: opaque<NonNullable<Volume['azureDisk']>>().optional(),
  azureFile: opaque<NonNullable<Volume['azureFile']>>().optional(),
  cephfs: opaque<NonNullable<Volume['cephfs']>>().optional(),
  cinder: opaque<NonNullable<Volume['cinder']>>().optional(),
  fc: opaque<NonNullable<Volume['fc']>>().optional(),
  flexVolume: opaque<NonNullable<Volume['flexVolume']>>().optional(),
  flocker: opaque<NonNullable<Volume['flocker']>>().optional(),
  gcePersistentDisk: opaque<NonNullable<Volume['gcePersistentDisk']>>().optional(),
  gitRepo: opaque<NonNullable<Volume['gitRepo']>>().optional(),
  glusterfs: opaque<NonNullable<Volume['glusterfs']>>().optional(),
  photonPersistentDisk: opaque<NonNullable<Volume['photonPersistentDisk']>>().optional(),
  portworxVolume: opaque<NonNullable<Volume['portworxVolume']>>().optional(),
  quobyte: opaque<NonNullable<Volume['quobyte']>>().optional(),
  rbd: opaque<NonNullable<Volume['rbd']>>().optional(),
  scaleIO: opaque<NonNullable<Volume['scaleIO']>>().optional(),
  storageos: opaque<NonNullable<Volume['storageos']>>().optional(),
  vsphereVolume: opaque<NonNullable<Volume['vsphereVolume']>>().optional(),
}).superRefine((v, ctx) => {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) report(ctx, 'Required', 'must specify a volume type');
  else if (sources.length > 1) report(ctx, 'Forbidden', 'may not specify more than 1 volume type', [sources[1]!]);
});

const NODE_SELECTOR_OPS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;

const nodeSelectorRequirement = obj<NodeSelectorRequirement>()({
  key: checked(isQualifiedName),
  operator: oneOf(NODE_SELECTOR_OPS),
  values: strList().optional(),
}).superRefine((r, ctx) => {
  const n = r.values?.length ?? 0;
  if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) {
    report(ctx, 'Required', 'must be specified when `operator` is \'In\' or \'NotIn\'', ['values']);
  } else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) {
    report(ctx, 'Forbidden', 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'', ['values']);
  } else if ((r.operator === 'Gt' || r.operator === 'Lt') && n !== 1) {
    report(ctx, 'Required', 'must be specified single value when `operator` is \'Lt\' or \'Gt\'', ['values']);
  }
});

const nodeSelectorTerm = obj<NodeSelectorTerm>()({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeSelectorRequirement).optional(),
});

const podAffinityTerm = obj<PodAffinityTerm>()({
  labelSelector: labelSelector.optional(),
  matchLabelKeys: strList().optional(),
  mismatchLabelKeys: strList().optional(),
  namespaceSelector: labelSelector.optional(),
  namespaces: strList().optional(),
  topologyKey: z.string().superRefine((k, ctx) => {
    if (k === '') report(ctx, 'Required', 'can not be empty');
    else for (const m of isQualifiedName(k)) report(ctx, 'Invalid', m);
  }),
});

const weightedPodAffinityTerm = obj<WeightedPodAffinityTerm>()({ podAffinityTerm, weight: intInRange(1, 100) });

const podAffinity = z.strictObject({
  preferredDuringSchedulingIgnoredDuringExecution: z.array(weightedPodAffinityTerm).optional(),
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
});

const affinity = obj<Affinity>()({
  nodeAffinity: obj<NodeAffinity>()({
    preferredDuringSchedulingIgnoredDuringExecution: z
      .array(z.strictObject({ preference: nodeSelectorTerm, weight: intInRange(1, 100) }))
      .optional(),
    requiredDuringSchedulingIgnoredDuringExecution: obj<NodeSelector>()({
      nodeSelectorTerms: z.array(nodeSelectorTerm).min(1),
    }).optional(),
  }).optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

const toleration = obj<Toleration>()({
  effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  key: str().optional(),
  operator: oneOf(['Exists', 'Equal']).optional(),
  tolerationSeconds: int().optional(),
  value: str().optional(),
}).superRefine((t, ctx) => {
  if (t.key) for (const m of isQualifiedName(t.key)) report(ctx, 'Invalid', m, ['key'], t.key);
  if (!t.key && t.operator !== 'Exists') {
    report(ctx, 'Invalid', 'operator must be Exists when `key` is empty, which means "match all values and all keys"', ['operator'], t.operator ?? '');
  }
  if (t.operator === 'Exists' && t.value) report(ctx, 'Invalid', 'value must be empty when `operator` is \'Exists\'', ['operator'], t.value);
});

const topologySpreadConstraint = obj<TopologySpreadConstraint>()({
  labelSelector: labelSelector.optional(),
  matchLabelKeys: strList().optional(),
  maxSkew: positive(),
  minDomains: positive().optional(),
  nodeAffinityPolicy: oneOf(['Honor', 'Ignore']).optional(),
  nodeTaintsPolicy: oneOf(['Honor', 'Ignore']).optional(),
  topologyKey: checked(isQualifiedName),
  whenUnsatisfiable: oneOf(['DoNotSchedule', 'ScheduleAnyway']),
});

const localObjectReference = obj<LocalObjectReference>()({ name: str().optional() });

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;

export const podSpec = obj<PodSpec>()({
  activeDeadlineSeconds: intInRange(1, 2147483647).optional(),
  affinity: affinity.optional(),
  automountServiceAccountToken: bool().optional(),
  containers: z.array(container),
  dnsConfig: obj<PodDNSConfig>()({
    nameservers: strList().optional(),
    options: z.array(z.strictObject({ name: str().optional(), value: str().optional() })).optional(),
    searches: strList().optional(),
  }).optional(),
  dnsPolicy: oneOf(['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']).optional(),
  enableServiceLinks: bool().optional(),
  ephemeralContainers: z.array(opaque<EphemeralContainer>()).optional(),
  hostAliases: z.array(obj<HostAlias>()({ hostnames: strList().optional(), ip: ipOrEmpty().optional() })).optional(),
  hostIPC: bool().optional(),
  hostNetwork: bool().optional(),
  hostPID: bool().optional(),
  hostUsers: bool().optional(),
  hostname: checked(isDNS1123Label).optional(),
  imagePullSecrets: z.array(localObjectReference).optional(),
  initContainers: z.array(container).optional(),
  nodeName: str().optional(),
  nodeSelector: labelMap().optional(),
  os: z.strictObject({ name: oneOf(['linux', 'windows']) }).optional(),
  overhead: quantityMap().optional(),
  preemptionPolicy: oneOf(['Never', 'PreemptLowerPriority']).optional(),
  priority: int().optional(),
  priorityClassName: str().optional(),
  readinessGates: z.array(z.strictObject({ conditionType: str() })).optional(),
  resourceClaims: z.array(z.strictObject({ name: str(), source: opaque<ClaimSource>().optional() })).optional(),
  restartPolicy: oneOf(RESTART_POLICIES).optional(),
  runtimeClassName: str().optional(),
  schedulerName: str().optional(),
  schedulingGates: z.array(z.strictObject({ name: str() })).optional(),
  securityContext: podSecurityContext.optional(),
  serviceAccount: str().optional(),
  serviceAccountName: str().optional(),
  setHostnameAsFQDN: bool().optional(),
  shareProcessNamespace: bool().optional(),
  subdomain: checked(isDNS1123Label).optional(),
  terminationGracePeriodSeconds: nonNegative().optional(),
  tolerations: z.array(toleration).optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
  volumes: z.array(volume).optional(),
}).superRefine((spec, ctx) => checkPodSpec(spec, ctx));

/** Cross-field PodSpec rules: unique names, volume references, port names. */
function checkPodSpec(spec: PodSpec, ctx: IssueSink): void {
  if (spec.containers.length === 0) report(ctx, 'Required', '', ['containers']);
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) report(ctx, 'Invalid', m, ['nodeName'], spec.nodeName);

  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (volumeNames.has(v.name)) report(ctx, 'Duplicate', '', ['volumes', i, 'name'], v.name);
    volumeNames.add(v.name);
  });

  const containerNames = new Set<string>();
  const lists: ['initContainers' | 'containers', Container[]][] = [
    ['initContainers', spec.initContainers ?? []],
    ['containers', spec.containers],
  ];
  for (const [field, list] of lists) {
    list.forEach((c, i) => {
      const at = (...rest: (string | number)[]) => [field, i, ...rest];
      if (containerNames.has(c.name)) report(ctx, 'Duplicate', '', at('name'), c.name);
      containerNames.add(c.name);
      if (!c.image) report(ctx, 'Required', '', at('image'));
      if (field === 'containers' && c.restartPolicy !== undefined) {
        report(ctx, 'Forbidden', 'may not be set for non-init containers', at('restartPolicy'));
      }
      const portNames = new Set<string>();
      (c.ports ?? []).forEach((p, j) => {
        if (p.name === undefined) return;
        if (portNames.has(p.name)) report(ctx, 'Duplicate', '', at('ports', j, 'name'), p.name);
        portNames.add(p.name);
      });
      const mountPaths = new Set<string>();
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!volumeNames.has(m.name)) report(ctx, 'NotFound', '', at('volumeMounts', j, 'name'), m.name);
        if (m.mountPath === '') report(ctx, 'Required', '', at('volumeMounts', j, 'mountPath'));
        else if (mountPaths.has(m.mountPath)) report(ctx, 'Invalid', 'must be unique', at('volumeMounts', j, 'mountPath'), m.mountPath);
        mountPaths.add(m.mountPath);
      });
      for (const [probeField, p] of [
        ['livenessProbe', c.livenessProbe],
        ['readinessProbe', c.readinessProbe],
        ['startupProbe', c.startupProbe],
      ] as const) {
        if (!p) continue;
        const handlers = [p.exec, p.httpGet, p.tcpSocket, p.grpc].filter((h) => h !== undefined).length;
        if (handlers === 0) report(ctx, 'Required', 'must specify a handler type', at(probeField));
        else if (handlers > 1) report(ctx, 'Forbidden', 'may not specify more than 1 handler type', at(probeField));
        const port = p.httpGet?.port ?? p.tcpSocket?.port;
        if (typeof port === 'number') for (const m of isValidPortNum(port)) report(ctx, 'Invalid', m, at(probeField, p.httpGet ? 'httpGet' : 'tcpSocket', 'port'), port);
        if (typeof port === 'string') for (const m of isValidPortName(port)) report(ctx, 'Invalid', m, at(probeField, p.httpGet ? 'httpGet' : 'tcpSocket', 'port'), port);
      }
    });
  }
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) {
    report(ctx, 'Required', 'must provide `dnsConfig` when `dnsPolicy` is None', ['dnsConfig']);
  }
}

export const podTemplateSpec = obj<PodTemplateSpec>()({
  metadata: objectMeta.optional(),
  spec: podSpec.optional(),
});

const containerState = obj<ContainerState>()({
  running: z.strictObject({ startedAt: time().optional() }).optional(),
  terminated: z
    .strictObject({
      containerID: str().optional(),
      exitCode: int(),
      finishedAt: time().optional(),
      message: str().optional(),
      reason: str().optional(),
      signal: int().optional(),
      startedAt: time().optional(),
    })
    .optional(),
  waiting: z.strictObject({ message: str().optional(), reason: str().optional() }).optional(),
});

const containerStatus = obj<ContainerStatus>()({
  allocatedResources: quantityMap().optional(),
  containerID: str().optional(),
  image: str(),
  imageID: str(),
  lastState: containerState.optional(),
  name: str(),
  ready: bool(),
  resources: resources.optional(),
  restartCount: int(),
  started: bool().optional(),
  state: containerState.optional(),
  volumeMounts: z
    .array(
      obj<VolumeMountStatus>()({
        mountPath: str(),
        name: str(),
        readOnly: bool().optional(),
        recursiveReadOnly: str().optional(),
      }),
    )
    .optional(),
});

const podCondition = obj<PodCondition>()({
  lastProbeTime: time().optional(),
  lastTransitionTime: time().optional(),
  message: str().optional(),
  reason: str().optional(),
  status: oneOf(['True', 'False', 'Unknown']),
  type: str(),
});

export const podStatus = obj<PodStatus>()({
  conditions: z.array(podCondition).optional(),
  containerStatuses: z.array(containerStatus).optional(),
  ephemeralContainerStatuses: z.array(containerStatus).optional(),
  hostIP: ipOrEmpty().optional(),
  hostIPs: z.array(z.strictObject({ ip: ipOrEmpty().optional() })).optional(),
  initContainerStatuses: z.array(containerStatus).optional(),
  message: str().optional(),
  nominatedNodeName: str().optional(),
  phase: oneOf(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).optional(),
  podIP: ipOrEmpty().optional(),
  podIPs: z.array(z.strictObject({ ip: ipOrEmpty().optional() })).optional(),
  qosClass: oneOf(['Guaranteed', 'Burstable', 'BestEffort']).optional(),
  reason: str().optional(),
  resize: str().optional(),
  resourceClaimStatuses: z.array(z.strictObject({ name: str(), resourceClaimName: str().optional() })).optional(),
  startTime: time().optional(),
});

export const pod = kind<Pod>()({ metadata: objectMeta.optional(), spec: podSpec.optional(), status: podStatus.optional() });
