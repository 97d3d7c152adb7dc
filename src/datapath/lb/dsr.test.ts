import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeGeneveDsrOption,
  decodeIPv4DsrOption,
  decodeIPv6DsrDestOpt,
  encodeGeneveDsrOption,
  encodeIPv4DsrOption,
  encodeIPv6DsrDestOpt,
} from './dsr.ts';

test('Geneve DSR option round-trips for IPv4 and IPv6 and is found among other options', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 65535 }), (v4, v6, port) => {
      assert.deepEqual(decodeGeneveDsrOption(encodeGeneveDsrOption({ addr: v4, port })), { addr: v4, port });
      const other = new Uint8Array([0x01, 0x02, 0x03, 1, 9, 9, 9, 9]);
      const both = new Uint8Array([...other, ...encodeGeneveDsrOption({ addr: v6, port })]);
      assert.deepEqual(decodeGeneveDsrOption(both), { addr: v6, port });
    }),
  );
  assert.equal(encodeGeneveDsrOption({ addr: 1n, port: 80 })[3], 5);
});

test('IPv4 option 0x9a round-trips, after NOPs too; malformed options are ignored', () => {
  const opt = encodeIPv4DsrOption({ addr: 0xac100101, port: 443 });
  assert.deepEqual(decodeIPv4DsrOption(new Uint8Array([1, 1, ...opt])), { addr: 0xac100101, port: 443 });
  assert.equal(decodeIPv4DsrOption(new Uint8Array([0x9a, 20, 0, 0])), undefined);
  assert.equal(decodeIPv4DsrOption(new Uint8Array([0x44, 0])), undefined);
  assert.equal(decodeGeneveDsrOption(new Uint8Array([0x01, 0x4b, 0x81, 7, 0])), undefined);
});

test('IPv6 destination option 0x1B carries address, port and the next header', () => {
  const h = encodeIPv6DsrDestOpt({ addr: 0xfd000000000000000000000000000001n, port: 8080 }, 6);
  assert.equal(h.length, 24);
  assert.deepEqual(decodeIPv6DsrDestOpt(h), { addr: 0xfd000000000000000000000000000001n, port: 8080, nextHeader: 6 });
  assert.equal(decodeIPv6DsrDestOpt(h.subarray(0, 10)), undefined);
});
