// Replays every malformed message kept in testdata/ (the GoBGP habit: once a crasher, always a test).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { outcomeOf, parseContext } from './testing/outcome.ts';

const dir = new URL('./testdata/', import.meta.url);

describe('testdata corpus', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  it('has entries', () => assert.ok(files.length >= 50));
  for (const f of files) {
    it(f, () => {
      const lines = readFileSync(new URL(f, dir), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      const ctx = parseContext(lines.find((l) => l.startsWith('context:'))!.slice('context:'.length));
      const expect = lines.find((l) => l.startsWith('expect:'))!.slice('expect:'.length).trim();
      const hex = lines.filter((l) => /^[0-9a-f]+$/i.test(l)).join('');
      const got = outcomeOf(Buffer.from(hex, 'hex'), ctx);
      const last = got[got.length - 1];
      assert.ok(last, 'no message decoded');
      const text = last.kind === 'reset' ? `reset ${last.code}/${last.subcode}` : last.kind;
      assert.equal(text, expect);
    });
  }
});
