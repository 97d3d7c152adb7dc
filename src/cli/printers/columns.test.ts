import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsFor } from './columns.ts';

test('ippools columns read the spec and the pool conditions (spec §1.2)', () => {
  const row = (pool: Parameters<ReturnType<typeof columnsFor>[number]['value']>[0]) =>
    columnsFor('CiliumLoadBalancerIPPool', false).map((c) => c.value(pool, Date.parse('2025-08-16T00:01:00Z')));
  const pool = { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p', creationTimestamp: '2025-08-16T00:00:00Z' }, spec: { blocks: [{ cidr: '10.0.0.0/24' }] } };
  assert.deepEqual(row(pool), ['false', '', '', '60s']);
  const seen = {
    ...pool,
    spec: { ...pool.spec, disabled: true },
    status: {
      conditions: [
        { type: 'cilium.io/PoolConflict', status: 'False', reason: 'resolved', message: '' },
        { type: 'cilium.io/IPsAvailable', status: 'Unknown', reason: 'noreason', message: '18446744073709551622' },
      ],
    },
  };
  assert.deepEqual(row(seen), ['true', 'False', '18446744073709551622', '60s']);
});
