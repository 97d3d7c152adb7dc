import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIP, parseIPv4Number } from './ip.ts';
import { LpmTrie } from './lpm.ts';

const v4 = (s: string) => parseIPv4Number(s);

test('longest prefix wins, shorter ones remain reachable', () => {
  const t = new LpmTrie<string>(4);
  t.set(0, 0, 'default');
  t.set(v4('172.20.0.0'), 16, 'cluster');
  t.set(v4('172.20.1.0'), 24, 'node1');
  assert.equal(t.lookup(v4('172.20.1.7')), 'node1');
  assert.equal(t.lookup(v4('172.20.2.7')), 'cluster');
  assert.equal(t.lookup(v4('8.8.8.8')), 'default');
  assert.deepEqual(t.lookupEntry(v4('172.20.1.7')), { prefixLen: 24, value: 'node1' });
  // backtracking past a rejected value
  assert.equal(
    t.lookup(v4('172.20.1.7'), (v) => v !== 'node1'),
    'cluster',
  );
  assert.equal(t.size, 3);
  assert.equal(t.delete(v4('172.20.1.0'), 24), true);
  assert.equal(t.delete(v4('172.20.1.0'), 24), false);
  assert.equal(t.lookup(v4('172.20.1.7')), 'cluster');
  assert.equal(t.size, 2);
});

test('host bits beyond the prefix are ignored on insert and exact get', () => {
  const t = new LpmTrie<number>(4);
  t.set(v4('10.1.2.3'), 8, 1);
  assert.equal(t.get(v4('10.0.0.0'), 8), 1);
  assert.equal(t.get(v4('10.0.0.0'), 9), undefined);
  assert.equal(t.lookup(v4('10.200.0.1')), 1);
});

test('entries come out ordered by address then prefix length', () => {
  const t = new LpmTrie<string>(4);
  for (const [a, l] of [
    ['192.168.10.0', 24],
    ['10.0.0.0', 8],
    ['10.0.5.0', 24],
    ['0.0.0.0', 0],
    ['10.1.0.0', 16],
    ['10.0.0.0', 24],
  ] as const) {
    t.set(v4(a), l, `${a}/${l}`);
  }
  assert.deepEqual(
    [...t.entries()].map((e) => e.value),
    ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/24', '10.0.5.0/24', '10.1.0.0/16', '192.168.10.0/24'],
  );
  assert.deepEqual(
    t.matches(v4('10.0.0.9')).map((e) => [e.prefixLen, e.value]),
    [
      [24, '10.0.0.0/24'],
      [8, '10.0.0.0/8'],
      [0, '0.0.0.0/0'],
    ],
  );
});

test('IPv6 keys', () => {
  const t = new LpmTrie<string>(6);
  const a = (s: string) => parseIP(s)!.value;
  t.set(a('fe80::'), 64, 'link');
  t.set(a('2001:db8::'), 32, 'doc');
  t.set(a('2001:db8:1::1'), 128, 'host');
  assert.equal(t.lookup(a('fe80::1')), 'link');
  assert.equal(t.lookup(a('2001:db8:1::1')), 'host');
  assert.equal(t.lookup(a('2001:db8:1::2')), 'doc');
  assert.equal(t.lookup(a('::1')), undefined);
  assert.deepEqual(
    [...t.entries()].map((e) => [e.addr, e.prefixLen]),
    [
      [a('2001:db8::'), 32],
      [a('2001:db8:1::1'), 128],
      [a('fe80::'), 64],
    ],
  );
  assert.throws(() => t.set(1, 8, 'x'), TypeError);
  assert.throws(() => t.set(a('::'), 129, 'x'), RangeError);
});

for (const [name, threshold] of [
  ['trie', Number.POSITIVE_INFINITY],
  ['DIR-24-8 index', 3],
] as const) {
test(`matches a naive linear scan (property, ${name})`, () => {
  const prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
  fc.assert(
    fc.property(
      fc.array(prefix, { maxLength: 60 }),
      fc.array(prefix, { maxLength: 20 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 30 }),
      (adds, dels, probes) => {
        const t = new LpmTrie<string>(4, 4, threshold);
        const naive = new Map<string, { addr: number; len: number }>();
        const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
        for (const [addr, len] of adds) {
          const net = (addr & mask(len)) >>> 0;
          t.set(addr, len, `${net}/${len}`);
          naive.set(`${net}/${len}`, { addr: net, len });
        }
        for (const [addr, len] of dels) {
          const net = (addr & mask(len)) >>> 0;
          assert.equal(t.delete(addr, len), naive.delete(`${net}/${len}`));
        }
        assert.equal(t.size, naive.size);
        for (const p of [...probes, ...adds.map(([a]) => a)]) {
          let best: string | undefined;
          let bestLen = -1;
          for (const [k, { addr, len }] of naive) {
            if (((p & mask(len)) >>> 0) === addr && len > bestLen) {
              best = k;
              bestLen = len;
            }
          }
          assert.equal(t.lookup(p), best);
          assert.equal(t.lookupEntry(p)?.prefixLen, best === undefined ? undefined : Number(best.split('/')[1]));
        }
      },
    ),
    { numRuns: threshold === 3 ? 25 : 100 },
  );
});
}

test('IPv6 matches a naive scan through inserts and deletes (property)', () => {
  const prefix = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }));
  const mask = (len: number) => (len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n));
  fc.assert(
    fc.property(fc.array(prefix, { maxLength: 40 }), fc.array(fc.nat({ max: 39 }), { maxLength: 20 }), (adds, delIdx) => {
      const t = new LpmTrie<number>(6, 4);
      const naive = new Map<string, { addr: bigint; len: number; v: number }>();
      adds.forEach(([addr, len], i) => {
        t.set(addr, len, i);
        naive.set(`${addr & mask(len)}/${len}`, { addr: addr & mask(len), len, v: i });
      });
      for (const i of delIdx) {
        const p = adds[i];
        if (!p) continue;
        assert.equal(t.delete(p[0], p[1]), naive.delete(`${p[0] & mask(p[1])}/${p[1]}`));
      }
      assert.equal(t.size, naive.size);
      const sorted = [...naive.values()].sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.len - y.len));
      assert.deepEqual([...t.entries()].map((e) => [e.addr, e.prefixLen]), sorted.map((e) => [e.addr, e.len]));
      for (const [probe] of adds) {
        let best: number | undefined;
        let bestLen = -1;
        for (const e of naive.values()) if ((probe & mask(e.len)) === e.addr && e.len > bestLen) [best, bestLen] = [e.v, e.len];
        assert.equal(t.lookup(probe), best);
      }
    }),
  );
});
