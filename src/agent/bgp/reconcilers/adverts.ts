// Which advertisements each peer gets (reconcilerv2/peer_advertisements.go): per peer and address
// family, the CiliumBGPAdvertisements whose labels the peer config's `families[].advertisements`
// selector matches (no selector: none), flattened to their entries with parsed attributes.
// The per-object reconcilers (PodCIDR, services, pod IP pools) turn them into routes and policies.

import { formatCIDR, parseCIDR } from '../../../netaddr/cidr.ts';
import { type Labels, fromLabelSelector, labelSelectorMatches, matches } from '../../../k8s/selectors.ts';
import type { BGPAdvertisement, BGPAdvertisementType, CiliumBGPAdvertisement } from '../../../k8s/types.ts';
import { type PathAttributes, advertisementAttributes, mergeAttributes } from '../attributes.ts';
import type { DesiredPeer } from '../desired.ts';
import { type AdvertisedObject, type Afi, type RoutePolicy, type RoutePolicyStatement, neighborPrefix, policyName } from '../policy.ts';

export interface SelectedAdvert {
  /** The CiliumBGPAdvertisement it comes from. */
  source: string;
  advert: BGPAdvertisement;
  attrs: PathAttributes;
  /** The entry's `selector` (services, pools), compiled once: nil selects nothing, {} everything. */
  selects: (labels: Labels) => boolean;
}

export interface PeerFamilyAdverts {
  afi: Afi;
  adverts: SelectedAdvert[];
}

export interface PeerAdverts {
  peer: DesiredPeer;
  families: PeerFamilyAdverts[];
}

/** The advertisements of every peer of an instance; `bad` hears about malformed attribute values. */
export function selectAdverts(peers: readonly DesiredPeer[], adverts: readonly CiliumBGPAdvertisement[], bad: (source: string, what: string) => void): PeerAdverts[] {
  const parsed = new Map<CiliumBGPAdvertisement, SelectedAdvert[]>();
  const entries = (a: CiliumBGPAdvertisement) => {
    let out = parsed.get(a);
    if (!out) {
      const source = a.metadata.name!;
      out = (a.spec?.advertisements ?? []).map((advert) => ({
        source,
        advert,
        attrs: advertisementAttributes(advert, (what) => bad(source, what)),
        selects: compileSelector(advert, (what) => bad(source, what)),
      }));
      parsed.set(a, out);
    }
    return out;
  };
  return peers.map((peer) => ({
    peer,
    families: peer.families.map((f) => ({
      afi: f.afi,
      // a nil advertisements selector advertises nothing (Surprise 8)
      adverts: f.advertisements === undefined ? [] : adverts.filter((a) => labelSelectorMatches(f.advertisements, a.metadata.labels, false)).flatMap(entries),
    })),
  }));
}

function compileSelector(a: BGPAdvertisement, bad: (what: string) => void): (labels: Labels) => boolean {
  try {
    const sel = fromLabelSelector(a.selector);
    return sel === 'nothing' ? () => false : (labels) => matches(sel, labels);
  } catch (err) {
    bad(`selector (${(err as Error).message})`);
    return () => false;
  }
}

/** True when some peer family selects an advertisement of this type (the reconciler has work). */
export function anyAdvertOfType(peers: readonly PeerAdverts[], type: BGPAdvertisementType): boolean {
  return peers.some((p) => p.families.some((f) => f.adverts.some((a) => a.advert.advertisementType === type)));
}

/** Routes and policies one advertised object (a PodCIDR set, a service, a pool) contributes. */
export interface OwnerRoutes {
  /** Canonical prefixes to originate. */
  prefixes: string[];
  /** Export policies, with the peer each is for. */
  policies: { peer: string; policy: RoutePolicy }[];
}

export const NO_ROUTES: OwnerRoutes = { prefixes: [], policies: [] };

export function afiOf(prefix: string): Afi | undefined {
  const c = parseCIDR(prefix);
  return c ? (c.family === 4 ? 'ipv4' : 'ipv6') : undefined;
}

export function canonicalPrefix(prefix: string): string | undefined {
  const c = parseCIDR(prefix);
  return c ? formatCIDR(c) : undefined;
}

/**
 * Builds the routes of one object for every peer family: `prefixesFor` gives, per selected
 * advertisement, the prefixes it wants (any family; those of another family are dropped). Prefixes
 * wanted by several advertisements get their attributes merged.
 */
export function buildOwnerRoutes(
  peers: readonly PeerAdverts[],
  object: AdvertisedObject,
  select: (a: SelectedAdvert) => boolean,
  prefixesFor: (a: SelectedAdvert) => readonly string[],
): OwnerRoutes {
  const all = new Set<string>();
  const policies: OwnerRoutes['policies'] = [];
  for (const { peer, families } of peers) {
    for (const fam of families) {
      const wanted = new Map<string, PathAttributes[]>();
      for (const a of fam.adverts) {
        if (!select(a)) continue;
        for (const p of prefixesFor(a)) {
          if (afiOf(p) !== fam.afi) continue;
          let l = wanted.get(p);
          if (!l) wanted.set(p, (l = []));
          l.push(a.attrs);
        }
      }
      if (wanted.size === 0) continue;
      // one statement per distinct attribute set, prefixes in address order
      const groups = new Map<string, { attrs: PathAttributes; prefixes: string[] }>();
      for (const [p, list] of wanted) {
        all.add(p);
        const attrs = mergeAttributes(list);
        const key = JSON.stringify(attrs);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { attrs, prefixes: [] }));
        g.prefixes.push(p);
      }
      const statements: RoutePolicyStatement[] = [...groups.values()].map((g) => ({
        neighbors: [neighborPrefix(peer.address)],
        families: [],
        prefixes: g.prefixes.sort(comparePrefixes).map((cidr) => {
          const len = Number(cidr.slice(cidr.indexOf('/') + 1));
          return { cidr, min: len, max: len };
        }),
        action: 'accept',
        attrs: g.attrs,
      }));
      policies.push({ peer: peer.name, policy: { name: policyName(peer.name, fam.afi, object), type: 'export', statements } });
    }
  }
  return { prefixes: [...all].sort(comparePrefixes), policies };
}

export function comparePrefixes(a: string, b: string): number {
  const x = parseCIDR(a);
  const y = parseCIDR(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.family !== y.family) return x.family - y.family;
  return x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.prefixLen - y.prefixLen;
}
