import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RangeAllocator } from './range-allocator.ts';

/** The reference model: a plain array of owners, and the rule "lowest address of the smallest free run". */
class Model {
  readonly slots: (string | undefined)[];
  constructor(readonly size: number) {
    this.slots = new Array<string | undefined>(size).fill(undefined);
  }
  runs(): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.slots[i] !== undefined) continue;
      const from = i;
      while (i + 1 < this.size && this.slots[i + 1] === undefined) i++;
      out.push({ from, to: i });
    }
    return out;
  }
  next(): number | undefined {
    let best: { from: number; to: number } | undefined;
    for (const r of this.runs()) if (!best || r.to - r.from < best.to - best.from) best = r;
    return best?.from;
  }
}

describe('RangeAllocator', () => {
  it('hands out a fresh range sequentially from its first address', () => {
    const a = new RangeAllocator<string>(10n, 14n);
    assert.deepEqual([1, 2, 3, 4, 5].map((i) => a.allocAny(() => `s${i}`)), [10n, 11n, 12n, 13n, 14n]);
    assert.equal(a.allocAny(() => 'full'), undefined);
    assert.equal(a.availableCount, 0n);
    assert.equal(a.allocatedCount, 5);
  });

  it('reuses an isolated freed hole before untouched space', () => {
    const a = new RangeAllocator<string>(0n, 255n);
    for (let i = 0; i < 10; i++) a.allocAny(() => 'x');
    assert.equal(a.free(4n), true);
    assert.equal(a.allocAny(() => 'y'), 4n);
    assert.equal(a.allocAny(() => 'z'), 10n);
  });

  it('merges freed addresses with both neighbours', () => {
    const a = new RangeAllocator<string>(0n, 9n);
    for (let i = 0; i < 10; i++) a.allocAny(() => 'x');
    a.free(3n);
    a.free(5n);
    assert.equal(a.freeBlockCount, 2);
    a.free(4n);
    assert.deepEqual([...a.freeBlocks()], [{ from: 3n, to: 5n }]);
  });

  it('splits a block when a specific address is taken from its middle', () => {
    const a = new RangeAllocator<string>(100n, 199n);
    assert.equal(a.alloc(150n, 'mid'), 'ok');
    assert.deepEqual([...a.freeBlocks()], [
      { from: 100n, to: 149n },
      { from: 151n, to: 199n },
    ]);
    // The left half holds 50 addresses, the right 49: the smaller one is used first.
    assert.equal(a.allocAny(() => 'next'), 151n);
    assert.equal(a.alloc(150n, 'again'), 'in-use');
    assert.equal(a.alloc(99n, 'outside'), 'out-of-range');
    assert.equal(a.get(150n), 'mid');
  });

  it('refuses to free what is not allocated and to update what is not allocated', () => {
    const a = new RangeAllocator<string>(0n, 3n);
    assert.equal(a.free(2n), false);
    assert.equal(a.set(2n, 'x'), false);
    a.alloc(2n, 'x');
    assert.equal(a.set(2n, 'y'), true);
    assert.equal(a.get(2n), 'y');
  });

  it('counts a /64 exactly and keeps memory to its allocations', () => {
    const base = 0x20010db8deadbeefn << 64n;
    const a = new RangeAllocator<number>(base, base + (1n << 64n) - 1n);
    assert.equal(a.size, 18446744073709551616n);
    assert.equal(a.allocAny((addr) => Number(addr - base)), base);
    assert.equal(a.get(base), 0);
    assert.equal(a.availableCount, 18446744073709551615n);
    assert.equal(a.freeBlockCount, 1);
  });

  it('throws on an inverted range (a caller bug, not input)', () => {
    assert.throws(() => new RangeAllocator(5n, 4n), RangeError);
  });

  it('behaves like the reference model under any sequence of operations', () => {
    const size = 40;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('any' as const) }),
      fc.record({ kind: fc.constant('alloc' as const), addr: fc.integer({ min: -2, max: size + 1 }) }),
      fc.record({ kind: fc.constant('free' as const), addr: fc.integer({ min: -2, max: size + 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const base = 1000n;
        const a = new RangeAllocator<string>(base, base + BigInt(size - 1));
        const m = new Model(size);
        ops.forEach((o, i) => {
          const owner = `o${i}`;
          if (o.kind === 'any') {
            const expect = m.next();
            const got = a.allocAny(() => owner);
            assert.equal(got, expect === undefined ? undefined : base + BigInt(expect));
            if (expect !== undefined) m.slots[expect] = owner;
          } else if (o.kind === 'alloc') {
            const got = a.alloc(base + BigInt(o.addr), owner);
            const inRange = o.addr >= 0 && o.addr < size;
            const want = !inRange ? 'out-of-range' : m.slots[o.addr] !== undefined ? 'in-use' : 'ok';
            assert.equal(got, want);
            if (want === 'ok') m.slots[o.addr] = owner;
          } else {
            const inRange = o.addr >= 0 && o.addr < size;
            const want = inRange && m.slots[o.addr] !== undefined;
            assert.equal(a.free(base + BigInt(o.addr)), want);
            if (want) m.slots[o.addr] = undefined;
          }
          // Free blocks are exactly the maximal free runs (so neighbours always merged).
          assert.deepEqual(
            [...a.freeBlocks()],
            m.runs().map((r) => ({ from: base + BigInt(r.from), to: base + BigInt(r.to) })),
          );
          assert.equal(a.allocatedCount + Number(a.availableCount), size);
        });
        for (let i = 0; i < size; i++) assert.equal(a.get(base + BigInt(i)), m.slots[i]);
      }),
      { numRuns: 300 },
    );
  });
});
