// What the agent answers about its BGP state (cilium-dbg's `bgp peers|routes|route-policies` API),
// in the shapes of src/model/bgp.ts the CLI formats. Path attributes are structured (the CLI
// prints them the way GoBGP's String() does).

import { adjRibOut, locRib, peerStatus } from '../../bgp/views.ts';
import type { PathAttrs } from '../../bgp/wire/attributes.ts';
import type { FamilyKey } from '../../bgp/wire/constants.ts';
import type { SessionState } from '../../bgp/fsm/session.ts';
import { ipv6FromBytes } from '../../bgp/wire/prefix.ts';
import { formatIP, formatIPv4Number } from '../../netaddr/ip.ts';
import type { BgpPath, BgpPathAttr, BgpPeer, BgpRoute, BgpRoutePolicy, BgpRoutePolicyStatement } from '../../model/bgp.ts';
import type { BGPInstance } from './instance.ts';
import type { Afi } from './policy.ts';

export const SESSION_STATE: Record<SessionState, string> = {
  Idle: 'idle',
  Connect: 'connect',
  Active: 'active',
  OpenSent: 'open_sent',
  OpenConfirm: 'open_confirm',
  Established: 'established',
};

const AFI: Record<FamilyKey, Afi> = { 'ipv4-unicast': 'ipv4', 'ipv6-unicast': 'ipv6' };

export function familyKeyOf(afi: string, safi: string): FamilyKey | undefined {
  if (safi !== 'unicast') return undefined;
  return afi === 'ipv4' ? 'ipv4-unicast' : afi === 'ipv6' ? 'ipv6-unicast' : undefined;
}

export function peerModels(inst: BGPInstance, now: number): BgpPeer[] {
  const out: BgpPeer[] = [];
  for (const p of inst.runningPeers()) {
    const s = peerStatus(inst.speaker, p.address);
    if (!s) continue;
    const up = s.state === 'Established';
    const adv = inst.advertisedCount(p.address);
    const grEor = p.gracefulRestart.enabled ? 1 : 0;
    out.push({
      localAsn: inst.config.asn,
      peerAsn: s.peerAs,
      peerAddress: p.address,
      peerPort: p.port,
      sessionState: SESSION_STATE[s.state],
      uptimeMs: up ? now - s.stateSince : 0,
      appliedHoldTimeSeconds: up ? s.holdTime : 0,
      appliedKeepAliveTimeSeconds: up ? s.keepalive : 0,
      families: p.families.map((f) => {
        const counts = s.families.find((c) => c.family === f.key);
        return {
          afi: f.afi,
          safi: 'unicast',
          received: counts?.received ?? 0,
          accepted: counts?.accepted ?? 0,
          // GoBGP v3.37's ListPeer counts what export policy lets through from the Loc-RIB, plus the
          // End-of-RIB marker for graceful-restart peers, whatever the session state (cilium#39861)
          advertised: adv[f.afi === 'ipv4' ? 4 : 6] + grEor,
        };
      }),
    });
  }
  return out.sort((a, b) => a.localAsn - b.localAsn || compareAddr(a.peerAddress, b.peerAddress));
}

function compareAddr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function v6(bytes: Uint8Array | undefined): string {
  return formatIP({ family: 6, value: bytes ? ipv6FromBytes(bytes) : 0n });
}

/** The attributes of a path in GoBGP's order (by type code), with the next hop as NEXT_HOP or MP_REACH. */
export function attrModels(family: FamilyKey, prefix: string, a: PathAttrs): BgpPathAttr[] {
  const out: BgpPathAttr[] = [];
  if (a.origin >= 0) out.push({ type: 'origin', value: a.origin });
  if (a.asPath.length > 0) out.push({ type: 'asPath', segments: a.asPath.map((s) => ({ type: s.type, asns: [...s.asns] })) });
  const mp = family === 'ipv6-unicast' || (a.nextHop < 0 && a.nextHop6 !== undefined);
  if (!mp) out.push({ type: 'nextHop', value: formatIPv4Number(a.nextHop < 0 ? 0 : a.nextHop) });
  if (a.med >= 0) out.push({ type: 'med', value: a.med });
  if (a.localPref >= 0) out.push({ type: 'localPref', value: a.localPref });
  if (a.communities && a.communities.length > 0) out.push({ type: 'communities', values: [...a.communities] });
  if (mp) out.push({ type: 'mpReach', family, nextHop: v6(a.nextHop6), nlri: [prefix] });
  if (a.largeCommunities && a.largeCommunities.length > 0) {
    const l = a.largeCommunities;
    const triples: [number, number, number][] = [];
    for (let i = 0; i + 2 < l.length; i += 3) triples.push([l[i]!, l[i + 1]!, l[i + 2]!]);
    out.push({ type: 'largeCommunities', values: triples });
  }
  return out;
}

function nextHopOf(attrs: BgpPathAttr[]): string {
  for (const a of attrs) {
    if (a.type === 'nextHop') return a.value;
    if (a.type === 'mpReach') return a.nextHop;
  }
  return '0.0.0.0';
}

/** `available`: the instance's Loc-RIB (only local routes: nothing learnt is accepted). */
export function availableRoutes(inst: BGPInstance, family: FamilyKey, now: number): BgpRoute[] {
  const out: BgpRoute[] = [];
  for (const r of locRib(inst.speaker, family)) {
    const paths: BgpPath[] = [];
    for (const p of r.paths) {
      if (!p.accepted) continue;
      const attrs = attrModels(family, r.prefix, p.attrs);
      paths.push({ family: { afi: AFI[family], safi: 'unicast' }, prefix: r.prefix, nextHop: nextHopOf(attrs), ageMs: now - p.since, best: p.best, attrs });
    }
    if (paths.length > 0) out.push({ routerAsn: inst.config.asn, prefix: r.prefix, paths });
  }
  return out;
}

/** `advertised`: what each (or the given) peer was sent, attributes as sent. */
export function advertisedRoutes(inst: BGPInstance, family: FamilyKey, now: number, peer?: string): BgpRoute[] {
  const out: BgpRoute[] = [];
  const since = new Map<string, number>();
  for (const r of locRib(inst.speaker, family)) for (const p of r.paths) if (p.best) since.set(r.prefix, p.since);
  for (const p of inst.runningPeers()) {
    if (peer !== undefined && p.address !== peer) continue;
    for (const a of adjRibOut(inst.speaker, p.address, family)) {
      const attrs = attrModels(family, a.prefix, a.attrs);
      out.push({
        routerAsn: inst.config.asn,
        neighbor: p.address,
        prefix: a.prefix,
        paths: [{ family: { afi: AFI[family], safi: 'unicast' }, prefix: a.prefix, nextHop: nextHopOf(attrs), ageMs: now - (since.get(a.prefix) ?? now), best: true, attrs }],
      });
    }
  }
  return out;
}

export function routePolicyModels(inst: BGPInstance): BgpRoutePolicy[] {
  return inst.routePolicies().map((p) => ({
    routerAsn: inst.config.asn,
    name: p.name,
    type: p.type,
    statements: p.statements.map((s) => {
      const m: BgpRoutePolicyStatement = {
        neighbors: [...s.neighbors],
        families: s.families.map((f) => ({ ...f })),
        prefixes: s.prefixes.map((x) => ({ ...x })),
        action: s.action,
        communities: s.attrs.communities.map((c) => c.text),
        largeCommunities: s.attrs.largeCommunities.map((c) => c.text),
      };
      if (s.attrs.localPreference !== undefined) m.localPreference = s.attrs.localPreference;
      return m;
    }),
  }));
}
