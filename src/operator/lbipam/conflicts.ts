// Which pools conflict (cilium operator/pkg/lbipam settleConflicts): a pool whose ranges overlap
// each other, or overlap an older non-conflicting pool, is marked; a marked pool that overlaps
// nothing any more is un-marked. Pure: the engine applies the decisions.

import { type IPRange, rangesOverlap } from '../../netaddr/cidr.ts';

export interface ConflictPool<R extends IPRange> {
  readonly name: string;
  readonly createdMs: number;
  /** Order first seen: breaks ties between pools created in the same second. */
  readonly seq: number;
  readonly conflicting: boolean;
  readonly ranges: readonly R[];
}

export type ConflictDecision<P, R> = { mark: P; other: P; range: R; otherRange: R } | { unmark: P };

/**
 * Pools already marked stay marked while they overlap anything (even other marked pools) and are
 * neither checked nor used as the winner. cilia: an older pool keeps checking its other overlaps
 * after marking one (cilium stops at the first), so no two unmarked pools ever overlap.
 */
export function settleConflicts<R extends IPRange, P extends ConflictPool<R>>(pools: readonly P[]): ConflictDecision<P, R>[] {
  const out: ConflictDecision<P, R>[] = [];
  const marked = new Set<P>(pools.filter((p) => p.conflicting));
  const mark = (target: P, other: P, range: R, otherRange: R) => {
    marked.add(target);
    out.push({ mark: target, other, range, otherRange });
  };
  for (const outer of pools) {
    if (marked.has(outer)) continue;
    const internal = internalConflict(outer.ranges);
    if (internal) {
      mark(outer, outer, internal[0], internal[1]);
      continue;
    }
    for (const inner of pools) {
      if (inner === outer || marked.has(inner)) continue;
      const c = crossConflict(outer.ranges, inner.ranges);
      if (!c) continue;
      if (older(outer, inner)) {
        mark(inner, outer, c[1], c[0]);
      } else {
        mark(outer, inner, c[0], c[1]);
        break;
      }
    }
  }
  for (const outer of pools) {
    if (!outer.conflicting || internalConflict(outer.ranges)) continue;
    if (pools.some((inner) => inner !== outer && crossConflict(outer.ranges, inner.ranges))) continue;
    out.push({ unmark: outer });
  }
  return out;
}

function older(a: ConflictPool<IPRange>, b: ConflictPool<IPRange>): boolean {
  return a.createdMs < b.createdMs || (a.createdMs === b.createdMs && a.seq < b.seq);
}

/** The first two ranges of one pool that overlap (cilium areRangesInternallyConflicting). */
function internalConflict<R extends IPRange>(ranges: readonly R[]): [R, R] | undefined {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < ranges.length; j++) {
      if (i !== j && rangesOverlap(ranges[i]!, ranges[j]!)) return [ranges[i]!, ranges[j]!];
    }
  }
  return undefined;
}

function crossConflict<R extends IPRange>(a: readonly R[], b: readonly R[]): [R, R] | undefined {
  for (const x of a) for (const y of b) if (rangesOverlap(x, y)) return [x, y];
  return undefined;
}
