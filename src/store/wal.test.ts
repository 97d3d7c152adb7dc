import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { frame, HEADER_BYTES, scanRecords } from './wal.ts';

const payloads = fc.array(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 40 }), fc.integer())).map((o) => Buffer.from(JSON.stringify(o))),
  { minLength: 1, maxLength: 12 },
);

function stream(ps: Buffer[]): { buf: Buffer; starts: number[] } {
  const frames = ps.map(frame);
  const starts: number[] = [];
  let off = 0;
  for (const f of frames) {
    starts.push(off);
    off += f.length;
  }
  return { buf: Buffer.concat(frames), starts };
}

describe('WAL framing', () => {
  it('reads back every record of an intact stream', () => {
    fc.assert(
      fc.property(payloads, (ps) => {
        const { buf, starts } = stream(ps);
        const scan = scanRecords(buf);
        assert.equal(scan.bad, undefined);
        assert.deepEqual(
          scan.records.map((r) => r.payload.toString()),
          ps.map((p) => p.toString()),
        );
        assert.deepEqual(
          scan.records.map((r) => r.offset),
          starts,
        );
      }),
    );
  });

  it('sees a stream cut anywhere as its whole records plus a torn tail', () => {
    fc.assert(
      fc.property(payloads, fc.nat(), (ps, at) => {
        const { buf, starts } = stream(ps);
        const cut = at % buf.length;
        const scan = scanRecords(buf.subarray(0, cut));
        const whole = starts.filter((s, i) => (starts[i + 1] ?? buf.length) <= cut && s < cut).length;
        assert.equal(scan.records.length, whole);
        if (starts.includes(cut)) assert.equal(scan.bad, undefined);
        else {
          assert.equal(scan.bad?.offset, starts[whole]);
          assert.equal(scan.bad?.nextIntact, undefined);
        }
      }),
    );
  });

  it('sees zeros after the last record (a power cut) as a torn tail', () => {
    const { buf } = stream([Buffer.from('{"a":1}'), Buffer.from('{"b":2}')]);
    const scan = scanRecords(Buffer.concat([buf, Buffer.alloc(4096)]));
    assert.equal(scan.records.length, 2);
    assert.equal(scan.bad?.offset, buf.length);
    assert.equal(scan.bad?.nextIntact, undefined);
  });

  it('tells damage followed by intact records from a torn tail, wherever the damage is', () => {
    fc.assert(
      fc.property(payloads, fc.nat(), fc.integer({ min: 1, max: 255 }), (ps, at, flip) => {
        fc.pre(ps.length >= 2);
        const { buf, starts } = stream(ps);
        const lastStart = starts.at(-1)!;
        // Damage one byte (header or payload) of any record but the last.
        const pos = at % lastStart;
        const damaged = Buffer.from(buf);
        damaged[pos] = damaged[pos]! ^ flip;
        const scan = scanRecords(damaged);
        const hit = starts.filter((s) => s <= pos).length - 1;
        assert.equal(scan.records.length, hit);
        assert.equal(scan.bad?.offset, starts[hit]);
        assert.ok(scan.bad?.nextIntact !== undefined && scan.bad.nextIntact > pos, `damage at ${pos} must not pass for a torn tail`);
      }),
    );
  });

  it('treats a damaged last record as a torn tail', () => {
    const { buf, starts } = stream([Buffer.from('{"a":1}'), Buffer.from('{"b":2}')]);
    const damaged = Buffer.from(buf);
    damaged[starts[1]! + HEADER_BYTES + 2]! ^= 0xff;
    const scan = scanRecords(damaged);
    assert.equal(scan.records.length, 1);
    assert.deepEqual(scan.bad, { offset: starts[1], reason: 'CRC mismatch' });
  });
});
