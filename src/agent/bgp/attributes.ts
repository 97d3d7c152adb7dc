// Path attributes a CiliumBGPAdvertisement asks for (spec.advertisements[].attributes): standard,
// well-known and large communities and the local preference, parsed and merged as Cilium 1.18 does
// (pkg/bgpv1/manager/reconcilerv2/peer_advertisements.go, pkg/bgpv1/gobgp/routermgr.go).

import type { BGPAdvertisement } from '../../k8s/types.ts';

/** Well-known community names of the CRD enum and their values (RFC 1997, RFC 7999, RFC 8326, RFC 8642...). */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  internet: 0x00000000,
  'planned-shut': 0xffff0000,
  'accept-own': 0xffff0001,
  'route-filter-translated-v4': 0xffff0002,
  'route-filter-v4': 0xffff0003,
  'route-filter-translated-v6': 0xffff0004,
  'route-filter-v6': 0xffff0005,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
};

/** One community as written and as sent. */
export interface Community {
  text: string;
  value: number;
}

export interface LargeCommunity {
  text: string;
  value: [number, number, number];
}

/** The attributes one advertisement (or several merged) put on a path. */
export interface PathAttributes {
  communities: Community[];
  largeCommunities: LargeCommunity[];
  localPreference?: number;
}

export const NO_ATTRIBUTES: PathAttributes = { communities: [], largeCommunities: [] };

const U16 = /^(\d{1,5})$/;

function u32(s: string): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

/** `65000:99` or a decimal 0..4294967295 (the CRD pattern); undefined when malformed. */
export function parseStandardCommunity(s: string): number | undefined {
  const parts = s.split(':');
  if (parts.length === 1) return u32(s);
  if (parts.length !== 2 || !parts.every((p) => U16.test(p) && Number(p) <= 0xffff)) return undefined;
  return Number(parts[0]) * 0x10000 + Number(parts[1]);
}

/** `a:b:c`, each 0..4294967295 (RFC 8092). */
export function parseLargeCommunity(s: string): [number, number, number] | undefined {
  const parts = s.split(':');
  if (parts.length !== 3) return undefined;
  const v = parts.map(u32);
  return v.every((x) => x !== undefined) ? (v as [number, number, number]) : undefined;
}

/**
 * The attributes of one advertisement. Standard and well-known communities are one list,
 * de-duplicated by value keeping the first spelling; large ones by text. Malformed entries (the
 * CRD pattern normally rejects them) are reported through `bad` and skipped.
 */
export function advertisementAttributes(a: BGPAdvertisement, bad: (what: string) => void): PathAttributes {
  const out: PathAttributes = { communities: [], largeCommunities: [] };
  const c = a.attributes?.communities;
  const seen = new Set<number>();
  const add = (text: string, value: number | undefined) => {
    if (value === undefined) return bad(`community ${JSON.stringify(text)}`);
    if (seen.has(value)) return;
    seen.add(value);
    out.communities.push({ text, value });
  };
  for (const s of c?.standard ?? []) add(s, parseStandardCommunity(s));
  for (const s of c?.wellKnown ?? []) add(s, WELL_KNOWN_COMMUNITIES[s]);
  const seenLarge = new Set<string>();
  for (const s of c?.large ?? []) {
    const v = parseLargeCommunity(s);
    if (!v) {
      bad(`large community ${JSON.stringify(s)}`);
      continue;
    }
    if (seenLarge.has(s)) continue;
    seenLarge.add(s);
    out.largeCommunities.push({ text: s, value: v });
  }
  if (a.attributes?.localPreference !== undefined) out.localPreference = a.attributes.localPreference;
  return out;
}

/**
 * Several advertisements selecting the same route for the same peer and family (Cilium 1.18):
 * communities are unioned (sorted by value, de-duplicated) and the highest local preference wins.
 */
export function mergeAttributes(list: readonly PathAttributes[]): PathAttributes {
  if (list.length === 1) return list[0]!;
  const comms = new Map<number, Community>();
  const large = new Map<string, LargeCommunity>();
  let lp: number | undefined;
  for (const a of list) {
    for (const c of a.communities) if (!comms.has(c.value)) comms.set(c.value, c);
    for (const l of a.largeCommunities) if (!large.has(l.text)) large.set(l.text, l);
    if (a.localPreference !== undefined && (lp === undefined || a.localPreference > lp)) lp = a.localPreference;
  }
  const out: PathAttributes = {
    communities: [...comms.values()].sort((x, y) => x.value - y.value),
    largeCommunities: [...large.values()].sort((x, y) => x.value[0] - y.value[0] || x.value[1] - y.value[1] || x.value[2] - y.value[2]),
  };
  if (lp !== undefined) out.localPreference = lp;
  return out;
}
