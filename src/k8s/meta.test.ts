import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  controllerOf,
  controllerRef,
  deepClone,
  deepEqual,
  findCondition,
  formatMicroTime,
  formatTime,
  getAnnotation,
  getLabel,
  isConditionTrue,
  isControlledBy,
  labelsOf,
  removeCondition,
  setCondition,
} from './meta.ts';
import type { Condition, KObject } from './object.ts';

const T0 = '2025-08-07T08:17:59Z';
const T1 = '2025-08-07T08:19:02Z';

test('setCondition keeps lastTransitionTime while the status holds (meta.SetStatusCondition)', () => {
  let conds: Condition[] = setCondition<Condition>(undefined, { type: 'cilium.io/IPsAvailable', status: 'Unknown', reason: 'noreason', message: '5' }, T0);
  assert.deepEqual(conds.slice(), [{ type: 'cilium.io/IPsAvailable', status: 'Unknown', reason: 'noreason', message: '5', lastTransitionTime: T0 }]);
  const same = setCondition(conds, { type: 'cilium.io/IPsAvailable', status: 'Unknown', reason: 'noreason', message: '5' }, T1);
  assert.equal(same, conds, 'unchanged: the same list comes back');
  conds = setCondition(conds, { type: 'cilium.io/IPsAvailable', status: 'Unknown', reason: 'noreason', message: '4', observedGeneration: 2 }, T1);
  assert.equal(conds[0]!.lastTransitionTime, T0, 'message change keeps the transition time');
  assert.equal(conds[0]!.message, '4');
  assert.equal(conds[0]!.observedGeneration, 2);
  conds = setCondition(conds, { type: 'cilium.io/IPsAvailable', status: 'True', reason: 'r', message: '' }, T1);
  assert.equal(conds[0]!.lastTransitionTime, T1);
  conds = setCondition(conds, { type: 'Other', status: 'False', lastTransitionTime: '2020-01-01T00:00:00Z' }, T1);
  assert.equal(conds[1]!.lastTransitionTime, '2020-01-01T00:00:00Z', 'an explicit time is kept');
  assert.equal(findCondition(conds, 'Other')?.status, 'False');
  assert.equal(isConditionTrue(conds, 'cilium.io/IPsAvailable'), true);
  assert.deepEqual(removeCondition(conds, 'Other').map((c) => c.type), ['cilium.io/IPsAvailable']);
});

test('property: setCondition is idempotent and leaves one condition per type', () => {
  const cond = fc.record({ type: fc.constantFrom('A', 'B', 'C'), status: fc.constantFrom('True', 'False', 'Unknown' as const), message: fc.string({ maxLength: 3 }) });
  fc.assert(
    fc.property(fc.array(cond, { maxLength: 10 }), (seq) => {
      let conds: Condition[] = [];
      for (const c of seq) conds = setCondition(conds, c, T0);
      assert.equal(new Set(conds.map((c) => c.type)).size, conds.length);
      for (const c of conds) assert.equal(setCondition(conds, c, T1), conds);
    }),
  );
});

test('owner references', () => {
  const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'webpod-697b545f57', uid: 'u-1' } };
  const ref = controllerRef(rs);
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'webpod-697b545f57', uid: 'u-1', controller: true, blockOwnerDeletion: true });
  const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [{ ...ref, controller: false }, ref] } };
  assert.equal(controllerOf(pod), pod.metadata.ownerReferences![1]);
  assert.equal(isControlledBy(pod, rs), true);
  assert.equal(isControlledBy(pod, { metadata: { uid: 'u-2' } }), false);
  assert.equal(isControlledBy({ metadata: {} }, rs), false);
});

test('labels, annotations, timestamps', () => {
  const o = { metadata: { labels: { app: 'webpod' }, annotations: { 'lbipam.cilium.io/ips': '192.168.10.215' } } };
  assert.equal(getLabel(o, 'app'), 'webpod');
  assert.equal(getLabel({}, 'app'), undefined);
  assert.deepEqual(labelsOf({}), {});
  assert.equal(getAnnotation(o, 'lbipam.cilium.io/ips'), '192.168.10.215');
  assert.equal(formatTime(Date.UTC(2025, 7, 7, 8, 17, 59, 123)), T0);
  assert.equal(formatMicroTime(Date.UTC(2025, 7, 8, 4, 49, 6, 568)), '2025-08-08T04:49:06.568000Z');
});

const json = fc.jsonValue();

test('property: deepClone gives an equal, independent copy; deepEqual ignores key order and undefined', () => {
  fc.assert(
    fc.property(json, (v) => {
      const c = deepClone(v);
      assert.ok(deepEqual(c, v));
      assert.deepEqual(c, v);
      if (c !== null && typeof c === 'object') assert.notEqual(c, v);
    }),
  );
  assert.ok(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  assert.ok(deepEqual({ a: 1, x: undefined }, { a: 1 }));
  assert.ok(!deepEqual({ a: 1 }, { a: 2 }));
  assert.ok(!deepEqual([1], { 0: 1 }));
  assert.ok(!deepEqual({ a: 1 }, { a: 1, b: 2 }));
});

test('deepClone keeps a JSON "__proto__" key as an own property', () => {
  const v = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>;
  const c = deepClone(v);
  assert.deepEqual(Object.keys(c), ['__proto__', 'b']);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.ok(deepEqual(c, v));
});
