// Identity allocation: the default label filter (spec §6.3), the cluster ID ranges, one
// CiliumIdentity per distinct label set with random IDs, garbage collection after two rounds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumIdentity, Pod } from '../../k8s/types.ts';
import { MemoryStore } from '../../store/memory.ts';
import { IdentityAllocator, identityRange } from './controller.ts';
import { identityLabels, isSecurityRelevant, labelStrings } from './labels.ts';

test('the default label filter keeps app labels and namespace context, drops Kubernetes bookkeeping', () => {
  for (const k of ['app', 'app.kubernetes.io/name', 'io.kubernetes.pod.namespace', 'io.cilium.k8s.policy.serviceaccount', 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name', 'team']) {
    assert.ok(isSecurityRelevant(k), k);
  }
  for (const k of ['pod-template-hash', 'controller-revision-hash', 'pod-template-generation', 'statefulset.kubernetes.io/pod-name', 'kubernetes.io/hostname', 'io.kubernetes.container.name', 'beta.kubernetes.io/arch', 'k8s.io/x', 'annotation.foo', 'etcd_node']) {
    assert.ok(!isSecurityRelevant(k), k);
  }
  const labels = identityLabels({
    namespace: 'default',
    podLabels: { app: 'webpod', 'pod-template-hash': '697b545f57' },
    namespaceLabels: { 'kubernetes.io/metadata.name': 'default' },
    serviceAccount: 'default',
    cluster: 'default',
  });
  // the labels `kubectl get ciliumidentities -o yaml` shows for a webpod of the seeds
  assert.deepEqual(labelStrings(labels), [
    'k8s:app=webpod',
    'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=default',
    'k8s:io.cilium.k8s.policy.cluster=default',
    'k8s:io.cilium.k8s.policy.serviceaccount=default',
    'k8s:io.kubernetes.pod.namespace=default',
  ]);
});

test('identity ranges per cluster ID (16 bits with 255 clusters, 15 bits with 511)', () => {
  assert.deepEqual(identityRange(0, 255), [256, 65535]);
  assert.deepEqual(identityRange(1, 255), [65536, 131071]);
  assert.deepEqual(identityRange(3, 511), [98304, 131071]);
});

function pod(name: string, labels: Record<string, string>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'traefik/whoami' }] } };
}

test('one identity per label set, random IDs in the cluster range, GC after two rounds unused', async () => {
  const clock = new VirtualClock();
  const store = new MemoryStore({ clock, rng: new Rng('s'), log: () => {} });
  await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } });
  await store.create(pod('webpod-a', { app: 'webpod', 'pod-template-hash': 'aaa' }));
  await store.create(pod('webpod-b', { app: 'webpod', 'pod-template-hash': 'bbb' }));
  await store.create(pod('curl-pod', { app: 'curl' }));
  const alloc = new IdentityAllocator(store, clock, new Rng('ids'), { cluster: 'default', clusterId: 0, maxConnectedClusters: 255, gcIntervalMs: 60_000 });
  await alloc.start();
  const settle = async () => {
    for (let i = 0; i < 20 && !(i > 0 && alloc.isIdle()); i++) await clock.settle();
  };
  await settle();
  const ids = (await store.list<CiliumIdentity>(GK.CiliumIdentity)).items;
  assert.equal(ids.length, 2);
  for (const i of ids) {
    const n = Number(i.metadata.name);
    assert.ok(n >= 256 && n <= 65535, i.metadata.name);
    assert.equal(i.metadata.labels?.['io.kubernetes.pod.namespace'], 'default');
  }
  assert.deepEqual(ids.map((i) => i['security-labels']?.['k8s:app']).sort(), ['curl', 'webpod']);
  // drawn at random, not handed out in order
  assert.notDeepEqual(ids.map((i) => Number(i.metadata.name)).sort(), [256, 257]);

  await store.delete(GK.Pod, 'default', 'curl-pod');
  await clock.advance(60_000);
  await settle();
  assert.equal((await store.list(GK.CiliumIdentity)).items.length, 2, 'kept after the first round');
  await clock.advance(60_000);
  await settle();
  const left = (await store.list<CiliumIdentity>(GK.CiliumIdentity)).items;
  assert.deepEqual(left.map((i) => i['security-labels']?.['k8s:app']), ['webpod']);
  alloc.stop();
});
