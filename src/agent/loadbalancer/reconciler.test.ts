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

test('backend slots: healthy before quarantined, then state, address, port; maintenance backends get none', () => {
  const maps = new LBMaps();
  const r = new LBReconciler(maps, defaultLBConfig());
  const be = (addr: number, port: number, state: 0 | 1 | 3, unhealthy = false) => ({ address: { addr, port, proto: 6, scope: 0 }, nodeName: '', portNames: [], weight: 100, state, ...(unhealthy ? { unhealthy } : {}) });
  const slots = (backends: ReturnType<typeof be>[]) => {
    r.reconcileService([{ ...frontend(1, []), backends }], [{ addr: 1, port: 80, proto: 6, scope: 0 }]);
    return maps.lookupService(1, 80, 6, 0)!.values.slice(1).map((v) => {
      const b = maps.lookupBackend(v.backendId)!;
      return `${b.addr}:${b.port}`;
    });
  };
  assert.deepEqual(slots([be(3, 80, 0), be(2, 81, 0), be(2, 80, 0), be(1, 80, 1), be(9, 80, 3), be(0, 80, 0, true)]), ['2:80', '2:81', '3:80', '1:80', '0:80']);
  const many = Array.from({ length: 20 }, (_, i) => be(40 - i, 80, (i % 2) as 0 | 1));
  assert.deepEqual(slots(many), [...many].sort((a, b) => a.state - b.state || a.address.addr - b.address.addr).map((b) => `${b.address.addr}:80`));
  assert.deepEqual(slots([be(5, 80, 0), be(6, 80, 0)]), ['5:80', '6:80'], 'already in order');
});
