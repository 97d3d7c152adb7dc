// The objects a fresh kubeadm cluster with Cilium installed by Helm has before the user applies
// anything: namespaces, Nodes, the `kubernetes` and `kube-dns` services, CoreDNS, the Cilium
// DaemonSets, operator and `cilium-config`.

import type { KObject } from '../k8s/object.ts';
import type { ConfigMap, Deployment, Node, Service } from '../k8s/types.ts';
import type { CiliumConfig } from '../config/cilium.ts';

export interface NodeSpecInput {
  name: string;
  role: 'control-plane' | 'worker';
  internalIP: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  kubernetesVersion: string;
  osImage: string;
  kernelVersion: string;
  containerRuntime: string;
  machineID: string;
}

export function nodeObject(n: NodeSpecInput): Node {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    ...(n.role === 'control-plane'
      ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' }
      : {}),
    ...n.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: n.taints.length ? { taints: n.taints } : {},
    status: {
      addresses: [
        { type: 'InternalIP', address: n.internalIP },
        { type: 'Hostname', address: n.name },
      ],
      capacity: { cpu: '2', 'ephemeral-storage': '64372556Ki', memory: '2014580Ki', pods: '110' },
      allocatable: { cpu: '2', 'ephemeral-storage': '59325851949', memory: '1912180Ki', pods: '110' },
      conditions: [],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: n.machineID,
        containerRuntimeVersion: n.containerRuntime,
        kernelVersion: n.kernelVersion,
        kubeProxyVersion: '',
        kubeletVersion: n.kubernetesVersion,
        machineID: n.machineID,
        operatingSystem: 'linux',
        osImage: n.osImage,
        systemUUID: n.machineID,
      },
    },
  };
}

/** Node conditions as a healthy (or stopped) kubelet reports them. */
export function nodeConditions(ready: boolean, now: string) {
  const c = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  if (!ready) {
    const gone = 'Kubelet stopped posting node status.';
    return [
      c('MemoryPressure', 'Unknown', 'NodeStatusUnknown', gone),
      c('DiskPressure', 'Unknown', 'NodeStatusUnknown', gone),
      c('PIDPressure', 'Unknown', 'NodeStatusUnknown', gone),
      c('Ready', 'Unknown', 'NodeStatusUnknown', gone),
    ];
  }
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

function ns(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] } };
}

const CILIUM_IMAGE = (v: string) => `quay.io/cilium/cilium:v${v}`;

/** Everything but Nodes, in the order they must be created. */
export function systemObjects(input: { ciliumVersion: string; config: CiliumConfig; kubernetesServiceIP: string; dnsServiceIP: string; apiServerIP: string }): KObject[] {
  const { ciliumVersion, config } = input;
  const kubernetesSvc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: input.kubernetesServiceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], type: 'ClusterIP', sessionAffinity: 'None' },
  };
  const apiEndpoints: KObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: input.apiServerIP }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
  };
  const apiSlice: KObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [input.apiServerIP], conditions: { ready: true } }],
    ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
  };
  const kubeDns: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      clusterIP: input.dnsServiceIP,
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      type: 'ClusterIP',
    },
  };
  const coredns: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.12.0',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
            },
          ],
          dnsPolicy: 'Default',
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
        },
      },
    },
  };
  const ciliumConfig: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cilium-config', namespace: 'kube-system', labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
    data: { ...config },
  };
  const hostNetworkPodSpec = (name: string, image: string) => ({
    containers: [{ name, image }],
    hostNetwork: true,
    priorityClassName: 'system-node-critical',
    serviceAccountName: name.startsWith('cilium-operator') ? 'cilium-operator' : 'cilium',
    tolerations: [{ operator: 'Exists' }],
  });
  const daemonSet = (name: string, app: string, image: string, container: string): KObject => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system', labels: { 'k8s-app': app, 'app.kubernetes.io/part-of': 'cilium', 'app.kubernetes.io/name': app } },
    spec: {
      selector: { matchLabels: { 'k8s-app': app } },
      template: { metadata: { labels: { 'k8s-app': app, 'app.kubernetes.io/part-of': 'cilium', 'app.kubernetes.io/name': app } }, spec: hostNetworkPodSpec(container, image) },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } },
    },
  });
  const operator: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cilium-operator', namespace: 'kube-system', labels: { 'io.cilium/app': 'operator', name: 'cilium-operator', 'app.kubernetes.io/part-of': 'cilium' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'io.cilium/app': 'operator', name: 'cilium-operator' } },
      template: {
        metadata: { labels: { 'io.cilium/app': 'operator', name: 'cilium-operator', 'app.kubernetes.io/part-of': 'cilium' } },
        spec: hostNetworkPodSpec('cilium-operator', `quay.io/cilium/operator-generic:v${ciliumVersion}`),
      },
    },
  };
  return [
    ns('default'),
    ns('kube-system'),
    ns('kube-public'),
    ns('kube-node-lease'),
    kubernetesSvc,
    apiEndpoints,
    apiSlice,
    kubeDns,
    ciliumConfig,
    coredns,
    daemonSet('cilium', 'cilium', CILIUM_IMAGE(ciliumVersion), 'cilium-agent'),
    daemonSet('cilium-envoy', 'cilium-envoy', `quay.io/cilium/cilium-envoy:v1.34.4`, 'cilium-envoy'),
    operator,
  ];
}

/** The leases a kubeadm control plane and Cilium's operator hold (`kubectl get lease -n kube-system`). */
export function systemLeases(input: { controlPlane: string; nodes: string[]; now: string; uuid: () => string; token: (n: number) => string }): KObject[] {
  const lease = (name: string, namespace: string, holder: string, seconds: number, labels?: Record<string, string>): KObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { holderIdentity: holder, leaseDurationSeconds: seconds, acquireTime: input.now, renewTime: input.now, leaseTransitions: 0 },
  });
  const apiserver = `apiserver-${input.token(26)}`;
  return [
    lease(apiserver, 'kube-system', `${apiserver}_${input.uuid()}`, 3600, {
      'apiserver.kubernetes.io/identity': 'kube-apiserver',
      'kubernetes.io/hostname': input.controlPlane,
    }),
    lease('kube-controller-manager', 'kube-system', `${input.controlPlane}_${input.uuid()}`, 15),
    lease('kube-scheduler', 'kube-system', `${input.controlPlane}_${input.uuid()}`, 15),
    lease('cilium-operator-resource-lock', 'kube-system', `${input.controlPlane}-${input.token(10)}`, 15),
    ...input.nodes.map((n) => lease(n, 'kube-node-lease', n, 40)),
  ];
}
