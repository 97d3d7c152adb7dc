// Service advertisements (reconcilerv2/service.go): LoadBalancer ingress IPs, ClusterIPs and
// ExternalIPs of the services an advertisement's selector picks, per peer family, with
// externalTrafficPolicy=Local (LB and external IPs) and internalTrafficPolicy=Local (ClusterIPs)
// advertised only from nodes with a local endpoint, and 1.18's aggregation lengths.

import { type Cidr, formatCIDR } from '../../../netaddr/cidr.ts';
import { parseIP } from '../../../netaddr/ip.ts';
import type { BGPServiceAddressType, EndpointSlice, Service } from '../../../k8s/types.ts';
import { type OwnerRoutes, type PeerAdverts, type SelectedAdvert, buildOwnerRoutes, comparePrefixes, NO_ROUTES } from './adverts.ts';

/** Cilium's loadBalancerClass for BGP (an unset class also qualifies). */
export const BGP_LB_CLASS = 'io.cilium/bgp-control-plane';

const ADDRESS_TYPES: readonly BGPServiceAddressType[] = ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'];

/** The labels an advertisement's service selector sees: the service's own plus its name and namespace. */
export function serviceSelectorLabels(svc: Service): Record<string, string> {
  return { ...(svc.metadata.labels ?? {}), 'io.kubernetes.service.name': svc.metadata.name!, 'io.kubernetes.service.namespace': svc.metadata.namespace ?? 'default' };
}

/** Whether a slice has an endpoint on `node` that may receive traffic: ready (or serving) and not terminating. */
export function hasLocalEndpoint(slice: EndpointSlice, node: string): boolean {
  for (const e of slice.endpoints ?? []) {
    if (e.nodeName !== node) continue;
    const c = e.conditions;
    if (c?.terminating === true) continue;
    // not-ready endpoints count only while still serving
    if (c?.ready === false && c.serving !== true) continue;
    return true;
  }
  return false;
}

function hostPrefix(ip: string): string | undefined {
  const a = parseIP(ip);
  return a ? formatCIDR({ family: a.family, addr: a.value, prefixLen: a.family === 4 ? 32 : 128 }) : undefined;
}

/** The address /32 (/128) or, with an aggregation length, the covering prefix of that length. */
function aggregated(ip: string, lenV4: number | undefined, lenV6: number | undefined): string | undefined {
  const a = parseIP(ip);
  if (!a) return undefined;
  const bits = a.family === 4 ? 32 : 128;
  const len = a.family === 4 ? lenV4 : lenV6;
  if (len === undefined || len < 0 || len >= bits) return hostPrefix(ip);
  const shift = BigInt(bits - len);
  const c: Cidr = { family: a.family, addr: (a.value >> shift) << shift, prefixLen: len };
  return formatCIDR(c);
}

export function serviceAddresses(svc: Service, type: BGPServiceAddressType): string[] {
  const spec = svc.spec ?? {};
  switch (type) {
    case 'LoadBalancerIP': {
      if (spec.type !== 'LoadBalancer') return [];
      if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== BGP_LB_CLASS) return [];
      return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
    }
    case 'ExternalIP':
      return [...(spec.externalIPs ?? [])];
    case 'ClusterIP': {
      const ips = new Set<string>();
      for (const ip of [spec.clusterIP, ...(spec.clusterIPs ?? [])]) if (ip && ip !== 'None') ips.add(ip);
      return [...ips];
    }
  }
}

/**
 * The routes of one service. `localEndpoint` says whether this node has a usable endpoint of it
 * (consulted only for traffic policies Local).
 */
export function serviceRoutes(peers: readonly PeerAdverts[], svc: Service, localEndpoint: () => boolean): OwnerRoutes[] {
  const etpLocal = svc.spec?.externalTrafficPolicy === 'Local';
  const itpLocal = svc.spec?.internalTrafficPolicy === 'Local';
  let local: boolean | undefined;
  const hasLocal = () => (local ??= localEndpoint());
  let labels: Record<string, string> | undefined;
  const wanted = advertisedTypes(peers);
  const out: OwnerRoutes[] = [];
  for (const type of ADDRESS_TYPES) {
    if (!wanted.has(type)) continue;
    const gated = type === 'ClusterIP' ? itpLocal : etpLocal;
    // under a Local traffic policy a node without a local endpoint advertises nothing of that type
    if (gated && !hasLocal()) continue;
    labels ??= serviceSelectorLabels(svc);
    const select = (a: SelectedAdvert) =>
      a.advert.advertisementType === 'Service' &&
      (a.advert.service?.addresses ?? []).includes(type) &&
      // a nil selector selects no service
      a.selects(labels);
    const prefixes = (a: SelectedAdvert) => {
      const svcSpec = a.advert.service;
      // aggregation does not apply to addresses under a Local traffic policy
      const addrs = serviceAddresses(svc, type);
      return addrs.map((ip) => (gated ? hostPrefix(ip) : aggregated(ip, svcSpec?.aggregationLengthIPv4, svcSpec?.aggregationLengthIPv6))).filter((p): p is string => p !== undefined);
    };
    const r = buildOwnerRoutes(peers, { kind: 'Service', name: svc.metadata.name!, namespace: svc.metadata.namespace ?? 'default', address: type }, select, prefixes);
    if (r.policies.length > 0 || r.prefixes.length > 0) out.push(r);
  }
  return out;
}

const typesOf = new WeakMap<readonly PeerAdverts[], Set<BGPServiceAddressType>>();

/** The address types some peer's Service advertisement asks for (computed once per advertisement set). */
function advertisedTypes(peers: readonly PeerAdverts[]): Set<BGPServiceAddressType> {
  let t = typesOf.get(peers);
  if (!t) {
    t = new Set();
    for (const p of peers) for (const f of p.families) for (const a of f.adverts) if (a.advert.advertisementType === 'Service') for (const x of a.advert.service?.addresses ?? []) t.add(x);
    typesOf.set(peers, t);
  }
  return t;
}

/** All of a service's routes as one owner (what the instance tracks per service). */
export function serviceOwnerRoutes(peers: readonly PeerAdverts[], svc: Service, localEndpoint: () => boolean): OwnerRoutes {
  const parts = serviceRoutes(peers, svc, localEndpoint);
  if (parts.length === 0) return NO_ROUTES;
  if (parts.length === 1) return parts[0]!;
  return { prefixes: [...new Set(parts.flatMap((p) => p.prefixes))].sort(comparePrefixes), policies: parts.flatMap((p) => p.policies) };
}

/** Whether the route set of a service can depend on endpoints (a Local traffic policy). */
export function endpointSensitive(svc: Service): boolean {
  return svc.spec?.externalTrafficPolicy === 'Local' || svc.spec?.internalTrafficPolicy === 'Local';
}

