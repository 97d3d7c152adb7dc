import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type IPRange, rangesOverlap } from '../../netaddr/cidr.ts';
import { type ConflictPool, settleConflicts } from './conflicts.ts';

type Pool = ConflictPool<IPRange> & { conflicting: boolean; ranges: IPRange[] };

const r = (from: number, to: number): IPRange => ({ family: 4, from: BigInt(from), to: BigInt(to) });
const pool = (name: string, createdMs: number, seq: number, ranges: IPRange[], conflicting = false): Pool => ({ name, createdMs, seq, ranges, conflicting });

function apply(pools: Pool[]): string[] {
  const out: string[] = [];
  for (const d of settleConflicts<IPRange, Pool>(pools)) {
    if ('mark' in d) {
      d.mark.conflicting = true;
      out.push(`${d.mark.name}<${d.other.name}`);
    } else {
      d.unmark.conflicting = false;
      out.push(`${d.unmark.name} ok`);
    }
  }
  return out;
}

describe('pool conflicts', () => {
  it('marks the newer pool and names the older one', () => {
    assert.deepEqual(apply([pool('a', 0, 0, [r(0, 255)]), pool('b', 1, 1, [r(128, 255)])]), ['b<a']);
    assert.deepEqual(apply([pool('b', 1, 0, [r(128, 255)]), pool('a', 0, 1, [r(0, 255)])]), ['b<a']);
  });

  it('an older pool keeps checking after marking one, so both its newer neighbours lose', () => {
    const pools = [pool('old', 0, 0, [r(0, 9), r(20, 29)]), pool('b', 1, 1, [r(5, 5)]), pool('c', 2, 2, [r(25, 25)])];
    assert.deepEqual(apply(pools), ['b<old', 'c<old']);
  });

  it('un-marks a pool once it overlaps nothing, not while it overlaps another marked pool', () => {
    const b = pool('b', 1, 1, [r(5, 5)], true);
    const c = pool('c', 2, 2, [r(5, 5)], true);
    assert.deepEqual(apply([pool('a', 0, 0, [r(100, 200)]), b, c]), []);
    c.ranges = [r(50, 50)];
    assert.deepEqual(apply([pool('a', 0, 0, [r(100, 200)]), b, c]), ['b ok', 'c ok']);
  });

  it('never leaves two unmarked pools overlapping', () => {
    const rangeArb = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2 })).map(([a, w]) => r(a, a + w));
    const poolsArb = fc.array(fc.record({ created: fc.integer({ min: 0, max: 2 }), ranges: fc.array(rangeArb, { minLength: 1, maxLength: 3 }), conflicting: fc.boolean() }), {
      maxLength: 8,
    });
    fc.assert(
      fc.property(poolsArb, (specs) => {
        const pools = specs.map((s, i) => pool(`p${i}`, s.created, i, s.ranges, s.conflicting));
        apply(pools);
        const ok = pools.filter((p) => !p.conflicting);
        for (const p of ok) {
          for (const [i, x] of p.ranges.entries()) for (const [j, y] of p.ranges.entries()) assert.ok(i === j || !rangesOverlap(x, y), `${p.name} overlaps itself`);
          for (const q of ok) if (q !== p) for (const x of p.ranges) for (const y of q.ranges) assert.ok(!rangesOverlap(x, y), `${p.name} and ${q.name} both enabled`);
        }
      }),
      { numRuns: 10000 },
    );
  });
});
