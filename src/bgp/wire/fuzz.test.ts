// Random and mutated input never escapes the decoder as anything but a BgpError (a NOTIFICATION).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { frame } from './message.ts';
import { updateMessage } from './testing/arbitraries.ts';
import { outcomeOf } from './testing/outcome.ts';
import { type DecodeContext, encodeUpdate } from './update.ts';

const contexts: DecodeContext[] = [
  { as4: true, ebgp: false, firstAs: 0, addPath4: false, addPath6: false },
  { as4: false, ebgp: true, firstAs: 65001, addPath4: false, addPath6: false },
  { as4: true, ebgp: true, firstAs: 0, addPath4: true, addPath6: true },
];

const RUNS = Number(process.env.BGP_FUZZ_RUNS ?? 400);

describe('decoder fuzz', () => {
  for (const ctx of contexts) {
    const label = `as4=${ctx.as4} ebgp=${ctx.ebgp} addpath=${ctx.addPath4}`;
    it(`random UPDATE bodies (${label})`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 4, maxLength: 600 }), (body) => {
          const outcomes = outcomeOf(frame(2, body), ctx);
          assert.equal(outcomes.length, 1);
        }),
        { numRuns: RUNS },
      );
    });

    it(`mutated valid UPDATEs (${label})`, () => {
      const mutation = fc.record({
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
        cut: fc.nat(),
        kind: fc.constantFrom('flip', 'truncate', 'extend', 'length'),
      });
      fc.assert(
        fc.property(updateMessage({ as4: ctx.as4, addPath4: ctx.addPath4, addPath6: ctx.addPath6 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
          const wire = Buffer.from(encodeUpdate(m, ctx));
          let body: Buffer = wire.subarray(19);
          for (const mu of muts) {
            if (body.length === 0) break;
            const at = mu.at % body.length;
            if (mu.kind === 'flip') body[at] = mu.value;
            else if (mu.kind === 'truncate') body = body.subarray(0, Math.max(4, body.length - 1 - (mu.cut % body.length)));
            else if (mu.kind === 'extend') body = Buffer.concat([body, Buffer.alloc((mu.cut % 16) + 1, mu.value)]);
            else if (body.length > 4) body.writeUInt16BE(mu.value, at > body.length - 2 ? 0 : at);
          }
          if (body.length < 4 || body.length > 4096 - 19) return;
          const outcomes = outcomeOf(frame(2, body), ctx);
          assert.equal(outcomes.length, 1);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('random byte streams (any message type, any framing)', () => {
    const ctx = contexts[0]!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 0xffff }), (body, type, lenDelta) => {
        const m = Buffer.from(frame(type, body));
        if (lenDelta % 3 === 0) m.writeUInt16BE(lenDelta, 16);
        outcomeOf(m, ctx);
      }),
      { numRuns: RUNS },
    );
  });
});
