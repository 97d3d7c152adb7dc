import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cm, drain, newStore, ns } from '../store/testing.ts';
import type { KObject } from '../k8s/object.ts';
import { Informer } from './informer.ts';

const CM = { group: '', kind: 'ConfigMap' };
const names = (objs: KObject[]) => objs.map((o) => o.metadata.name);

test('indices follow adds, updates and deletes; keys of one value in the order they were last indexed', async () => {
  const store = newStore();
  await store.create(ns('default'));
  const inf = new Informer(store, CM, { indexers: { team: (o) => [String((o as { data?: { team?: string } }).data?.team ?? '')] } });
  await inf.start();
  const a = await store.create(cm('a', 'default', { team: 'red' }));
  await store.create(cm('b', 'default', { team: 'red' }));
  await store.create(cm('c', 'default', { team: 'blue' }));
  await drain();
  assert.deepEqual(names(inf.byIndex('team', 'red')), ['a', 'b']);
  assert.deepEqual(names(inf.byIndex('team', 'blue')), ['c']);

  // an update that keeps the value puts the object last, as removing and adding it again would
  await store.update({ ...a, data: { team: 'red', x: '1' } });
  await drain();
  assert.deepEqual(names(inf.byIndex('team', 'red')), ['b', 'a']);

  const c = (await store.get(CM, 'default', 'c'))!;
  await store.update({ ...c, data: { team: 'red' } });
  await drain();
  assert.deepEqual(names(inf.byIndex('team', 'red')), ['b', 'a', 'c']);
  assert.deepEqual(inf.byIndex('team', 'blue'), []);

  await store.delete(CM, 'default', 'b');
  await store.delete(CM, 'default', 'a');
  await drain();
  assert.deepEqual(names(inf.byIndex('team', 'red')), ['c']);
  await store.create(cm('d', 'default', { team: 'red' }));
  await drain();
  assert.deepEqual(names(inf.byIndex('team', 'red')), ['c', 'd']);
  await store.delete(CM, 'default', 'c');
  await store.delete(CM, 'default', 'd');
  await drain();
  assert.deepEqual(inf.byIndex('team', 'red'), []);
  assert.throws(() => inf.byIndex('nope', 'x'), /no index named nope/);
  inf.stop();
});

test('an object may sit under several values of one index', async () => {
  const store = newStore();
  await store.create(ns('default'));
  const inf = new Informer(store, CM, { indexers: { key: (o) => Object.keys((o as { data?: Record<string, string> }).data ?? {}) } });
  await inf.start();
  await store.create(cm('a', 'default', { x: '1', y: '1' }));
  const b = await store.create(cm('b', 'default', { y: '1' }));
  await drain();
  assert.deepEqual(names(inf.byIndex('key', 'x')), ['a']);
  assert.deepEqual(names(inf.byIndex('key', 'y')), ['a', 'b']);
  await store.update({ ...b, data: { x: '1' } });
  await drain();
  assert.deepEqual(names(inf.byIndex('key', 'x')), ['a', 'b']);
  assert.deepEqual(names(inf.byIndex('key', 'y')), ['a']);
  inf.stop();
});
