// Cilium's route policies (pkg/bgpv1/types RoutePolicy, reconcilerv2/policies.go): one export policy
// per (peer, family, advertised object), each statement "neighbor = the peer, prefix = exactly these
// → accept [+ attributes]", plus the global import policy `allow-local` (only local routes; every
// route learnt from a peer is rejected). `cilium-dbg bgp route-policies` lists these objects.
//
// What the speaker enforces is the same decision compiled per peer (compileExport): one statement
// per distinct attribute set instead of one policy per object, and the largest group matched by
// family alone when it is exactly what remains of the Loc-RIB (which holds only local routes, since
// nothing is imported). The result is what GoBGP's global export assignment with default REJECT
// decides for that peer, evaluated in time independent of the number of services.

import type { Actions, PolicyAssignment, PrefixList, Statement } from '../../bgp/policy/types.ts';
import type { FamilyKey } from '../../bgp/wire/constants.ts';
import { type Cidr, cidrContains, formatCIDR, parseCIDR } from '../../netaddr/cidr.ts';
import { parseIP } from '../../netaddr/ip.ts';
import { NO_ATTRIBUTES, type PathAttributes } from './attributes.ts';

export type Afi = 'ipv4' | 'ipv6';

export interface PrefixMatch {
  cidr: string;
  min: number;
  max: number;
}

export interface RoutePolicyStatement {
  /** Neighbour prefixes (`192.168.10.200/32`); empty matches every peer. */
  neighbors: string[];
  families: { afi: Afi; safi: 'unicast' }[];
  prefixes: PrefixMatch[];
  /** `allow-local` matches locally originated routes only. */
  routeType?: 'local';
  action: 'accept' | 'reject' | 'none';
  attrs: PathAttributes;
}

export interface RoutePolicy {
  name: string;
  type: 'export' | 'import';
  statements: RoutePolicyStatement[];
}

export type AdvertisedObject =
  | { kind: 'PodCIDR' }
  | { kind: 'CiliumPodIPPool'; pool: string }
  | { kind: 'Service'; name: string; namespace: string; address: 'LoadBalancerIP' | 'ClusterIP' | 'ExternalIP' };

/** Policy names: `tor-switch-ipv4-PodCIDR`, `tor-switch-ipv4-Service-webpod-default-LoadBalancerIP` (name before namespace). */
export function policyName(peer: string, afi: Afi, o: AdvertisedObject): string {
  switch (o.kind) {
    case 'PodCIDR':
      return `${peer}-${afi}-PodCIDR`;
    case 'CiliumPodIPPool':
      return `${peer}-${afi}-CiliumPodIPPool-${o.pool}`;
    case 'Service':
      return `${peer}-${afi}-Service-${o.name}-${o.namespace}-${o.address}`;
  }
}

/** The host prefix of a peer address, as Cilium's neighbour match writes it. */
export function neighborPrefix(address: string): string {
  return `${address}/${address.includes(':') ? 128 : 32}`;
}

/** An export policy for one peer: exact matches of `prefixes`, IPv4 and IPv6 in separate statements. */
export function exportPolicy(name: string, peerAddress: string, prefixes: readonly string[], attrs: PathAttributes): RoutePolicy | undefined {
  const v4: PrefixMatch[] = [];
  const v6: PrefixMatch[] = [];
  for (const p of prefixes) {
    const c = parseCIDR(p);
    if (!c) continue;
    (c.family === 4 ? v4 : v6).push({ cidr: formatCIDR(c), min: c.prefixLen, max: c.prefixLen });
  }
  const statements: RoutePolicyStatement[] = [];
  for (const list of [v4, v6]) {
    if (list.length === 0) continue;
    statements.push({ neighbors: [neighborPrefix(peerAddress)], families: [], prefixes: list, action: 'accept', attrs });
  }
  return statements.length > 0 ? { name, type: 'export', statements } : undefined;
}

/** The global import policy: accept local routes; default reject drops everything learnt (cilium gobgp/server.go). */
export const ALLOW_LOCAL: RoutePolicy = {
  name: 'allow-local',
  type: 'import',
  statements: [{ neighbors: [], families: [], prefixes: [], routeType: 'local', action: 'accept', attrs: NO_ATTRIBUTES }],
};

/** The speaker's import side of allow-local: no learnt route is ever accepted (nor installed). */
export const REJECT_LEARNT: PolicyAssignment = { policies: [], defaultAction: 'reject' };

export interface CompiledExport {
  assignment: PolicyAssignment;
  /** Equal signatures compile to equal decisions: the speaker needs no soft reset. */
  signature: string;
  /** Prefixes this peer is given, per family. */
  advertised: { 4: number; 6: number };
}

function attrKey(a: PathAttributes): string {
  return `${a.localPreference ?? ''}|${a.communities.map((c) => c.value).join(',')}|${a.largeCommunities.map((l) => l.text).join(',')}`;
}

function actionsOf(a: PathAttributes): Actions {
  const out: Actions = { disposition: 'accept' };
  if (a.localPreference !== undefined) out.setLocalPref = a.localPreference;
  if (a.communities.length > 0) out.addCommunities = a.communities.map((c) => c.value);
  if (a.largeCommunities.length > 0) out.addLargeCommunities = a.largeCommunities.flatMap((l) => l.value);
  return out;
}

function prefixList(name: string, prefixes: Iterable<Cidr>): PrefixList {
  const entries = [...prefixes].map((c) => ({ permit: true, range: { family: c.family, addr: c.addr, len: c.prefixLen, ge: c.prefixLen, le: c.prefixLen } }));
  return { name, entries };
}

const parsed = new Map<string, Cidr | null>();

/** parseCIDR with a cache: compiling walks every statement prefix on each change. */
function cidrOf(text: string): Cidr | undefined {
  let c = parsed.get(text);
  if (c === undefined) {
    if (parsed.size >= 1 << 18) parsed.clear();
    c = parseCIDR(text) ?? null;
    parsed.set(text, c);
  }
  return c ?? undefined;
}

function statementNeighborMatches(s: RoutePolicyStatement, peer: bigint, family: 4 | 6): boolean {
  if (s.neighbors.length === 0) return true;
  for (const n of s.neighbors) {
    const c = cidrOf(n);
    if (c && c.family === family && cidrContains(c, { family, value: peer })) return true;
  }
  return false;
}

/**
 * What GoBGP's global export assignment (these policies in name order, default REJECT) gives
 * `peerAddress`, as one per-peer assignment. `originated` is the Loc-RIB: the prefixes of each
 * family the instance originates.
 */
export function compileExport(peerAddress: string, policies: readonly RoutePolicy[], originated: { 4: ReadonlySet<string>; 6: ReadonlySet<string> }): CompiledExport {
  const ip = parseIP(peerAddress);
  const families: { f: 4 | 6; key: FamilyKey }[] = [
    { f: 4, key: 'ipv4-unicast' },
    { f: 6, key: 'ipv6-unicast' },
  ];
  // first accepting statement wins per prefix, as in GoBGP's evaluation order
  const chosen = { 4: new Map<string, { cidr: Cidr; attrs: PathAttributes }>(), 6: new Map<string, { cidr: Cidr; attrs: PathAttributes }>() };
  if (ip) {
    for (const p of policies) {
      if (p.type !== 'export') continue;
      for (const s of p.statements) {
        if (s.action !== 'accept' || !statementNeighborMatches(s, ip.value, ip.family)) continue;
        for (const m of s.prefixes) {
          const c = cidrOf(m.cidr);
          if (!c || m.min !== c.prefixLen || m.max !== c.prefixLen) continue;
          const key = m.cidr;
          const map = chosen[c.family];
          if (!map.has(key) && originated[c.family].has(key)) map.set(key, { cidr: c, attrs: s.attrs });
        }
      }
    }
  }
  const statements: Statement[] = [];
  const sig: string[] = [];
  for (const { f, key } of families) {
    const mine = chosen[f];
    if (mine.size === 0) continue;
    const groups = new Map<string, { attrs: PathAttributes; cidrs: Cidr[]; keys: string[] }>();
    for (const [k, v] of mine) {
      const g = attrKey(v.attrs);
      let grp = groups.get(g);
      if (!grp) groups.set(g, (grp = { attrs: v.attrs, cidrs: [], keys: [] }));
      grp.cidrs.push(v.cidr);
      grp.keys.push(k);
    }
    const ordered = [...groups.entries()].sort((a, b) => b[1].cidrs.length - a[1].cidrs.length || (a[0] < b[0] ? -1 : 1));
    const [largestKey, largest] = ordered[0]!;
    const rest = [...originated[f]].filter((p) => !mine.has(p));
    const catchAll = rest.length <= largest.cidrs.length;
    for (const [g, grp] of catchAll ? ordered.slice(1) : ordered) {
      statements.push({ name: `${key}-${g}`, conditions: { family: key, prefixList: prefixList(`${key}-${g}`, grp.cidrs) }, actions: actionsOf(grp.attrs) });
      sig.push(`${key}:${g}:${[...grp.keys].sort().join(',')}`);
    }
    if (catchAll) {
      if (rest.length > 0) {
        const cidrs = rest.map((p) => cidrOf(p)!);
        statements.push({ name: `${key}-not-advertised`, conditions: { family: key, prefixList: prefixList(`${key}-not-advertised`, cidrs) }, actions: { disposition: 'reject' } });
        sig.push(`${key}:reject:${[...rest].sort().join(',')}`);
      }
      statements.push({ name: `${key}-${largestKey}`, conditions: { family: key }, actions: actionsOf(largest.attrs) });
      sig.push(`${key}:*:${largestKey}`);
    }
  }
  return {
    assignment: { policies: statements.length > 0 ? [{ name: `export-${peerAddress}`, statements }] : [], defaultAction: 'reject' },
    signature: sig.join('\n'),
    advertised: { 4: chosen[4].size, 6: chosen[6].size },
  };
}
