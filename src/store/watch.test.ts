import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GK } from '../k8s/kinds.ts';
import { cm, drain, newStore, ns, recorder, svc } from './testing.ts';
import { StoreError } from './types.ts';

describe('MemoryStore watch', () => {
  it('starts with ADDED for each object, then a BOOKMARK, then live events', async () => {
    const s = newStore();
    await s.create(ns('default'));
    await s.create(svc('b'));
    await s.create(svc('a'));
    const r = recorder();
    s.watch(GK.Service, {}, r.cb);
    assert.equal(r.events.length, 0, 'nothing is delivered inside watch()');
    const created = s.create(svc('c'));
    assert.equal(r.events.length, 0, 'nothing is delivered inside the write call');
    await created;
    await drain();
    assert.deepEqual(r.lines(), ['ADDED a@4', 'ADDED b@3', 'BOOKMARK @4', 'ADDED c@5']);
    assert.equal(r.events[2]!.object.kind, 'Service');
    assert.equal(r.events[2]!.object.apiVersion, 'v1');
  });

  it('delivers MODIFIED and DELETED with the deletion resourceVersion', async () => {
    const s = newStore();
    await s.create(ns('default'));
    const v1 = await s.create(svc('a'));
    const r = recorder();
    s.watch(GK.Service, { resourceVersion: await s.revision() }, r.cb);
    await s.update({ ...v1, spec: { ports: [{ port: 1 }] } });
    await s.delete(GK.Service, 'default', 'a');
    await drain();
    assert.deepEqual(r.lines(), ['MODIFIED a@4', 'DELETED a@5']);
    assert.deepEqual(r.events[1]!.object.spec, { ports: [{ port: 1 }] });
  });

  it('filters by namespace, label and field selector; leaving the selector is a DELETED', async () => {
    const s = newStore();
    await s.create(ns('default'));
    await s.create(ns('other'));
    const byLabel = recorder();
    const byNs = recorder();
    const byField = recorder();
    const rv = await s.revision();
    s.watch(GK.Service, { resourceVersion: rv, labelSelector: 'app=web' }, byLabel.cb);
    s.watch(GK.Service, { resourceVersion: rv, namespace: 'other' }, byNs.cb);
    s.watch(GK.Service, { resourceVersion: rv, fieldSelector: 'metadata.name=a' }, byField.cb);
    const a = await s.create(svc('a', 'default', { app: 'web' }));
    await s.create(svc('b', 'other', { app: 'db' }));
    const a2 = await s.update({ ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
    await s.update({ ...a2, metadata: { ...a2.metadata, labels: { app: 'web' } } });
    await drain();
    assert.deepEqual(byLabel.lines(), ['ADDED a@4', 'DELETED a@6', 'ADDED a@7']);
    // The DELETED carries the object as the watcher last saw it (still matching), at the new revision.
    assert.deepEqual(byLabel.events[1]!.object.metadata.labels, { app: 'web' });
    assert.deepEqual(byNs.lines(), ['ADDED b@5']);
    assert.deepEqual(byField.lines(), ['ADDED a@4', 'MODIFIED a@6', 'MODIFIED a@7']);
  });

  it('replays history from a resourceVersion, and answers Gone when it is too old', async () => {
    const s = newStore({ historySize: 3 });
    await s.create(ns('default'));
    const start = Number(await s.revision());
    for (let i = 0; i < 10; i++) await s.create(cm(`c${i}`));
    const r = recorder();
    s.watch(GK.ConfigMap, { resourceVersion: String(start + 7) }, r.cb);
    await drain();
    assert.deepEqual(r.lines(), [`ADDED c7@${start + 8}`, `ADDED c8@${start + 9}`, `ADDED c9@${start + 10}`]);
    assert.throws(
      () => s.watch(GK.ConfigMap, { resourceVersion: String(start) }, () => {}),
      (e: unknown) => e instanceof StoreError && e.code === 'Gone' && /^too old resource version: \d+ \(\d+\)$/.test(e.message),
    );
    assert.throws(() => s.watch(GK.ConfigMap, { resourceVersion: 'abc' }, () => {}), /invalid resource version "abc"/);
    assert.throws(() => s.watch(GK.ConfigMap, { resourceVersion: '999' }, () => {}), /too large resource version: 999/);
    // Other kinds keep their own history: Services had no change, so any revision since the start is fine.
    s.watch(GK.Service, { resourceVersion: '1' }, () => {}).stop();
  });

  it('treats resourceVersion "0" like an unset one', async () => {
    const s = newStore();
    await s.create(ns('default'));
    const r = recorder();
    s.watch(GK.Namespace, { resourceVersion: '0' }, r.cb);
    await drain();
    assert.deepEqual(r.lines(), ['ADDED default@2', 'BOOKMARK @2']);
  });

  it('keeps revision order per watcher across a transaction and cascades', async () => {
    const s = newStore();
    const r = recorder();
    s.watch(GK.ConfigMap, {}, r.cb);
    const nsr = recorder();
    s.watch(GK.Namespace, {}, nsr.cb);
    await s.transaction([
      { op: 'create', object: ns('x') },
      { op: 'create', object: cm('a', 'x') },
      { op: 'create', object: cm('b', 'x') },
    ]);
    await s.delete(GK.Namespace, undefined, 'x');
    await drain();
    assert.deepEqual(r.lines(), ['BOOKMARK @1', 'ADDED a@3', 'ADDED b@4', 'DELETED a@6', 'DELETED b@7']);
    assert.deepEqual(nsr.lines(), ['BOOKMARK @1', 'ADDED x@2', 'MODIFIED x@5', 'DELETED x@8']);
  });

  it('sends nothing for a failed or dry-run write, and nothing after stop()', async () => {
    const s = newStore();
    await s.create(ns('default'));
    const r = recorder();
    const w = s.watch(GK.ConfigMap, { resourceVersion: await s.revision() }, r.cb);
    await s.create(cm('dry'), { dryRun: true });
    await assert.rejects(s.transaction([{ op: 'create', object: cm('a') }, { op: 'create', object: cm('a') }]));
    await s.create(cm('real'));
    await drain();
    w.stop();
    await s.create(cm('after'));
    await drain();
    assert.deepEqual(r.lines(), ['ADDED real@3']);
  });

  it('keeps delivering to others when a callback throws, and reports it', async () => {
    const lines: string[] = [];
    const s = newStore({ log: (l) => lines.push(l) });
    await s.create(ns('default'));
    s.watch(GK.ConfigMap, { resourceVersion: await s.revision() }, () => {
      throw new Error('boom');
    });
    const r = recorder();
    s.watch(GK.ConfigMap, { resourceVersion: await s.revision() }, r.cb);
    await s.create(cm('a'));
    await drain();
    assert.deepEqual(r.lines(), ['ADDED a@3']);
    assert.deepEqual(lines, ['store: a watch callback on configmaps threw: boom']);
  });

  it('delivers events caused by a callback in a later round, without starving the event loop', async () => {
    const s = newStore();
    await s.create(ns('default'));
    let writes = 0;
    s.watch(GK.ConfigMap, { resourceVersion: await s.revision() }, (ev) => {
      if (writes < 50) {
        writes++;
        void s.update({ ...ev.object, data: { n: String(writes) } });
      }
    });
    await s.create(cm('a'));
    let ticks = 0;
    while (writes < 50 && ticks < 1000) {
      await new Promise((r) => setImmediate(r));
      ticks++;
    }
    assert.equal(writes, 50);
    assert.ok(ticks >= 25, `callback-driven writes must spread over event-loop turns (took ${ticks})`);
  });
});
