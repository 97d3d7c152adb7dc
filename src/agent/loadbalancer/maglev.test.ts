import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_MAGLEV_HASH_SEED,
  MAGLEV_TABLE_SIZES,
  type MaglevBackend,
  isMaglevTableSize,
  maglevHashString,
  maglevTable,
  maglevTableSizeError,
  parseMaglevSeed,
} from './maglev.ts';

const seeds = parseMaglevSeed(DEFAULT_MAGLEV_HASH_SEED);
if ('error' in seeds) throw new Error(seeds.error);
const SEED = seeds.murmur;

function backends(n: number, first = 0): MaglevBackend[] {
  const out: MaglevBackend[] = [];
  for (let i = first; i < first + n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    out.push({ id: i + 1, hashString: maglevHashString(ip, 4, 80, 'TCP', false), weight: 100 });
  }
  return out;
}

/** The checksum the Go cross-check program prints: sum = sum*31 + entry + index (mod 2^64). */
function checksum(t: Uint32Array): bigint {
  let sum = 0n;
  for (let i = 0; i < t.length; i++) sum = (sum * 31n + BigInt(t[i]!) + BigInt(i)) & 0xffffffffffffffffn;
  return sum;
}

test('seed decoding follows cilium: 12 bytes of base64, big-endian words', () => {
  assert.deepEqual(parseMaglevSeed('JLfvgnHc2kaSUFaI'), { murmur: 0x24b7ef82, jhash4: 0x71dcda46, jhash6: 0x92505688 });
  assert.deepEqual(parseMaglevSeed('AAAA'), { error: 'decoded hash seed is 3 bytes (not 12 bytes)' });
  assert.match((parseMaglevSeed('not base64!') as { error: string }).error, /cannot decode base64/);
});

test('table sizes: only the primes cilium accepts', () => {
  assert.deepEqual(MAGLEV_TABLE_SIZES, [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071]);
  assert.equal(isMaglevTableSize(16381), true);
  assert.equal(isMaglevTableSize(16383), false);
  assert.equal(maglevTableSizeError(1000), 'Invalid value for --bpf-lb-maglev-table-size: 1000, supported values are: [251 509 1021 2039 4093 8191 16381 32749 65521 131071]');
});

test('hash strings follow cilium BackendInfo.setHashString', () => {
  assert.equal(maglevHashString('172.20.0.15', 4, 80, 'TCP', false), '[172.20.0.15:80/TCP,State:active]');
  assert.equal(maglevHashString('fd00::1', 6, 443, 'UDP', true), '[[fd00::1]:443/UDP/i,State:active]');
});

test('tables equal those of the Go implementation (cross-checked)', () => {
  const t3 = maglevTable(backends(3), 251, SEED);
  assert.deepEqual([t3[0], t3[1], t3[2], t3[250]], [1, 3, 1, 1]);
  assert.equal(checksum(t3), 10547313949189146726n);
  const t100 = maglevTable(backends(100), 16381, SEED);
  assert.deepEqual([t100[0], t100[1], t100[2], t100[16380]], [82, 23, 55, 50]);
  assert.equal(checksum(t100), 14461558721770109253n);
});

test('weights: cilium TestWeightedBackendWithRemoval counts', () => {
  // Names as hash strings, weights 2/13/111/10, M=1021: cilium asserts 16, 98, 832 and 75 slots.
  const bes = [
    { id: 10, hashString: 'one', weight: 2 },
    { id: 11, hashString: 'three', weight: 13 },
    { id: 12, hashString: 'two', weight: 111 },
    { id: 13, hashString: 'tzwe', weight: 10 },
  ];
  const t = maglevTable(bes, 1021, SEED);
  const count = (id: number) => t.filter((x) => x === id).length;
  assert.deepEqual([count(10), count(11), count(12), count(13)], [16, 98, 832, 75]);
});

test('property: every backend owns floor(M/N) or ceil(M/N) slots with equal weights', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.constantFrom(251, 509, 1021, 2039), fc.integer({ min: 0, max: 5000 }), (n, m, first) => {
      const t = maglevTable(backends(n, first), m, SEED);
      const counts = new Map<number, number>();
      for (const id of t) counts.set(id, (counts.get(id) ?? 0) + 1);
      assert.equal(counts.size, n);
      for (const c of counts.values()) assert.ok(c === Math.floor(m / n) || c === Math.ceil(m / n), `${c} slots of ${m}/${n}`);
    }),
    { numRuns: 60 },
  );
});

/** Share of the surviving backends' slots that move when `removed` goes. */
function disruption(before: Uint32Array, after: Uint32Array, removed: number): number {
  let moved = 0;
  let kept = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === removed) {
      assert.notEqual(after[i], removed);
      continue;
    }
    kept++;
    if (after[i] !== before[i]) moved++;
  }
  return moved / kept;
}

test('property: removing one of 100 backends at M=16381 moves at most 2% of the others slots (about 1.3% on average)', () => {
  let total = 0;
  let runs = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 0, max: 99 }), (first, victim) => {
      const all = backends(100, first);
      const before = maglevTable(all, 16381, SEED);
      const after = maglevTable(
        all.filter((_, i) => i !== victim),
        16381,
        SEED,
      );
      const d = disruption(before, after, all[victim]!.id);
      total += d;
      runs++;
      assert.ok(d <= 0.02, `disruption ${d}`);
    }),
    { numRuns: 25 },
  );
  assert.ok(total / runs < 0.016, `mean disruption ${total / runs}`);
});

test('property: identical inputs give identical tables whatever their order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), (n, salt) => {
      const bes = backends(n, salt);
      const shuffled = [...bes].sort((a, b) => ((a.id * 7919 + salt) % 97) - ((b.id * 7919 + salt) % 97));
      assert.deepEqual(maglevTable(shuffled, 1021, SEED), maglevTable(bes, 1021, SEED));
    }),
    { numRuns: 40 },
  );
});

test('a different seed gives a different table; no backends give an empty table', () => {
  const bes = backends(10);
  assert.notDeepEqual(maglevTable(bes, 1021, SEED), maglevTable(bes, 1021, SEED + 1));
  assert.equal(maglevTable([], 1021, SEED).length, 0);
});
