import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import type { Lease } from '../../k8s/types.ts';
import { MemoryStore } from '../../store/memory.ts';
import { LeaderElector, type LeaseClient, LeaseLock } from './leaderelection.ts';

/** A lease client on a store, cut off while `down` is set. */
async function setup() {
  const clock = new VirtualClock();
  const store = new MemoryStore({ clock, rng: new Rng('le'), log: () => {} });
  await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  const state = { down: new Set<string>() };
  const client = (who: string): LeaseClient => {
    const guard = async <T>(fn: () => Promise<T>) => {
      await clock.sleep(1);
      if (state.down.has(who)) throw new Error('connection refused');
      return fn();
    };
    return {
      get: (ns, name) => guard(() => store.get<Lease>(GK.Lease, ns, name)),
      create: (l) => guard(() => store.create(l)),
      update: (l) => guard(() => store.update(l)),
    };
  };
  const events: string[] = [];
  const logs: string[] = [];
  const start = (who: string) => {
    const abort = new AbortController();
    const elector = new LeaderElector({
      lock: new LeaseLock(client(who), 'kube-system', 'l', who),
      leaseDurationMs: 15_000,
      renewDeadlineMs: 5_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      clock,
      rng: new Rng(who),
      onStartedLeading: () => events.push(`${clock.now() - t0} ${who} started`),
      onStoppedLeading: () => events.push(`${clock.now() - t0} ${who} stopped`),
      log: (level, msg) => logs.push(`${who} ${level} ${msg}`),
    });
    const done = elector.run(abort.signal);
    return { abort, done, elector };
  };
  const t0 = clock.now();
  const lease = async () => (await store.get<Lease>(GK.Lease, 'kube-system', 'l'))?.spec;
  return { clock, store, state, start, events, logs, lease, t0 };
}

test('create, renew keeping acquireTime, release on cancel, take over with a transition', async () => {
  const s = await setup();
  const a = s.start('a');
  await s.clock.advance(10);
  const first = (await s.lease())!;
  assert.equal(first.holderIdentity, 'a');
  assert.equal(first.leaseTransitions, 0);
  await s.clock.advance(10_000);
  const later = (await s.lease())!;
  assert.equal(later.acquireTime, first.acquireTime);
  assert.ok(Date.parse(later.renewTime!) > Date.parse(first.renewTime!));
  const b = s.start('b');
  await s.clock.advance(10_000);
  assert.equal((await s.lease())!.holderIdentity, 'a', 'b waits while a renews');
  a.abort.abort();
  await s.clock.advance(10);
  await a.done;
  const released = (await s.lease())!;
  assert.deepEqual([released.holderIdentity, released.leaseDurationSeconds, released.leaseTransitions], ['', 1, 0]);
  await s.clock.advance(4_500);
  const taken = (await s.lease())!;
  assert.deepEqual([taken.holderIdentity, taken.leaseTransitions, taken.leaseDurationSeconds], ['b', 1, 15]);
  assert.deepEqual(
    s.events.map((e) => e.split(' ').slice(1).join(' ')),
    ['a started', 'a stopped', 'b started'],
  );
  b.abort.abort();
  await s.clock.advance(10);
  await b.done;
});

test('a leader cut from the API server stops leading after the renew deadline; the other takes over after the lease duration', async () => {
  const s = await setup();
  const a = s.start('a');
  await s.clock.advance(10);
  const b = s.start('b');
  await s.clock.advance(3_000);
  const lastRenew = Date.parse((await s.lease())!.renewTime!);
  s.state.down.add('a');
  let stoppedAt: number | undefined;
  let takenAt: number | undefined;
  for (let t = 0; t < 30_000; t += 50) {
    await s.clock.advance(50);
    if (stoppedAt === undefined && s.events.some((e) => e.endsWith('a stopped'))) stoppedAt = s.clock.now();
    if (takenAt === undefined && (await s.lease())!.holderIdentity === 'b') takenAt = s.clock.now();
  }
  assert.ok(stoppedAt !== undefined && takenAt !== undefined);
  // a gives up within renewDeadline of its last successful renewal (plus one retry's wait)
  assert.ok(stoppedAt - lastRenew <= 5_000 + 2_000 + 100, `stopped ${stoppedAt - lastRenew} ms after its last renewal`);
  assert.ok(takenAt - lastRenew >= 15_000, `taken ${takenAt - lastRenew} ms after the last renewal`);
  assert.ok(stoppedAt < takenAt, 'never two leaders');
  assert.ok(s.logs.some((l) => l.startsWith('a info failed to renew lease kube-system/l: context deadline exceeded')));
  assert.equal((await s.lease())!.leaseTransitions, 1);
  a.abort.abort();
  b.abort.abort();
  await s.clock.advance(10);
  await Promise.all([a.done, b.done]);
});

test('a restarted holder takes its own lease back at once, without a transition', async () => {
  const s = await setup();
  const a = s.start('a');
  await s.clock.advance(10);
  const acquired = (await s.lease())!.acquireTime;
  s.state.down.add('a');
  a.abort.abort(); // the release cannot reach the server
  await s.clock.advance(10);
  await a.done;
  s.state.down.delete('a');
  const again = s.start('a');
  await s.clock.advance(10);
  const l = (await s.lease())!;
  assert.deepEqual([l.holderIdentity, l.leaseTransitions, l.acquireTime], ['a', 0, acquired]);
  again.abort.abort();
  await s.clock.advance(10);
  await again.done;
});
