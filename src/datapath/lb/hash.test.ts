import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashFromTuple, jhash3words } from './hash.ts';

// Expected values computed by the kernel's jhash.h macros compiled with gcc (see the LB report).
test('jhash_3words matches the kernel implementation', () => {
  assert.equal(jhash3words(0xc80aa8c0, 0x50001234, 6, 0x71c4a2f0), 3018344461);
});

test('tuple hashes read addresses and ports as a little-endian CPU does', () => {
  // 192.168.10.200:0x3412 -> :80/TCP is jhash_3words(0xC80AA8C0, 0x5000 << 16 | 0x1234, 6, seed)
  assert.equal(hashFromTuple(0xc0a80ac8, 0x3412, 80, 6, 0x71c4a2f0), 3018344461);
  // IPv6 words 1,2,3,4 as loaded: two mixes, seed, final
  const v6 = (0x01000000n << 96n) | (0x02000000n << 64n) | (0x03000000n << 32n) | 0x04000000n;
  assert.equal(hashFromTuple(v6, 0x3412, 80, 6, 0x71c4a2f0), 3436594027);
});

test('source port 0 (session affinity) gives one hash per client address', () => {
  const a = hashFromTuple(0x0a000001, 0, 80, 6, 1);
  assert.equal(hashFromTuple(0x0a000001, 0, 80, 6, 1), a);
  assert.notEqual(hashFromTuple(0x0a000002, 0, 80, 6, 1), a);
});
