// The agent's view of services, frontends and backends (cilium pkg/loadbalancer Service,
// Frontend, Backend), derived from Kubernetes objects and turned into map entries.

import type { BackendStateFlag, SourceRange, SvcType } from '../../datapath/maps/lb.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';

/** An L3/L4 address with scope, the identity of a frontend or a backend. */
export interface L3n4 {
  readonly addr: AddrKey;
  readonly port: number;
  readonly proto: number;
  readonly scope: number;
}

export function l3n4Key(a: L3n4): string {
  return `${a.addr}|${a.port}|${a.proto}|${a.scope}`;
}

export interface ServiceModel {
  /** `namespace/name`. */
  name: string;
  namespace: string;
  extTrafficLocal: boolean;
  intTrafficLocal: boolean;
  sessionAffinity: boolean;
  sessionAffinityTimeoutSec: number;
  sourceRanges: SourceRange[];
  sourceRangesDeny: boolean;
  /** service.cilium.io/forwarding-mode when bpf-lb-mode-annotation is on and the value is valid. */
  forwardingMode?: 'dsr' | 'snat';
  /** service.cilium.io/lb-algorithm when bpf-lb-algorithm-annotation is on and the value is valid. */
  lbAlgorithm?: 'random' | 'maglev';
  healthCheckNodePort: number;
  /** service.cilium.io/proxy-delegation: delegate-if-local. */
  proxyDelegation: boolean;
  /** HostPort with a loopback hostIP, served through a 0.0.0.0 surrogate. */
  loopbackHostPort: boolean;
}

export interface FrontendParams {
  readonly address: L3n4;
  readonly type: SvcType;
  readonly portName: string;
  readonly servicePort: number;
}

export interface BackendParams {
  readonly address: L3n4;
  readonly nodeName: string;
  readonly portNames: readonly string[];
  readonly weight: number;
  readonly state: BackendStateFlag;
  /** Set by a health checker (cilia's setBackendHealth); an unhealthy backend gets a quarantined slot. */
  readonly unhealthy?: boolean;
}

/** A frontend with its service and selected backends: what the reconciler writes to the maps. */
export interface DesiredFrontend {
  readonly params: FrontendParams;
  readonly service: ServiceModel;
  readonly backends: readonly BackendParams[];
}

/** Something wrong with a service that the agent reports and otherwise ignores. */
export interface ServiceProblem {
  readonly service: string;
  readonly message: string;
}
