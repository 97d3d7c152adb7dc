import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LBMaps } from '../../datapath/maps/lb.ts';
import { defaultLBConfig } from './config.ts';
import { IdAllocator } from './idalloc.ts';
import type { DesiredFrontend, ServiceModel } from './model.ts';
import { LBReconciler } from './reconciler.ts';

const svc: ServiceModel = {
  name: 'default/s',
  namespace: 'default',
  extTrafficLocal: false,
  intTrafficLocal: false,
  sessionAffinity: false,
  sessionAffinityTimeoutSec: 0,
  sourceRanges: [],
  sourceRangesDeny: false,
  healthCheckNodePort: 0,
  proxyDelegation: false,
  loopbackHostPort: false,
};

function frontend(addr: number, backends: number[]): DesiredFrontend {
  return {
    params: { address: { addr, port: 80, proto: 6, scope: 0 }, type: 'ClusterIP', portName: '', servicePort: 80 },
    service: svc,
    backends: backends.map((b) => ({ address: { addr: b, port: 8080, proto: 6, scope: 0 }, nodeName: '', portNames: [], weight: 100, state: 0 as const })),
  };
}

test('ID allocation continues upwards, skips taken IDs and wraps', () => {
  const a = new IdAllocator(1, 5);
  a.reserve(2);
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], [3, 4, 1]);
  assert.equal(a.allocate(), undefined);
  a.release(3);
  assert.equal(a.allocate(), 3);
});

test('exhausted IDs are reported and leave the maps as they were', () => {
  const maps = new LBMaps();
  const r = new LBReconciler(maps, defaultLBConfig(), { services: 3, backends: 4 });
  r.reconcileService([frontend(1, [100]), frontend(2, [101])], []);
  r.reconcileService([frontend(3, [102])], []);
  assert.deepEqual(r.takeErrors(), [{ frontend: '0.0.0.3:80/TCP', message: 'failed to allocate id: no ID available' }]);
  // Backend IDs: 100 and 101 hold 1 and 2, 103 gets 3, 104 finds none; frontend 1 keeps its old slots.
  r.reconcileService([frontend(1, [100, 103, 104])], []);
  assert.deepEqual(r.takeErrors(), [{ frontend: '0.0.0.1:80/TCP', message: 'failed to allocate backend id: no ID available' }]);
  assert.equal(maps.lookupService(1, 80, 6, 0)!.values.length, 2);
  assert.equal(maps.backends4.size, 2, 'the backend created for the failed write is gone again');
  assert.deepEqual(r.takeErrors(), []);
});
