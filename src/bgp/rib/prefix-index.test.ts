import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Ipv4Index } from './prefix-index.ts';

describe('Ipv4Index', () => {
  it('behaves like a Map under random inserts and deletes', () => {
    const op = fc.record({
      del: fc.boolean(),
      addr: fc.integer({ min: 0, max: 63 }).map((x) => (x * 0x01000000) >>> 0),
      len: fc.integer({ min: 0, max: 32 }),
      slot: fc.nat(1000),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const idx = new Ipv4Index(4);
        const model = new Map<string, number>();
        for (const o of ops) {
          const k = `${o.addr}/${o.len}`;
          if (o.del) {
            idx.delete(o.addr, o.len);
            model.delete(k);
          } else {
            idx.set(o.addr, o.len, o.slot);
            model.set(k, o.slot);
          }
          assert.equal(idx.size, model.size);
        }
        for (const o of ops) assert.equal(idx.get(o.addr, o.len), model.get(`${o.addr}/${o.len}`) ?? -1);
      }),
      { numRuns: 200 },
    );
  });
});
