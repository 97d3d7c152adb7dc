import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../../k8s/object.ts';
import { setCondition } from './conditions.ts';

describe('setCondition', () => {
  it('moves lastTransitionTime only when the status changes, and reports changes', () => {
    const conds: Condition[] = [];
    let t = 'T1';
    const now = () => t;
    const avail = (message: string) => ({ type: 'cilium.io/IPsAvailable', status: 'Unknown' as const, reason: 'noreason', message, observedGeneration: 1 });
    assert.equal(setCondition(conds, avail('5'), now), true);
    t = 'T2';
    assert.equal(setCondition(conds, avail('5'), now), false, 'nothing changed');
    assert.equal(setCondition(conds, avail('4'), now), true);
    assert.deepEqual(conds, [{ type: 'cilium.io/IPsAvailable', status: 'Unknown', lastTransitionTime: 'T1', reason: 'noreason', message: '4', observedGeneration: 1 }]);
    assert.equal(setCondition(conds, { ...avail('4'), status: 'True' }, now), true);
    assert.equal(conds[0]!.lastTransitionTime, 'T2');
  });

  it('replaces in place, appends new types, and leaves out a zero observedGeneration', () => {
    const conds: Condition[] = [{ type: 'other', status: 'True' }, { type: 'mine', status: 'False', reason: 'no_pool', message: 'x' }];
    setCondition(conds, { type: 'mine', status: 'True', reason: 'satisfied', message: '', observedGeneration: 0 }, () => 'T');
    setCondition(conds, { type: 'new', status: 'True', reason: 'r' }, () => 'T');
    assert.deepEqual(conds, [
      { type: 'other', status: 'True' },
      { type: 'mine', status: 'True', lastTransitionTime: 'T', reason: 'satisfied', message: '' },
      { type: 'new', status: 'True', lastTransitionTime: 'T', reason: 'r', message: '' },
    ]);
  });
});
