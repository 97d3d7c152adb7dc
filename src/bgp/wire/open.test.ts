import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CapCode, OpenSub } from './constants.ts';
import { BgpError } from './errors.ts';
import { type Capability, type OpenMessage, decodeOpen, encodeOpen, summarizeCapabilities } from './open.ts';

const u16 = fc.integer({ min: 0, max: 0xffff });
const KNOWN_CODES = new Set<number>(Object.values(CapCode));

const capability: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(CapCode.MULTIPROTOCOL), afi: u16, safi: fc.integer({ min: 0, max: 255 }) }, { noNullPrototype: true }),
  fc.constantFrom(CapCode.ROUTE_REFRESH, CapCode.ROUTE_REFRESH_OLD, CapCode.EXTENDED_MESSAGE, CapCode.ENHANCED_ROUTE_REFRESH).map(
    (code) => ({ code }) as Capability,
  ),
  fc.record({ code: fc.constant(CapCode.FOUR_OCTET_AS), asn: fc.integer({ min: 0, max: 0xffffffff }) }, { noNullPrototype: true }),
  fc.record(
    {
      code: fc.constant(CapCode.GRACEFUL_RESTART),
      restartState: fc.boolean(),
      notification: fc.boolean(),
      restartTime: fc.integer({ min: 0, max: 4095 }),
      families: fc.array(fc.record({ afi: u16, safi: fc.integer({ min: 0, max: 255 }), forwarding: fc.boolean() }, { noNullPrototype: true }), {
        maxLength: 3,
      }),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      code: fc.constant(CapCode.ADD_PATH),
      families: fc.array(
        fc.record({ afi: u16, safi: fc.integer({ min: 0, max: 255 }), mode: fc.integer({ min: 1, max: 3 }) }, { noNullPrototype: true }),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    { code: fc.constant(CapCode.FQDN), hostname: fc.string({ maxLength: 30 }), domain: fc.string({ maxLength: 30 }) },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      code: fc.integer({ min: 0, max: 255 }).filter((c) => !KNOWN_CODES.has(c)),
      value: fc.uint8Array({ maxLength: 40 }).map((v) => new Uint8Array(v)),
      unknown: fc.constant(true as const),
    },
    { noNullPrototype: true },
  ),
);

const open: fc.Arbitrary<OpenMessage> = fc.record(
  {
    version: fc.constant(4),
    myAs: u16,
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpId: fc.integer({ min: 1, max: 0xffffffff }),
    capabilities: fc.array(capability, { maxLength: 40 }),
  },
  { noNullPrototype: true },
);

function codeOf(fn: () => unknown): [number, number] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return [e.code, e.subcode];
    throw e;
  }
  assert.fail('expected a BgpError');
}

describe('OPEN', () => {
  it('decode(encode(x)) = x, including RFC 9072 extended optional parameters', () => {
    fc.assert(
      fc.property(open, (m) => {
        const wire = encodeOpen(m);
        assert.deepEqual(decodeOpen(wire, 19, wire.length), m);
      }),
      { numRuns: 300 },
    );
  });

  it('uses the extended parameter format only when capabilities exceed 255 octets', () => {
    const caps: Capability[] = Array.from({ length: 70 }, () => ({ code: CapCode.FOUR_OCTET_AS, asn: 65000 }));
    const wire = encodeOpen({ version: 4, myAs: 1, holdTime: 90, bgpId: 1, capabilities: caps });
    assert.equal(wire[19 + 9], 255);
    assert.equal(wire[19 + 10], 255);
    const small = encodeOpen({ version: 4, myAs: 1, holdTime: 90, bgpId: 1, capabilities: caps.slice(0, 2) });
    assert.equal(small[19 + 9], 2 + 12);
  });

  it('rejects version 3 with the supported version in the data (RFC 4271 §6.2)', () => {
    const wire = encodeOpen({ version: 3, myAs: 1, holdTime: 90, bgpId: 1, capabilities: [] });
    try {
      decodeOpen(wire, 19, wire.length);
      assert.fail('accepted version 3');
    } catch (e) {
      assert.ok(e instanceof BgpError);
      assert.deepEqual([e.code, e.subcode, [...e.data]], [2, OpenSub.UNSUPPORTED_VERSION, [0, 4]]);
    }
  });

  it('rejects hold time 1 and 2, BGP identifier 0, unknown optional parameters', () => {
    const base = { version: 4, myAs: 1, holdTime: 90, bgpId: 1, capabilities: [] };
    for (const holdTime of [1, 2]) {
      const w = encodeOpen({ ...base, holdTime });
      assert.deepEqual(codeOf(() => decodeOpen(w, 19, w.length)), [2, OpenSub.UNACCEPTABLE_HOLD_TIME]);
    }
    const z = encodeOpen({ ...base, bgpId: 0 });
    assert.deepEqual(codeOf(() => decodeOpen(z, 19, z.length)), [2, OpenSub.BAD_BGP_IDENTIFIER]);
    const body = Buffer.from('04000100 5a 01020304 04 0102 abcd'.replace(/ /g, ''), 'hex');
    assert.deepEqual(codeOf(() => decodeOpen(body, 0, body.length)), [2, OpenSub.UNSUPPORTED_OPTIONAL_PARAMETER]);
  });

  it('rejects capabilities with impossible lengths', () => {
    const body = Buffer.from('04000100 5a 01020304 05 0203 010100'.replace(/ /g, ''), 'hex');
    assert.deepEqual(codeOf(() => decodeOpen(body, 0, body.length)), [2, 0]);
  });

  it('summarizes capabilities: implicit IPv4 without MP, families, AS4, GR, ADD-PATH', () => {
    assert.deepEqual([...summarizeCapabilities([]).families], ['ipv4-unicast']);
    const s = summarizeCapabilities([
      { code: CapCode.MULTIPROTOCOL, afi: 2, safi: 1 },
      { code: CapCode.FOUR_OCTET_AS, asn: 4200000001 },
      { code: CapCode.GRACEFUL_RESTART, restartState: true, notification: false, restartTime: 120, families: [{ afi: 2, safi: 1, forwarding: true }] },
      { code: CapCode.ADD_PATH, families: [{ afi: 2, safi: 1, mode: 3 }] },
    ]);
    assert.deepEqual([...s.families], ['ipv6-unicast']);
    assert.equal(s.as4, 4200000001);
    assert.equal(s.gracefulRestart?.forwarding.get('ipv6-unicast'), true);
    assert.equal(s.addPath.get('ipv6-unicast'), 3);
  });
});
