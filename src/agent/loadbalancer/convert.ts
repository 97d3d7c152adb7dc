// Kubernetes Service, EndpointSlice and Pod (hostPort) → frontends and backends, following
// cilium pkg/loadbalancer/reflectors/conversions.go (1.18) and spec §4.2/§4.6.

import type { EndpointSlice, Pod, Service } from '../../k8s/types.ts';
import { matches, parseSelector, SelectorError } from '../../k8s/selectors.ts';
import { parseCIDR } from '../../netaddr/cidr.ts';
import {
  BACKEND_ACTIVE,
  BACKEND_TERMINATING,
  type BackendStateFlag,
  SCOPE_EXTERNAL,
  SCOPE_INTERNAL,
  type SourceRange,
  type SvcType,
} from '../../datapath/maps/lb.ts';
import { isUnspecified, parseAddrKey, protoNumber } from '../../datapath/maps/lbaddr.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { AddrPortTable } from './addrtable.ts';
import type { LBConfig } from './config.ts';
import type { BackendParams, FrontendParams, ServiceModel } from './model.ts';

export const ANN_TYPE = 'service.cilium.io/type';
export const ANN_NODE = 'service.cilium.io/node';
export const ANN_NODE_SELECTOR = 'service.cilium.io/node-selector';
export const ANN_LB_ALGORITHM = 'service.cilium.io/lb-algorithm';
export const ANN_FORWARDING_MODE = 'service.cilium.io/forwarding-mode';
export const ANN_SRC_RANGES_POLICY = 'service.cilium.io/src-ranges-policy';
export const ANN_PROXY_DELEGATION = 'service.cilium.io/proxy-delegation';
/** k8s.io/api/core/v1 IsHeadlessService. */
const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** kubernetes DefaultClientIPServiceAffinitySeconds. */
const DEFAULT_AFFINITY_SECONDS = 10800;
/** cilium loadbalancer.DefaultBackendWeight. */
export const DEFAULT_BACKEND_WEIGHT = 100;

export interface LocalNodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface ConvertedService {
  service: ServiceModel;
  frontends: FrontendParams[];
  /** Annotation and field problems; the service is still installed with the rest. */
  problems: string[];
}

export function serviceName(svc: Pick<Service, 'metadata'>): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
}

function isHeadless(svc: Service): boolean {
  return Object.hasOwn(svc.metadata.labels ?? {}, LABEL_HEADLESS) || (svc.spec?.clusterIP ?? '').toLowerCase() === 'none';
}

function familyEnabled(cfg: LBConfig, a: AddrKey): boolean {
  return typeof a === 'number' ? cfg.enableIPv4 : cfg.enableIPv6;
}

/**
 * cilium CheckServiceNodeExposure: node-selector (label selector) wins over node (label value);
 * a selector that does not parse is reported and ignored.
 */
export function checkNodeExposure(node: LocalNodeInfo, annotations: Readonly<Record<string, string>>, problems: string[]): boolean {
  const sel = annotations[ANN_NODE_SELECTOR];
  if (sel !== undefined) {
    try {
      return matches(parseSelector(sel), node.labels);
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      problems.push(`Ignoring node service exposure: failed to parse node label annotation: ${e.message}`);
      return true;
    }
  }
  const want = annotations[ANN_NODE];
  if (want !== undefined) return node.labels[ANN_NODE] === want;
  return true;
}

function ipFamilies(svc: Service): (4 | 6)[] {
  const fams = svc.spec?.ipFamilies;
  if (fams && fams.length > 0) return fams.map((f) => (f === 'IPv6' ? 6 : 4));
  // cilium getIPFamilies: deduced from the cluster IPs
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  const out = new Set<4 | 6>();
  for (const ip of ips) {
    const a = parseAddrKey(ip);
    if (a !== undefined) out.add(typeof a === 'number' ? 4 : 6);
  }
  return [...out].sort();
}

/**
 * Converts a Service. Returns undefined when the node-exposure annotations keep it off this node.
 * Headless services convert to a model without frontends.
 */
export function convertService(svc: Service, cfg: LBConfig, localNode: LocalNodeInfo | undefined): ConvertedService | undefined {
  const problems: string[] = [];
  const name = serviceName(svc);
  const ann = svc.metadata.annotations ?? {};
  const spec = svc.spec ?? {};

  if (localNode && !checkNodeExposure(localNode, ann, problems)) return undefined;

  let exposure: string | undefined;
  const typeAnn = ann[ANN_TYPE];
  if (typeAnn !== undefined) {
    if (typeAnn === 'ClusterIP' || typeAnn === 'NodePort' || typeAnn === 'LoadBalancer') exposure = typeAnn;
    else problems.push(`Ignoring annotation: not supported type for "${ANN_TYPE}": ${typeAnn}`);
  }
  const canExpose = (t: string) => exposure === undefined || exposure === t;

  let forwardingMode: ServiceModel['forwardingMode'];
  const fwd = ann[ANN_FORWARDING_MODE];
  if (cfg.modeAnnotation && fwd !== undefined) {
    const v = fwd.toLowerCase();
    if (v === 'dsr' || v === 'snat') forwardingMode = v;
    else problems.push(`Ignoring annotation: value "${fwd}" is not supported for "${ANN_FORWARDING_MODE}"`);
  }
  let lbAlgorithm: ServiceModel['lbAlgorithm'];
  const alg = ann[ANN_LB_ALGORITHM];
  if (cfg.algorithmAnnotation && alg !== undefined) {
    if (alg === 'random' || alg === 'maglev') lbAlgorithm = alg;
    else problems.push(`Ignoring annotation: value "${alg}" is not supported for "${ANN_LB_ALGORITHM}"`);
  }

  const sourceRanges: SourceRange[] = [];
  for (const text of spec.loadBalancerSourceRanges ?? []) {
    const c = parseCIDR(text.trim());
    if (!c) {
      problems.push(`Failed to parse CIDR in LoadBalancerSourceRanges, ignoring: "${text}"`);
      continue;
    }
    sourceRanges.push({ addr: c.family === 4 ? Number(c.addr) : c.addr, prefixLen: c.prefixLen });
  }

  const extTrafficLocal = spec.externalTrafficPolicy === 'Local';
  const intTrafficLocal = spec.internalTrafficPolicy === 'Local';
  const sessionAffinity = spec.sessionAffinity === 'ClientIP';
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  const service: ServiceModel = {
    name,
    namespace: svc.metadata.namespace ?? 'default',
    extTrafficLocal,
    intTrafficLocal,
    sessionAffinity,
    sessionAffinityTimeoutSec: sessionAffinity ? (timeout ? timeout : DEFAULT_AFFINITY_SECONDS) : 0,
    sourceRanges,
    sourceRangesDeny: ann[ANN_SRC_RANGES_POLICY] === 'deny',
    forwardingMode,
    lbAlgorithm,
    healthCheckNodePort: spec.healthCheckNodePort ?? 0,
    proxyDelegation: ann[ANN_PROXY_DELEGATION] === 'delegate-if-local',
    loopbackHostPort: false,
  };

  const frontends: FrontendParams[] = [];
  if (isHeadless(svc)) return { service, frontends, problems };

  // Two scopes only when exactly one of the traffic policies is Local (cilium convertService).
  const scopes = extTrafficLocal !== intTrafficLocal ? [SCOPE_EXTERNAL, SCOPE_INTERNAL] : [SCOPE_EXTERNAL];
  const ports = spec.ports ?? [];
  const push = (type: SvcType, addr: AddrKey, port: number, protoText: string | undefined, scope: number, portName: string, servicePort: number) => {
    const proto = protoNumber(protoText);
    if (proto === undefined) {
      problems.push(`Ignoring port ${portName || port}: unsupported protocol "${protoText}"`);
      return;
    }
    frontends.push({ address: { addr, port, proto, scope }, type, portName, servicePort });
  };

  if (canExpose('ClusterIP')) {
    const ips = spec.clusterIPs?.length ? [...spec.clusterIPs].sort() : spec.clusterIP ? [spec.clusterIP] : [];
    for (const ip of ips) {
      const a = parseAddrKey(ip);
      if (a === undefined || !familyEnabled(cfg, a)) continue;
      for (const p of ports) push('ClusterIP', a, p.port, p.protocol, SCOPE_EXTERNAL, p.name ?? '', p.port);
    }
  }

  if (cfg.kubeProxyReplacement && (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && canExpose('NodePort')) {
    for (const scope of scopes) {
      for (const fam of ipFamilies(svc)) {
        if ((fam === 4 && !cfg.enableIPv4) || (fam === 6 && !cfg.enableIPv6)) continue;
        for (const p of ports) {
          if (!p.nodePort) continue;
          push('NodePort', fam === 4 ? 0 : 0n, p.nodePort, p.protocol, scope, p.name ?? '', p.port);
        }
      }
    }
  }

  if (spec.type === 'LoadBalancer' && canExpose('LoadBalancer')) {
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      // KEP-1860: only VIP-mode ingress IPs are served by the node.
      if (!ing.ip || (ing.ipMode !== undefined && ing.ipMode !== 'VIP')) continue;
      const a = parseAddrKey(ing.ip);
      if (a === undefined || !familyEnabled(cfg, a)) continue;
      for (const scope of scopes) for (const p of ports) push('LoadBalancer', a, p.port, p.protocol, scope, p.name ?? '', p.port);
    }
  }

  if (cfg.enableExternalIPs) {
    for (const ip of spec.externalIPs ?? []) {
      const a = parseAddrKey(ip);
      if (a === undefined || !familyEnabled(cfg, a)) continue;
      for (const p of ports) push('ExternalIPs', a, p.port, p.protocol, SCOPE_EXTERNAL, p.name ?? '', p.port);
    }
  }
  return { service, frontends, problems };
}

const NO_NAMES: readonly string[] = [];

/** Conditions per EndpointSlice v1: ready unset = true, serving unset = ready, terminating unset = false. */
function endpointState(c: { ready?: boolean; serving?: boolean; terminating?: boolean } | undefined): BackendStateFlag | undefined {
  const ready = c?.ready ?? true;
  const serving = c?.serving ?? ready;
  const terminating = c?.terminating ?? false;
  if (ready) return BACKEND_ACTIVE;
  // KEP-1669: terminating but serving endpoints stay, for existing connections and as a fallback.
  if (terminating && serving) return BACKEND_TERMINATING;
  return undefined;
}

/** The EndpointSlices of one service merged into backends (one per address, port and protocol). */
export function convertEndpointSlices(slices: readonly EndpointSlice[], cfg: LBConfig): BackendParams[] {
  const byKey = new AddrPortTable<BackendParams>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const ep of slice.endpoints ?? []) {
      const state = endpointState(ep.conditions);
      if (state === undefined) continue;
      for (const ip of ep.addresses ?? []) {
        const addr = parseAddrKey(ip);
        if (addr === undefined || !familyEnabled(cfg, addr)) continue;
        for (const port of slice.ports ?? []) {
          if (port.port === undefined || port.port === null) continue;
          const proto = protoNumber(port.protocol);
          if (proto === undefined) continue;
          const old = byKey.get(addr, port.port, proto);
          // cilium convertEndpoints drops the unnamed port: a backend without names serves every frontend port name.
          let portNames = old ? old.portNames : NO_NAMES;
          if (port.name && !portNames.includes(port.name)) portNames = [...portNames, port.name];
          byKey.set(addr, port.port, proto, {
            address: { addr, port: port.port, proto, scope: SCOPE_EXTERNAL },
            nodeName: ep.nodeName ?? old?.nodeName ?? '',
            portNames,
            weight: DEFAULT_BACKEND_WEIGHT,
            state: old && old.state < state ? old.state : state,
          });
        }
      }
    }
  }
  return byKey.values();
}

export interface HostPortService {
  service: ServiceModel;
  frontends: FrontendParams[];
  backends: BackendParams[];
}

/** Frontends for the hostPorts of a running pod on this node (cilium reflectors hostport). */
export function convertPodHostPorts(pod: Pod, cfg: LBConfig): HostPortService[] {
  // A pod being deleted (grace period running) no longer takes new hostPort connections.
  if (!cfg.enableHostPort || pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return [];
  const podIPs: AddrKey[] = [];
  for (const p of pod.status?.podIPs ?? (pod.status?.podIP ? [{ ip: pod.status.podIP }] : [])) {
    const a = parseAddrKey(p.ip ?? '');
    if (a !== undefined && familyEnabled(cfg, a)) podIPs.push(a);
  }
  if (podIPs.length === 0) return [];
  const out: HostPortService[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const cp of c.ports ?? []) {
      if (!cp.hostPort) continue;
      const proto = protoNumber(cp.protocol);
      if (proto === undefined) continue;
      const ns = pod.metadata.namespace ?? 'default';
      let loopback = false;
      const frontendAddrs: AddrKey[] = [];
      const hostIP = cp.hostIP ? parseAddrKey(cp.hostIP) : undefined;
      if (hostIP !== undefined && !isUnspecified(hostIP)) {
        // A loopback hostIP is served by the 0.0.0.0 surrogate flagged as loopback.
        loopback = typeof hostIP === 'number' ? hostIP >>> 24 === 127 : hostIP === 1n;
        frontendAddrs.push(loopback ? (typeof hostIP === 'number' ? 0 : 0n) : hostIP);
      } else {
        for (const fam of new Set(podIPs.map((a) => typeof a))) frontendAddrs.push(fam === 'number' ? 0 : 0n);
      }
      const service: ServiceModel = {
        name: `${ns}/${pod.metadata.name ?? ''}:host-port:${cp.hostPort}`,
        namespace: ns,
        extTrafficLocal: false,
        intTrafficLocal: false,
        sessionAffinity: false,
        sessionAffinityTimeoutSec: 0,
        sourceRanges: [],
        sourceRangesDeny: false,
        healthCheckNodePort: 0,
        proxyDelegation: false,
        loopbackHostPort: loopback,
      };
      out.push({
        service,
        frontends: frontendAddrs.map((addr) => ({
          address: { addr, port: cp.hostPort!, proto, scope: SCOPE_EXTERNAL },
          type: 'HostPort' as const,
          portName: cp.name ?? '',
          servicePort: cp.hostPort!,
        })),
        backends: podIPs.map((addr) => ({
          address: { addr, port: cp.containerPort, proto, scope: SCOPE_EXTERNAL },
          nodeName: pod.spec?.nodeName ?? '',
          portNames: [],
          weight: DEFAULT_BACKEND_WEIGHT,
          state: BACKEND_ACTIVE,
        })),
      });
    }
  }
  return out;
}

/**
 * cilium writer.DefaultSelectBackends + shouldUseLocalBackends: the backends of a service that
 * serve one frontend (same protocol and family, matching port name, local-only per traffic policy).
 */
export function backendsForFrontend(
  fe: FrontendParams,
  svc: ServiceModel,
  backends: readonly BackendParams[],
  nodeName: string,
): readonly BackendParams[] {
  let onlyLocal: boolean;
  if (fe.type === 'ClusterIP') onlyLocal = svc.intTrafficLocal;
  else if (fe.type === 'LocalRedirect') onlyLocal = true;
  else onlyLocal = fe.address.scope === SCOPE_EXTERNAL ? svc.extTrafficLocal : svc.intTrafficLocal;
  const feFamily = typeof fe.address.addr;
  const serves = (be: BackendParams) =>
    be.address.proto === fe.address.proto &&
    typeof be.address.addr === feFamily &&
    (fe.portName === '' || be.portNames.length === 0 || be.portNames.includes(fe.portName)) &&
    (!onlyLocal || be.nodeName === '' || be.nodeName === nodeName);
  // Usually every backend serves the frontend: the list is shared rather than copied.
  return backends.every(serves) ? backends : backends.filter(serves);
}
