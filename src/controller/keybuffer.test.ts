import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from './clock.ts';
import { KeyBuffer } from './keybuffer.ts';

test('keys wait until the first of a batch is waitMs old, then go on once each, in arrival order', async () => {
  const clock = new VirtualClock();
  const out: string[] = [];
  const b = new KeyBuffer(clock, 100, (k) => out.push(k));
  b.add('a');
  await clock.advance(60);
  b.add('b');
  b.add('a');
  assert.deepEqual(out, []);
  assert.equal(b.isEmpty, false);
  await clock.advance(40);
  assert.deepEqual(out, ['a', 'b']);
  assert.equal(b.isEmpty, true);
  b.add('c');
  await clock.advance(99);
  assert.deepEqual(out, ['a', 'b'], 'a new batch starts its own wait');
  b.flush();
  assert.deepEqual(out, ['a', 'b', 'c']);
  b.add('d');
  b.stop();
  await clock.advance(1000);
  assert.deepEqual(out, ['a', 'b', 'c'], 'a stopped buffer drops what it holds');
});

test('a zero wait hands every key on at once', () => {
  const out: string[] = [];
  const b = new KeyBuffer(new VirtualClock(), 0, (k) => out.push(k));
  b.add('a');
  b.add('a');
  assert.deepEqual(out, ['a', 'a']);
  assert.equal(b.isEmpty, true);
});
