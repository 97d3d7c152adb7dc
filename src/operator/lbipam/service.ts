// What LB-IPAM reads from a Service: whether it is responsible for it, the IP families and IPs it
// asks for, its sharing annotations, and whether two services may share one IP.

import type { Service } from '../../k8s/types.ts';
import { type IP, ipEquals, parseIP } from '../../netaddr/ip.ts';

export interface LBIPAMOptions {
  /** `enable-ipv4`. */
  ipv4Enabled: boolean;
  /** `enable-ipv6`. */
  ipv6Enabled: boolean;
  /** `enable-bgp-control-plane`: services of class io.cilium/bgp-control-plane are handled. */
  bgpControlPlaneEnabled: boolean;
  /** `enable-l2-announcements`: services of class io.cilium/l2-announcer are handled. */
  l2AnnouncementsEnabled: boolean;
  /** `default-lb-service-ipam`: services without a loadBalancerClass are handled only when `lbipam`. */
  defaultLBServiceIPAM: string;
  /**
   * `bpf-lb-proto-diff` as the operator sees it: true only when the key is in cilium-config and
   * true (Helm writes it only when loadBalancer.protocolDifferentiation is set).
   */
  protocolDifferentiation: boolean;
}

export const DEFAULT_OPTIONS: LBIPAMOptions = {
  ipv4Enabled: true,
  ipv6Enabled: false,
  bgpControlPlaneEnabled: false,
  l2AnnouncementsEnabled: false,
  defaultLBServiceIPAM: 'lbipam',
  protocolDifferentiation: false,
};

/** Options from cilium-config keys (missing keys take Cilium's defaults). */
export function lbipamOptionsFromConfig(cfg: Readonly<Record<string, string>>): LBIPAMOptions {
  const flag = (key: string, dflt: boolean) => (cfg[key] === undefined ? dflt : cfg[key] === 'true');
  return {
    ipv4Enabled: flag('enable-ipv4', true),
    ipv6Enabled: flag('enable-ipv6', false),
    bgpControlPlaneEnabled: flag('enable-bgp-control-plane', false),
    l2AnnouncementsEnabled: flag('enable-l2-announcements', false),
    defaultLBServiceIPAM: cfg['default-lb-service-ipam'] ?? 'lbipam',
    protocolDifferentiation: flag('bpf-lb-proto-diff', false),
  };
}

const BGP_LB_CLASS = 'io.cilium/bgp-control-plane';
const L2_LB_CLASS = 'io.cilium/l2-announcer';
const SERVICE_NAMESPACE_LABEL = 'io.kubernetes.service.namespace';
const SERVICE_NAME_LABEL = 'io.kubernetes.service.name';

// cilium pkg/annotation: the lbipam.cilium.io keys and their io.cilium aliases.
const ANN_IPS = ['lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips'] as const;
const ANN_SHARING_KEY = ['lbipam.cilium.io/sharing-key', 'io.cilium/lb-ipam-sharing-key'] as const;
const ANN_SHARING_CROSS_NS = [
  'lbipam.cilium.io/sharing-cross-namespace',
  'io.cilium/lb-ipam-sharing-cross-namespace',
] as const;

/** cilium annotation.Get: the primary key is used when present (even empty); only then the alias. */
function annotation(svc: Service, keys: readonly [string, string]): string {
  const ann = svc.metadata.annotations ?? {};
  if (Object.hasOwn(ann, keys[0])) return ann[keys[0]] ?? '';
  return ann[keys[1]] ?? '';
}

/** cilium isResponsibleForSVC. */
export function isResponsible(svc: Service, opts: LBIPAMOptions): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return false;
  const cls = svc.spec.loadBalancerClass;
  if (cls === undefined || cls === null) return opts.defaultLBServiceIPAM === 'lbipam';
  return (cls === BGP_LB_CLASS && opts.bgpControlPlaneEnabled) || (cls === L2_LB_CLASS && opts.l2AnnouncementsEnabled);
}

/** cilium serviceIPFamilyRequest (spec §1.7 table). */
export function requestedFamilies(svc: Service, opts: LBIPAMOptions): { v4: boolean; v6: boolean } {
  const families = svc.spec?.ipFamilies ?? [];
  const policy = svc.spec?.ipFamilyPolicy;
  if (policy === undefined || policy === null || policy === 'SingleStack') {
    if (families.length > 0) return families[0] === 'IPv4' ? { v4: true, v6: false } : { v4: false, v6: true };
    if (opts.ipv4Enabled) return { v4: true, v6: false };
    return { v4: false, v6: opts.ipv6Enabled };
  }
  if (policy === 'PreferDualStack' && families.length > 0) {
    return {
      v4: families.includes('IPv4') && opts.ipv4Enabled,
      v6: families.includes('IPv6') && opts.ipv6Enabled,
    };
  }
  if (policy === 'PreferDualStack' || policy === 'RequireDualStack') return { v4: opts.ipv4Enabled, v6: opts.ipv6Enabled };
  return { v4: false, v6: false };
}

/**
 * cilium getSVCRequestedIPs: spec.loadBalancerIP, then the comma-separated annotation (entries
 * trimmed). Unparsable entries are skipped and reported; adjacent duplicates collapse.
 */
export function requestedIPs(svc: Service): { ips: IP[]; unparsable: string[] } {
  const out = { ips: [] as IP[], unparsable: [] as string[] };
  const lbIP = svc.spec?.loadBalancerIP;
  if (typeof lbIP === 'string' && lbIP !== '') addRequested(out, lbIP);
  const value = annotation(svc, ANN_IPS);
  if (value !== '') for (const part of value.split(',')) addRequested(out, part.trim());
  return out;
}

function addRequested(out: { ips: IP[]; unparsable: string[] }, text: string): void {
  const ip = parseIP(text);
  if (!ip) out.unparsable.push(text);
  else if (out.ips.length === 0 || !ipEquals(out.ips[out.ips.length - 1]!, ip)) out.ips.push(ip);
}

export interface SharingInfo {
  namespace: string;
  sharingKey: string;
  /** Namespaces (or `*`) this service agrees to share with; split on commas, not trimmed. */
  crossNamespace: string[];
  externalTrafficPolicy: string;
  ports: { port: number; protocol: string }[];
  selector: Readonly<Record<string, string>>;
}

export function sharingInfo(svc: Service): SharingInfo {
  const cross = annotation(svc, ANN_SHARING_CROSS_NS);
  return {
    namespace: svc.metadata.namespace ?? '',
    sharingKey: annotation(svc, ANN_SHARING_KEY),
    crossNamespace: cross === '' ? [] : cross.split(','),
    // The apiserver defaults externalTrafficPolicy to Cluster for LoadBalancer services.
    externalTrafficPolicy: svc.spec?.externalTrafficPolicy ?? 'Cluster',
    ports: portsOf(svc),
    selector: svc.spec?.selector ?? {},
  };
}

function portsOf(svc: Service): { port: number; protocol: string }[] {
  const out: { port: number; protocol: string }[] = [];
  for (const p of svc.spec?.ports ?? []) out.push({ port: p.port, protocol: p.protocol ?? 'TCP' });
  return out;
}

/** cilium ServiceView.isCompatible: whether `b` may share an IP held by `a`; the reason when not. */
export function sharingIncompatibility(a: SharingInfo, b: SharingInfo, protocolDifferentiation: boolean): string | undefined {
  if (a.sharingKey !== b.sharingKey) return 'different sharing key';
  if (a.namespace !== b.namespace) {
    const allows = (s: SharingInfo, other: string) => s.crossNamespace.includes(other) || s.crossNamespace.includes('*');
    if (!allows(a, b.namespace) || !allows(b, a.namespace)) return 'different and not permitted namespace';
  }
  for (const p of a.ports) {
    for (const q of b.ports) {
      if (p.port !== q.port) continue;
      if (!protocolDifferentiation) return 'same port';
      if (p.protocol === q.protocol) return 'same port and protocol';
    }
  }
  if (a.externalTrafficPolicy !== b.externalTrafficPolicy) return 'different ExternalTrafficPolicy';
  if (a.externalTrafficPolicy === 'Local') {
    const ka = Object.keys(a.selector);
    const kb = Object.keys(b.selector);
    if (ka.length === 0 || kb.length === 0 || ka.length !== kb.length || ka.some((k) => a.selector[k] !== b.selector[k])) {
      return 'compatible ExternalTrafficPolicy local but selecting different set of pods';
    }
  }
  return undefined;
}

/** The service's labels plus the two special keys, whose real values win over any user label. */
export function selectorLabels(svc: Service): Record<string, string> {
  const out: Record<string, string> = Object.assign({}, svc.metadata.labels);
  out[SERVICE_NAMESPACE_LABEL] = svc.metadata.namespace ?? '';
  out[SERVICE_NAME_LABEL] = svc.metadata.name ?? '';
  return out;
}
