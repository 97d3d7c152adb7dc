// Cilium's configuration surface: the keys of the `cilium-config` ConfigMap with Cilium 1.18's
// Helm defaults, the Helm value names that set them (`helm upgrade --set loadBalancer.mode=dsr`),
// and typed readers for the components.

export type CiliumConfig = Readonly<Record<string, string>>;

/** Defaults as the 1.18 Helm chart renders them into cilium-config (the subset cilia acts on or shows). */
export const CILIUM_CONFIG_DEFAULTS: CiliumConfig = {
  'agent-not-ready-taint-key': 'node.cilium.io/agent-not-ready',
  'auto-direct-node-routes': 'false',
  'bgp-router-id-allocation-ip-pool': '',
  'bgp-router-id-allocation-mode': 'default',
  'bgp-secrets-namespace': 'kube-system',
  'bpf-lb-acceleration': 'disabled',
  'bpf-lb-algorithm': 'random',
  'bpf-lb-algorithm-annotation': 'false',
  'bpf-lb-dsr-dispatch': 'opt',
  'bpf-lb-external-clusterip': 'false',
  'bpf-lb-maglev-hash-seed': 'JLfvgnHc2kaSUFaI',
  'bpf-lb-maglev-table-size': '16381',
  'bpf-lb-mode': 'snat',
  'bpf-lb-mode-annotation': 'false',
  'bpf-lb-sock': 'false',
  'bpf-lb-sock-hostns-only': 'false',
  'cluster-id': '0',
  'cluster-name': 'default',
  'cluster-pool-ipv4-cidr': '10.0.0.0/8',
  'cluster-pool-ipv4-mask-size': '24',
  'default-lb-service-ipam': 'lbipam',
  'enable-bgp-control-plane': 'false',
  'enable-bgp-control-plane-status-report': 'true',
  'enable-health-checking': 'true',
  'enable-hubble': 'true',
  'enable-ingress-controller': 'false',
  'enable-ipv4': 'true',
  'enable-ipv4-masquerade': 'true',
  'enable-ipv6': 'false',
  'enable-ipv6-masquerade': 'true',
  'enable-l2-announcements': 'false',
  'enable-l2-neigh-discovery': 'false',
  'enable-l7-proxy': 'true',
  'enable-policy': 'default',
  'enable-session-affinity': 'true',
  'enforce-ingress-https': 'true',
  'identity-allocation-mode': 'crd',
  'ingress-default-lb-mode': 'dedicated',
  'ipam': 'cluster-pool',
  'ipam-cilium-node-update-rate': '15s',
  'ipv4-native-routing-cidr': '',
  'kube-proxy-replacement': 'true',
  'l2-announcements-lease-duration': '15s',
  'l2-announcements-renew-deadline': '5s',
  'l2-announcements-retry-period': '2s',
  'loadbalancer-l7': 'envoy',
  'loadbalancer-l7-algorithm': 'round_robin',
  'loadbalancer-l7-ports': '',
  'max-connected-clusters': '255',
  'routing-mode': 'tunnel',
  'tunnel-protocol': 'vxlan',
  'tunnel-source-port-range': '0-0',
};

/** Helm value → cilium-config key, for `cilia config set loadBalancer.mode=dsr`. */
export const HELM_TO_CONFIG: Readonly<Record<string, string>> = {
  autoDirectNodeRoutes: 'auto-direct-node-routes',
  'bgpControlPlane.enabled': 'enable-bgp-control-plane',
  'bgpControlPlane.statusReport.enabled': 'enable-bgp-control-plane-status-report',
  'bgpControlPlane.secretsNamespace.name': 'bgp-secrets-namespace',
  'bpf.masquerade': 'enable-bpf-masquerade',
  'bpf.lbExternalClusterIP': 'bpf-lb-external-clusterip',
  'bpf.lbAlgorithmAnnotation': 'bpf-lb-algorithm-annotation',
  'bpf.lbModeAnnotation': 'bpf-lb-mode-annotation',
  'cluster.id': 'cluster-id',
  'cluster.name': 'cluster-name',
  'enableIPv4Masquerade': 'enable-ipv4-masquerade',
  'ingressController.enabled': 'enable-ingress-controller',
  'ingressController.loadbalancerMode': 'ingress-default-lb-mode',
  'ingressController.enforceHttps': 'enforce-ingress-https',
  'ipam.mode': 'ipam',
  'ipam.operator.clusterPoolIPv4PodCIDRList': 'cluster-pool-ipv4-cidr',
  'ipam.operator.clusterPoolIPv4MaskSize': 'cluster-pool-ipv4-mask-size',
  ipv4NativeRoutingCIDR: 'ipv4-native-routing-cidr',
  'ipv4.enabled': 'enable-ipv4',
  'ipv6.enabled': 'enable-ipv6',
  kubeProxyReplacement: 'kube-proxy-replacement',
  'l2announcements.enabled': 'enable-l2-announcements',
  'l2announcements.leaseDuration': 'l2-announcements-lease-duration',
  'l2announcements.leaseRenewDeadline': 'l2-announcements-renew-deadline',
  'l2announcements.leaseRetryPeriod': 'l2-announcements-retry-period',
  'l2NeighDiscovery.enabled': 'enable-l2-neigh-discovery',
  'loadBalancer.algorithm': 'bpf-lb-algorithm',
  'loadBalancer.mode': 'bpf-lb-mode',
  'loadBalancer.dsrDispatch': 'bpf-lb-dsr-dispatch',
  'loadBalancer.l7.backend': 'loadbalancer-l7',
  'loadBalancer.l7.algorithm': 'loadbalancer-l7-algorithm',
  'maglev.tableSize': 'bpf-lb-maglev-table-size',
  'maglev.hashSeed': 'bpf-lb-maglev-hash-seed',
  'loadBalancer.protocolDifferentiation.enabled': 'bpf-lb-proto-diff',
  routingMode: 'routing-mode',
  'socketLB.enabled': 'bpf-lb-sock',
  tunnelProtocol: 'tunnel-protocol',
};

/** The cilium-config key a user meant: a config key as is, or a Helm value name. */
export function configKeyFor(name: string): string | undefined {
  if (Object.hasOwn(CILIUM_CONFIG_DEFAULTS, name)) return name;
  if (Object.hasOwn(HELM_TO_CONFIG, name)) return HELM_TO_CONFIG[name];
  // Unknown but well-formed keys are accepted, as `cilium config set` does.
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) ? name : undefined;
}

export function withDefaults(data: Readonly<Record<string, string>> | undefined): CiliumConfig {
  return { ...CILIUM_CONFIG_DEFAULTS, ...(data ?? {}) };
}

export function configBool(cfg: CiliumConfig, key: string): boolean {
  return (cfg[key] ?? '').toLowerCase() === 'true';
}

/** Go duration subset (`15s`, `1m30s`, `200ms`) to milliseconds. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}
