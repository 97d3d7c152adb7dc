import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeaderSub } from './constants.ts';
import { BgpError } from './errors.ts';
import { Framer, KEEPALIVE_MESSAGE, frame } from './message.ts';
import { decodeNotification, encodeNotification } from './notification.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.ts';

function collect(chunks: Buffer[]): number[][] {
  const f = new Framer();
  const out: number[][] = [];
  for (const c of chunks) f.push(c, (type, _b, s, e) => out.push([type, e - s]));
  return out;
}

function headerError(bytes: Buffer): [number, number, number[]] {
  try {
    collect([bytes]);
  } catch (e) {
    if (e instanceof BgpError) return [e.code, e.subcode, [...e.data]];
    throw e;
  }
  assert.fail('expected a header error');
}

describe('Framer', () => {
  it('splits a stream into messages however it is chunked', () => {
    const stream = Buffer.concat([KEEPALIVE_MESSAGE, frame(2, new Uint8Array(30)), frame(5, Uint8Array.of(0, 1, 0, 1)), KEEPALIVE_MESSAGE]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(stream.subarray(prev, p));
          prev = p;
        }
        chunks.push(stream.subarray(prev));
        assert.deepEqual(collect(chunks), [[4, 0], [2, 30], [5, 4], [4, 0]]);
      }),
    );
  });

  it('answers header errors with the RFC 4271 §6.1 subcodes and data', () => {
    const bad = Buffer.from(KEEPALIVE_MESSAGE);
    bad[3] = 0;
    assert.deepEqual(headerError(bad), [1, HeaderSub.CONNECTION_NOT_SYNCHRONIZED, []]);
    const long = Buffer.from(KEEPALIVE_MESSAGE);
    long.writeUInt16BE(5000, 16);
    assert.deepEqual(headerError(long), [1, HeaderSub.BAD_MESSAGE_LENGTH, [0x13, 0x88]]);
    const ka = frame(4, Uint8Array.of(0));
    assert.deepEqual(headerError(ka), [1, HeaderSub.BAD_MESSAGE_LENGTH, [0, 20]]);
    const type = Buffer.from(KEEPALIVE_MESSAGE);
    type[18] = 9;
    assert.deepEqual(headerError(type), [1, HeaderSub.BAD_MESSAGE_TYPE, [9]]);
    const shortOpen = frame(1, new Uint8Array(5));
    assert.deepEqual(headerError(shortOpen), [1, HeaderSub.BAD_MESSAGE_LENGTH, [0, 24]]);
  });

  it('accepts extended messages only once the limit is raised (RFC 8654)', () => {
    const big = frame(2, new Uint8Array(5000));
    assert.throws(() => collect([big]), BgpError);
    const f = new Framer();
    f.maxLength = 65535;
    let seen = 0;
    f.push(big, (_t, _b, s, e) => {
      seen = e - s;
    });
    assert.equal(seen, 5000);
  });
});

describe('NOTIFICATION', () => {
  it('carries an RFC 9003 shutdown communication', () => {
    const wire = encodeNotification({ code: 6, subcode: 2, shutdownMessage: 'maintenance — back soon' });
    const n = decodeNotification(wire, 19, wire.length);
    assert.equal(n.shutdownMessage, 'maintenance — back soon');
  });
  it('truncates long messages at a character boundary and ignores bad lengths', () => {
    const wire = encodeNotification({ code: 6, subcode: 4, shutdownMessage: 'é'.repeat(200) });
    const n = decodeNotification(wire, 19, wire.length);
    assert.equal(n.shutdownMessage, 'é'.repeat(127));
    const broken = Buffer.from([6, 2, 50, 0x41]);
    assert.equal(decodeNotification(broken, 0, broken.length).shutdownMessage, undefined);
  });
});

describe('ROUTE-REFRESH', () => {
  it('round-trips and rejects a bad length with 7/1 (RFC 7313 §5)', () => {
    const w = encodeRouteRefresh({ afi: 2, safi: 1, subtype: 1 });
    assert.deepEqual(decodeRouteRefresh(w, 19, w.length), { afi: 2, safi: 1, subtype: 1 });
    const body = Buffer.from([0, 1, 1, 1, 0]);
    assert.throws(() => decodeRouteRefresh(body, 0, body.length), (e: unknown) => e instanceof BgpError && e.code === 7 && e.subcode === 1);
  });
});
