import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PathAttrs, emptyAttrs, encodeAttrs } from './attributes.ts';
import { AttrType, ErrCode, UpdateSub } from './constants.ts';
import { BgpError } from './errors.ts';
import { frame } from './message.ts';
import { updateMessage } from './testing/arbitraries.ts';
import { type DecodeContext, type UpdateMessage, decodeUpdate, encodeEndOfRib, encodeUpdate, mergeAs4Path, viewToMessage } from './update.ts';

const IBGP4: DecodeContext = { as4: true, ebgp: false, firstAs: 0, addPath4: false, addPath6: false };

function roundTrip(m: UpdateMessage, ctx: DecodeContext): UpdateMessage {
  const wire = encodeUpdate(m, ctx);
  return viewToMessage(decodeUpdate(wire, 19, wire.length, ctx), ctx);
}

function expected(m: UpdateMessage): UpdateMessage {
  // an UPDATE with MP_UNREACH_NLRI but no other attributes decodes to an empty attribute set
  if (!m.attrs && (m.mpReach || m.mpUnreach)) return { ...m, attrs: emptyAttrs() };
  return m;
}

function body(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

/** Builds an UPDATE body from raw attribute bytes and NLRI bytes. */
function updateBody(attrs: Buffer, nlri: Buffer = body('18 0a0000'), withdrawn: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4 + withdrawn.length + attrs.length + nlri.length);
  b.writeUInt16BE(withdrawn.length, 0);
  withdrawn.copy(b, 2);
  b.writeUInt16BE(attrs.length, 2 + withdrawn.length);
  attrs.copy(b, 4 + withdrawn.length);
  nlri.copy(b, 4 + withdrawn.length + attrs.length);
  return b;
}

const BASE: PathAttrs = { ...emptyAttrs(), origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: 0x0a000001 };
const baseAttrs = (extra: Partial<PathAttrs> = {}) => encodeAttrs({ ...BASE, ...extra }, { as4: true });

function decode(b: Buffer, ctx: DecodeContext = IBGP4) {
  return decodeUpdate(b, 0, b.length, ctx);
}

function resetOf(fn: () => unknown): [number, number] {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return [e.code, e.subcode];
    throw e;
  }
  assert.fail('expected a session reset');
}

describe('UPDATE round trip', () => {
  it('decode(encode(x)) = x with 4-octet ASNs and ADD-PATH', () => {
    const ctx = { ...IBGP4, addPath4: true, addPath6: true };
    fc.assert(fc.property(updateMessage({ as4: true, addPath4: true, addPath6: true }), (m) => {
      assert.deepEqual(roundTrip(m, ctx), expected(m));
    }), { numRuns: 300 });
  });

  it('decode(encode(x)) = x towards a 2-octet speaker (AS_TRANS + AS4_PATH, RFC 6793)', () => {
    const ctx = { ...IBGP4, as4: false };
    fc.assert(fc.property(updateMessage({ as4: false, addPath4: false, addPath6: false }), (m) => {
      assert.deepEqual(roundTrip(m, ctx), expected(m));
    }), { numRuns: 300 });
  });

  it('End-of-RIB markers are recognized for both families', () => {
    for (const f of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const m = encodeEndOfRib(f);
      assert.equal(decodeUpdate(m, 19, m.length, IBGP4).endOfRib, f);
    }
  });
});

describe('AS4_PATH merge (RFC 6793 §4.2.3)', () => {
  it('keeps the leading ASes the AS4_PATH does not cover', () => {
    const merged = mergeAs4Path([{ type: 2, asns: [100, 23456, 200] }], [{ type: 2, asns: [70000, 200] }]);
    assert.deepEqual(merged, [{ type: 2, asns: [100, 70000, 200] }]);
  });
  it('ignores an AS4_PATH longer than the AS_PATH', () => {
    const asPath = [{ type: 2, asns: [23456] }];
    assert.deepEqual(mergeAs4Path(asPath, [{ type: 2, asns: [70000, 80000] }]), asPath);
  });
});

describe('RFC 7606 error handling', () => {
  it('withdrawn routes length past the message: session reset 3/1', () => {
    assert.deepEqual(resetOf(() => decode(body('0010 0000'))), [ErrCode.UPDATE_MESSAGE, UpdateSub.MALFORMED_ATTRIBUTE_LIST]);
  });
  it('total attribute length past the message: session reset 3/1', () => {
    assert.deepEqual(resetOf(() => decode(body('0000 0040 400101 00'))), [3, 1]);
  });
  it('NLRI with a prefix length above 32: session reset 3/10', () => {
    assert.deepEqual(resetOf(() => decode(updateBody(baseAttrs(), body('21 0a000000 00')))), [3, 10]);
  });
  it('NLRI running past the message: session reset 3/10', () => {
    assert.deepEqual(resetOf(() => decode(updateBody(baseAttrs(), body('18 0a00')))), [3, 10]);
  });
  it('malformed ORIGIN: treat-as-withdraw', () => {
    const attrs = Buffer.concat([body('400101 07'), baseAttrs().subarray(4)]);
    const v = decode(updateBody(attrs));
    assert.match(v.treatAsWithdraw ?? '', /ORIGIN/);
  });
  it('missing NEXT_HOP with NLRI: treat-as-withdraw', () => {
    const v = decode(updateBody(baseAttrs({ nextHop: -1 })));
    assert.match(v.treatAsWithdraw ?? '', /NEXT_HOP/);
  });
  it('no attributes at all but NLRI: treat-as-withdraw', () => {
    assert.ok(decode(updateBody(Buffer.alloc(0))).treatAsWithdraw);
  });
  it('AS_PATH segment overrunning the attribute: treat-as-withdraw', () => {
    const attrs = Buffer.concat([body('400101 00 400206 0205 0000fde9'), body('400304 0a000001')]);
    assert.match(decode(updateBody(attrs)).treatAsWithdraw ?? '', /AS_PATH/);
  });
  it('zero-length AS_PATH segment: treat-as-withdraw', () => {
    const attrs = Buffer.concat([body('400101 00 400202 0200'), body('400304 0a000001')]);
    assert.ok(decode(updateBody(attrs)).treatAsWithdraw);
  });
  it('confederation segment from an external peer: treat-as-withdraw', () => {
    const ctx = { ...IBGP4, ebgp: true };
    const v = decode(updateBody(baseAttrs({ asPath: [{ type: 3, asns: [1] }, { type: 2, asns: [65001] }] })), ctx);
    assert.match(v.treatAsWithdraw ?? '', /confederation/);
  });
  it('first AS is not the peer AS on eBGP: treat-as-withdraw', () => {
    const v = decode(updateBody(baseAttrs()), { ...IBGP4, ebgp: true, firstAs: 65002 });
    assert.match(v.treatAsWithdraw ?? '', /65002/);
  });
  it('COMMUNITIES length not a multiple of 4: treat-as-withdraw', () => {
    const attrs = Buffer.concat([baseAttrs(), body('c00803 000102')]);
    assert.match(decode(updateBody(attrs)).treatAsWithdraw ?? '', /COMMUNITIES/);
  });
  it('LARGE_COMMUNITY length not a multiple of 12: treat-as-withdraw', () => {
    const attrs = Buffer.concat([baseAttrs(), body('c02004 00000001')]);
    assert.match(decode(updateBody(attrs)).treatAsWithdraw ?? '', /LARGE_COMMUNITY/);
  });
  it('duplicate large communities are removed, not an error (RFC 8092 §5)', () => {
    const attrs = Buffer.concat([baseAttrs(), body('c02018 000000010000000200000003 000000010000000200000003')]);
    const v = decode(updateBody(attrs));
    assert.equal(v.treatAsWithdraw, undefined);
    assert.deepEqual(v.attrs?.largeCommunities, [1, 2, 3]);
  });
  it('flags conflict on MED: treat-as-withdraw', () => {
    const attrs = Buffer.concat([baseAttrs(), body('400404 00000001')]);
    assert.match(decode(updateBody(attrs)).treatAsWithdraw ?? '', /flags/);
  });
  it('malformed ATOMIC_AGGREGATE and AGGREGATOR: attribute discard', () => {
    const attrs = Buffer.concat([baseAttrs(), body('400601 00'), body('c00703 000102')]);
    const v = decode(updateBody(attrs));
    assert.equal(v.treatAsWithdraw, undefined);
    assert.equal(v.discarded.length, 2);
    assert.equal(v.attrs?.atomicAggregate, false);
    assert.equal(v.attrs?.aggregator, undefined);
  });
  it('LOCAL_PREF from an external peer is discarded', () => {
    const v = decode(updateBody(baseAttrs({ localPref: 200 })), { ...IBGP4, ebgp: true });
    assert.equal(v.attrs?.localPref, -1);
    assert.equal(v.treatAsWithdraw, undefined);
  });
  it('duplicate attribute: the first one is kept', () => {
    const attrs = Buffer.concat([baseAttrs({ med: 5 }), body('800404 00000009')]);
    const v = decode(updateBody(attrs));
    assert.equal(v.attrs?.med, 5);
    assert.equal(v.discarded.length, 1);
  });
  it('MP_REACH_NLRI twice: session reset 3/1', () => {
    const mp = body('800e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8');
    assert.deepEqual(resetOf(() => decode(updateBody(Buffer.concat([baseAttrs(), mp, mp]), Buffer.alloc(0)))), [3, 1]);
  });
  it('MP_REACH_NLRI with a bad IPv6 next-hop length: session reset 3/9', () => {
    const mp = body('800e 0a 0002 01 04 0a000001 00 20 20010db8');
    assert.deepEqual(resetOf(() => decode(updateBody(Buffer.concat([baseAttrs(), mp]), Buffer.alloc(0)))), [3, 9]);
  });
  it('unrecognized well-known attribute: session reset 3/2', () => {
    assert.deepEqual(resetOf(() => decode(updateBody(Buffer.concat([baseAttrs(), body('406301 00')])))), [3, 2]);
  });
  it('unknown optional transitive attribute is kept, unknown non-transitive dropped', () => {
    const v = decode(updateBody(Buffer.concat([baseAttrs(), body('c06302 abcd'), body('806402 abcd')])));
    assert.deepEqual(v.attrs?.unknown, [{ flags: 0xc0, type: 0x63, value: Uint8Array.of(0xab, 0xcd) }]);
  });
  it('attribute overrunning the section with NLRI present: treat-as-withdraw, NLRI still located (§4)', () => {
    const attrs = Buffer.concat([baseAttrs(), body('c00808 00000001')]);
    const v = decode(updateBody(attrs));
    assert.match(v.treatAsWithdraw ?? '', /overruns/);
    assert.equal(v.nlriEnd - v.nlriStart, 4);
  });
  it('attribute overrun with no NLRI and no MP attribute reached: session reset 3/1', () => {
    const attrs = Buffer.concat([baseAttrs(), body('c00808 00000001')]);
    assert.deepEqual(resetOf(() => decode(updateBody(attrs, Buffer.alloc(0)))), [3, 1]);
  });
  it('flags error on MP_UNREACH_NLRI: session reset 3/4', () => {
    assert.deepEqual(resetOf(() => decode(updateBody(body('400f03 000201'), Buffer.alloc(0)))), [3, 4]);
  });
  it('a full message frames and decodes', () => {
    const m = frame(2, updateBody(baseAttrs()));
    const v = decodeUpdate(m, 19, m.length, IBGP4);
    assert.equal(v.attrs?.nextHop, 0x0a000001);
    assert.equal(v.attrs?.origin, 0);
    assert.equal(AttrType.ORIGIN, 1);
  });
});
