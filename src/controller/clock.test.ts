import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealClock, VirtualClock } from './clock.ts';
import { K8S_NAME_ALPHABET, Rng } from './rng.ts';
import { WorkQueue } from './workqueue.ts';

test('virtual timers fire in order and only when time is advanced', async () => {
  const clock = new VirtualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@20'), 20);
  clock.setTimeout(() => fired.push('a@10'), 10);
  const cancelled = clock.setTimeout(() => fired.push('never'), 15);
  cancelled.cancel();
  await clock.advance(5);
  assert.deepEqual(fired, []);
  await clock.advance(20);
  assert.deepEqual(fired, ['a@10', 'b@20']);
  assert.equal(clock.now(), 25);
});

test('intervals repeat and async chains complete while advancing', async () => {
  const clock = new VirtualClock(0);
  let ticks = 0;
  const iv = clock.setInterval(() => ticks++, 1000);
  let chained = false;
  clock.setTimeout(async () => {
    await Promise.resolve();
    await clock.sleep(500);
    chained = true;
  }, 100);
  await clock.advance(3000);
  assert.equal(ticks, 3);
  assert.ok(chained);
  iv.cancel();
  await clock.advance(3000);
  assert.equal(ticks, 3);
});

test('advanceUntil stops when the predicate holds', async () => {
  const clock = new VirtualClock(0);
  let done = false;
  clock.setTimeout(() => (done = true), 2500);
  assert.ok(await clock.advanceUntil(() => done, 10_000));
  assert.ok(clock.now() >= 2500 && clock.now() < 2700);
  assert.equal(await clock.advanceUntil(() => false, 1000), false);
});

test('Rng is reproducible per seed and uses the Kubernetes alphabet', () => {
  const a = new Rng('seed');
  const b = new Rng('seed');
  const s = a.string(5);
  assert.equal(s, b.string(5));
  assert.match(s, new RegExp(`^[${K8S_NAME_ALPHABET}]{5}$`));
  assert.notEqual(new Rng('other').string(10), new Rng('seed').string(10));
  const counts = new Array(4).fill(0);
  const r = new Rng(7);
  for (let i = 0; i < 4000; i++) counts[r.int(4)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `skewed: ${counts}`);
});

test('work queue coalesces keys, reprocesses keys dirtied during processing, retries with backoff', async () => {
  const clock = new VirtualClock(0);
  const q = new WorkQueue(clock, { baseDelayMs: 10 });
  const seen: string[] = [];
  let failOnce = true;
  let release: (() => void) | undefined;
  q.run(async (key) => {
    seen.push(key);
    if (key === 'slow' && !release) await new Promise<void>((r) => (release = r));
    if (key === 'flaky' && failOnce) {
      failOnce = false;
      throw new Error('boom');
    }
  });
  q.add('a');
  q.add('a');
  await clock.settle();
  assert.deepEqual(seen, ['a']);

  q.add('slow');
  await clock.settle();
  q.add('slow'); // changed while processing: must run again afterwards
  release!();
  await q.whenIdle();
  await clock.settle();
  assert.deepEqual(seen, ['a', 'slow', 'slow']);

  q.add('flaky');
  await clock.settle();
  assert.deepEqual(seen.slice(3), ['flaky']);
  await clock.advance(10);
  assert.deepEqual(seen.slice(3), ['flaky', 'flaky']);
  q.stop();
});

test('adding a key that waits out a retry processes it now and drops the pending retry', async () => {
  const clock = new VirtualClock(0);
  const q = new WorkQueue(clock, { baseDelayMs: 1000 });
  let calls = 0;
  q.run(async () => {
    calls++;
    if (calls === 1) throw new Error('not ready');
  });
  q.add('pod');
  await clock.settle();
  assert.equal(calls, 1);
  assert.equal(q.isIdle(), false, 'a retry is pending');
  q.add('pod'); // the condition it waited for changed
  await clock.settle();
  assert.equal(calls, 2);
  assert.equal(q.isIdle(), true);
  await clock.advance(5000);
  assert.equal(calls, 2, 'the superseded retry does not fire');
});

test('a stopped real clock cancels what is pending and arms nothing more', async () => {
  const clock = new RealClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('timeout'), 5);
  clock.setInterval(() => fired.push('interval'), 5);
  clock.setTimeout(() => fired.push('cancelled'), 5).cancel();
  assert.equal(clock.pendingTimers, 2);
  clock.stop();
  clock.setTimeout(() => fired.push('after stop'), 0);
  assert.equal(clock.pendingTimers, 0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(fired, []);
});

test('a handler that throws synchronously for 20,000 keys fails each of them without overflowing the stack', async () => {
  const clock = new VirtualClock();
  const errors: string[] = [];
  const q = new WorkQueue(clock, { onError: (k) => errors.push(k) });
  for (let i = 0; i < 20_000; i++) q.add(`k${i}`);
  q.run(() => {
    throw new Error('no');
  });
  for (let turn = 0; turn < 100 && errors.length < 20_000; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 20_000);
  assert.equal(q.retries, 20_000, 'every key waits out its backoff');
  q.stop();
});
