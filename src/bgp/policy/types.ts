// Routing policy model. It covers GoBGP's definitions (what Cilium generates: neighbour sets,
// prefix sets, set-local-pref/communities) and FRR's route-maps over prefix-lists.

import type { FamilyKey } from '../wire/constants.ts';

/** A prefix and the range of lengths it admits: `ge`..`le` (exact match when both equal len). */
export interface PrefixRange {
  family: 4 | 6;
  addr: bigint;
  len: number;
  ge: number;
  le: number;
}

export interface PrefixListEntry {
  permit: boolean;
  range: PrefixRange;
}

/** Ordered entries, first match wins, no match = deny (FRR prefix-list; a GoBGP prefix set is all permits). */
export interface PrefixList {
  name: string;
  entries: PrefixListEntry[];
}

export interface NeighborMatch {
  family: 4 | 6;
  addr: bigint;
  len: number;
}

export interface Conditions {
  prefixList?: PrefixList;
  /** Invert the prefix-list result (GoBGP match-set-options invert). */
  prefixInvert?: boolean;
  neighbors?: NeighborMatch[];
  family?: FamilyKey;
  /** Matches when the route carries any of these communities. */
  anyCommunity?: number[];
  /** Matches when the route carries any of these large communities (flattened triples). */
  anyLargeCommunity?: number[];
  /**
   * FRR standard community-list: entries in order, an entry matches when the route carries all
   * its communities, the first matching entry decides, no match = no.
   */
  communityList?: { permit: boolean; values: number[] }[];
}

export type NextHopAction = { kind: 'self' } | { kind: 'unchanged' } | { kind: 'address'; family: 4 | 6; addr: bigint };

export interface Actions {
  /** accept / reject end evaluation; none applies the actions and goes on. */
  disposition: 'accept' | 'reject' | 'none';
  setLocalPref?: number;
  setMed?: number;
  /** Replaces the communities (FRR `set community X` without additive). */
  setCommunities?: number[];
  addCommunities?: number[];
  removeCommunities?: number[];
  /** Replaces the large communities (FRR `set large-community X` without additive). */
  setLargeCommunities?: number[];
  addLargeCommunities?: number[];
  removeLargeCommunities?: number[];
  setNextHop?: NextHopAction;
  /** Prepends these ASNs, leftmost first (`set as-path prepend A B`; GoBGP's asn × repeat-n). */
  prependAs?: number[];
}

export interface Statement {
  name: string;
  conditions: Conditions;
  actions: Actions;
}

export interface Policy {
  name: string;
  statements: Statement[];
}

/** Policies applied in one direction: evaluated in order, then the default. */
export interface PolicyAssignment {
  policies: Policy[];
  defaultAction: 'accept' | 'reject';
}
