import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { GK } from '../k8s/kinds.ts';
import type { KObject } from '../k8s/object.ts';
import { matches, parseSelector } from '../k8s/selectors.ts';
import { thaw } from './json.ts';
import type { Admit, Patcher } from './memory.ts';
import { cm, newStore, ns, svc } from './testing.ts';
import { StoreError, TransactionError } from './types.ts';

async function rejects(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreError, `not a StoreError: ${e}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

async function withDefault() {
  const s = newStore();
  await s.create(ns('default'));
  return s;
}

/** Test double for k8s/patch.ts: a JSON merge patch over plain objects. */
const mergePatcher: Patcher = (type, target, patch) => {
  if (type !== 'merge') throw new Error(`fake patcher: ${type} not supported`);
  const merge = (t: unknown, p: unknown): unknown => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
    const out: Record<string, unknown> = t !== null && typeof t === 'object' && !Array.isArray(t) ? { ...(t as object) } : {};
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete out[k];
      else out[k] = merge(out[k], v);
    }
    return out;
  };
  return merge(target, patch) as KObject;
};

describe('MemoryStore metadata', () => {
  it('stamps uid, resourceVersion, generation and creationTimestamp', async () => {
    const clock = new VirtualClock(Date.UTC(2025, 7, 16, 1, 2, 3, 456));
    const s = newStore({ clock });
    await s.create(ns('default'));
    const out = await s.create(svc('webpod'));
    assert.match(out.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(out.metadata.resourceVersion, '3');
    // Services carry no generation in Kubernetes; workloads and custom resources do
    assert.equal(out.metadata.generation, undefined);
    const deploy = await s.create<KObject>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: {} });
    assert.equal(deploy.metadata.generation, 1);
    assert.equal(out.metadata.creationTimestamp, '2025-08-16T01:02:03Z');
    assert.equal(await s.revision(), '4');
  });

  it('draws uids and generated names from the injected Rng (same seed, same values)', async () => {
    const run = async () => {
      const s = newStore({ rng: new Rng(42) });
      await s.create(ns('default'));
      const a = await s.create<KObject>({ ...svc(''), metadata: { generateName: 'webpod-', namespace: 'default' } });
      return [a.metadata.name, a.metadata.uid];
    };
    const [first, second] = [await run(), await run()];
    assert.deepEqual(first, second);
    assert.match(first[0]!, /^webpod-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('draws another generated name on a collision', async () => {
    const s = newStore({ rng: new Rng(7) });
    await s.create(ns('default'));
    // Predict the store's first draw: after the uids of the namespace and of the ConfigMap below (4 words each).
    const twin = new Rng(7);
    for (let i = 0; i < 8; i++) twin.uint32();
    const taken = `p-${twin.string(5)}`;
    await s.create(cm(taken));
    const got = await s.create<KObject>({ ...cm(''), metadata: { generateName: 'p-', namespace: 'default' } });
    assert.notEqual(got.metadata.name, taken);
    assert.match(got.metadata.name!, /^p-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('requires a name or generateName, and rejects names that cannot be a path segment', async () => {
    const s = await withDefault();
    await rejects(
      s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default' } }),
      'Invalid',
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    await rejects(s.create(cm('a/b')), 'Invalid', `ConfigMap "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain '/'`);
  });

  it('keeps namespaced objects in an existing namespace and drops the namespace of cluster-scoped ones', async () => {
    const s = newStore();
    await rejects(s.create(svc('webpod', 'foo')), 'NotFound', 'namespaces "foo" not found');
    await rejects(s.create({ ...svc('webpod'), metadata: { name: 'webpod' } }), 'BadRequest', /namespace is required/);
    const n = await s.create({ ...ns('foo'), metadata: { name: 'foo', namespace: 'bar' } });
    assert.equal(n.metadata.namespace, undefined);
    const node = await s.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'k8s-ctr', namespace: 'x' } });
    assert.equal(node.metadata.namespace, undefined);
    assert.ok(await s.get(GK.Node, 'ignored', 'k8s-ctr'));
  });

  it('names resources like the apiserver in NotFound and AlreadyExists', async () => {
    const s = await withDefault();
    await s.create(svc('webpod'));
    await rejects(s.create(svc('webpod')), 'AlreadyExists', 'services "webpod" already exists');
    await rejects(s.delete(GK.Service, 'default', 'nope'), 'NotFound', 'services "nope" not found');
    await rejects(s.delete(GK.CiliumLoadBalancerIPPool, undefined, 'x'), 'NotFound', 'ciliumloadbalancerippools.cilium.io "x" not found');
    await rejects(s.delete(GK.Deployment, 'default', 'x'), 'NotFound', 'deployments.apps "x" not found');
    await rejects(s.get({ group: 'example.com', kind: 'Widget' }, undefined, 'x'), 'NotFound', 'the server could not find the requested resource');
    assert.equal(await s.get(GK.Service, 'default', 'nope'), undefined);
  });

  it('refuses a resourceVersion on create and values JSON cannot carry', async () => {
    const s = await withDefault();
    await rejects(
      s.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', resourceVersion: '5' } }),
      'BadRequest',
      'resourceVersion should not be set on objects to be created',
    );
    await rejects(s.create({ ...cm('a'), data: { when: new Date(0) as unknown as string } }), 'BadRequest', 'data.when: not a JSON value');
    assert.equal((await s.list(GK.ConfigMap)).items.length, 0);
  });
});

describe('MemoryStore update', () => {
  it('detects a stale resourceVersion with the apiserver message and changes nothing', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    const v2 = await s.update({ ...v1, spec: { ports: [{ port: 81 }] } });
    const rev = await s.revision();
    await rejects(
      s.update({ ...v1, spec: { ports: [{ port: 82 }] } }),
      'Conflict',
      'Operation cannot be fulfilled on services "webpod": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(await s.revision(), rev);
    assert.deepEqual(await s.get(GK.Service, 'default', 'webpod'), v2);
    // An empty resourceVersion means "whatever is stored": last write wins.
    const v3 = await s.update({ ...v1, metadata: { ...v1.metadata, resourceVersion: '' }, spec: { ports: [{ port: 83 }] } });
    assert.equal((v3.spec as { ports: { port: number }[] }).ports[0]!.port, 83);
  });

  it('checks a uid precondition', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    await rejects(
      s.update({ ...v1, metadata: { ...v1.metadata, uid: 'other' } }),
      'Conflict',
      `Operation cannot be fulfilled on services "webpod": Precondition failed: UID in precondition: other, UID in object meta: ${v1.metadata.uid}`,
    );
  });

  it('bumps generation only when something besides metadata and status changes', async () => {
    const s = await withDefault();
    const v1 = await s.create<KObject>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1 } });
    const labelled = await s.update({ ...v1, metadata: { ...v1.metadata, labels: { a: 'b' } } });
    assert.equal(labelled.metadata.generation, 1);
    const spec = await s.update({ ...labelled, spec: { replicas: 2 } });
    assert.equal(spec.metadata.generation, 2);
    const status = await s.updateStatus({ ...spec, status: { replicas: 2 } });
    assert.equal(status.metadata.generation, 2);
    // Kinds without a generation (ConfigMap, Service) never get one.
    const c = await s.create(cm('c', 'default', { a: '1' }));
    assert.equal((await s.update({ ...c, data: { a: '2' } })).metadata.generation, undefined);
  });

  it('ignores status in update and everything but status in updateStatus (status subresource)', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    const withStatus = await s.updateStatus({ ...v1, status: { x: 1 }, spec: { ports: [{ port: 1 }] }, metadata: { ...v1.metadata, labels: { l: 'v' } } });
    assert.deepEqual(withStatus.spec, v1.spec);
    assert.equal(withStatus.metadata.labels, undefined);
    assert.deepEqual(withStatus.status, { x: 1 });
    const updated = await s.update({ ...withStatus, status: { x: 2 }, spec: { ports: [{ port: 2 }] } });
    assert.deepEqual(updated.status, { x: 1 });
    assert.deepEqual(updated.spec, { ports: [{ port: 2 }] });
    const c = await s.create(cm('c'));
    await rejects(s.updateStatus(c), 'NotFound', 'the server could not find the requested resource');
  });

  it('writes nothing for an update that changes nothing', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    const rev = await s.revision();
    const same = await s.update(thaw(v1));
    assert.equal(same, v1);
    assert.equal(await s.revision(), rev);
  });

  it('keeps server-managed metadata', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    const m = v1.metadata;
    const v2 = await s.update({ ...v1, metadata: { ...m, creationTimestamp: '2000-01-01T00:00:00Z', generation: 99, labels: { x: 'y' } } });
    assert.equal(v2.metadata.creationTimestamp, m.creationTimestamp);
    assert.equal(v2.metadata.generation, undefined);
    assert.equal(v2.metadata.uid, m.uid);
    await rejects(s.update(svc('missing')), 'NotFound', 'services "missing" not found');
  });
});

describe('MemoryStore copy contract', () => {
  it('hands out frozen objects and never keeps or changes the caller’s', async () => {
    const s = await withDefault();
    const input = svc('webpod', 'default', { app: 'w' });
    const out = await s.create(input);
    assert.equal(input.metadata.uid, undefined);
    (input.metadata.labels as Record<string, string>).app = 'changed';
    const got = (await s.get(GK.Service, 'default', 'webpod'))!;
    assert.equal(got.metadata.labels!.app, 'w');
    assert.ok(Object.isFrozen(got) && Object.isFrozen(got.metadata.labels) && Object.isFrozen((got.spec as { ports: object[] }).ports[0]));
    assert.throws(() => {
      (got.metadata.labels as Record<string, string>).app = 'x';
    }, TypeError);
    assert.equal(got, out);
    const copy = thaw(got);
    copy.metadata.labels!.app = 'mine';
    assert.equal((await s.update(copy)).metadata.labels!.app, 'mine');
  });
});

describe('MemoryStore admission and patch hooks', () => {
  const admit: Admit = (op, obj, old) => {
    if (obj.metadata.labels?.bad) throw new StoreError('Invalid', `Service "${obj.metadata.name}" is invalid: metadata.labels: bad`);
    if (obj.kind === 'Service') {
      const spec = obj.spec as Record<string, unknown>;
      spec.type ??= 'ClusterIP';
      if (op === 'update' && old) spec.clusterIP = (old.spec as Record<string, unknown>).clusterIP;
      else spec.clusterIP ??= '10.96.0.10';
    }
    return obj;
  };

  it('stores what admission returns and passes its errors through', async () => {
    const s = newStore({ admit });
    await s.create(ns('default'));
    const out = await s.create(svc('webpod'));
    assert.deepEqual(out.spec, { ports: [{ port: 80 }], type: 'ClusterIP', clusterIP: '10.96.0.10' });
    const up = await s.update({ ...out, spec: { ports: [{ port: 90 }], clusterIP: '1.1.1.1' } });
    assert.equal((up.spec as { clusterIP: string }).clusterIP, '10.96.0.10');
    await rejects(s.create(svc('x', 'default', { bad: 'y' })), 'Invalid', 'Service "x" is invalid: metadata.labels: bad');
    assert.equal(await s.get(GK.Service, 'default', 'x'), undefined);
  });

  it('applies patches through the patcher and checks the result like an update', async () => {
    const s = newStore({ patcher: mergePatcher });
    await s.create(ns('default'));
    const v1 = await s.create(svc('webpod'));
    const p = await s.patch(GK.Service, 'default', 'webpod', 'merge', { metadata: { labels: { app: 'w' } } });
    assert.deepEqual(p.metadata.labels, { app: 'w' });
    assert.equal(p.metadata.generation, undefined);
    const st = await s.patch(GK.Service, 'default', 'webpod', 'merge', { status: { a: 1 }, spec: { x: 1 } }, { subresource: 'status' });
    assert.deepEqual(st.status, { a: 1 });
    assert.equal((st.spec as { x?: number }).x, undefined);
    await rejects(
      s.patch(GK.Service, 'default', 'webpod', 'merge', { metadata: { resourceVersion: v1.metadata.resourceVersion } }),
      'Conflict',
      /the object has been modified/,
    );
    await rejects(s.patch(GK.Service, 'default', 'webpod', 'json', []), 'BadRequest', 'fake patcher: json not supported');
    await rejects(s.patch(GK.Service, 'default', 'webpod', 'merge', { metadata: { name: 'other' } }), 'BadRequest', /does not match the name/);
    await rejects(s.patch(GK.Service, 'default', 'nope', 'merge', {}), 'NotFound', 'services "nope" not found');
    await rejects(newStore().patch(GK.Namespace, undefined, 'x', 'merge', {}), 'NotFound', 'namespaces "x" not found');
  });
});

describe('MemoryStore delete', () => {
  it('with finalizers sets deletionTimestamp, and the update removing the last one deletes', async () => {
    const clock = new VirtualClock();
    const s = newStore({ clock });
    await s.create(ns('default'));
    await s.create({ ...svc('webpod'), metadata: { name: 'webpod', namespace: 'default', finalizers: ['a', 'b'] } });
    await clock.advance(5000);
    const marked = await s.delete(GK.Service, 'default', 'webpod');
    assert.equal(marked.metadata.deletionTimestamp, '2025-08-16T00:00:05Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(marked.metadata.generation, undefined); // only a set generation is bumped by deletion
    assert.equal(await s.delete(GK.Service, 'default', 'webpod'), marked);
    await rejects(
      s.update({ ...marked, metadata: { ...marked.metadata, finalizers: ['a', 'b', 'c'] } }),
      'Invalid',
      /no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"c"\}/,
    );
    const one = await s.update({ ...marked, metadata: { ...marked.metadata, finalizers: ['b'] } });
    assert.ok(await s.get(GK.Service, 'default', 'webpod'));
    const last = await s.update({ ...one, metadata: { ...one.metadata, finalizers: [] } });
    assert.deepEqual(last.metadata.finalizers, []);
    assert.equal(await s.get(GK.Service, 'default', 'webpod'), undefined);
  });

  it('honours a resourceVersion precondition', async () => {
    const s = await withDefault();
    const v1 = await s.create(svc('webpod'));
    await s.update({ ...v1, spec: { ports: [{ port: 1 }] } });
    await rejects(
      s.delete(GK.Service, 'default', 'webpod', { resourceVersion: v1.metadata.resourceVersion }),
      'Conflict',
      `Operation cannot be fulfilled on services "webpod": the ResourceVersion in the precondition (3) does not match the ResourceVersion in record (4). The object might have been modified`,
    );
  });

  it('deletes a scheduled Pod gracefully and an unscheduled one at once', async () => {
    const clock = new VirtualClock(Date.UTC(2025, 7, 16));
    const s = newStore({ clock });
    await s.create(ns('default'));
    const pod = (name: string, nodeName?: string): KObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
    });
    await s.create(pod('pending'));
    await s.delete(GK.Pod, 'default', 'pending');
    assert.equal(await s.get(GK.Pod, 'default', 'pending'), undefined);

    await s.create(pod('running', 'k8s-w1'));
    const t = await s.delete(GK.Pod, 'default', 'running');
    assert.equal(t.metadata.deletionTimestamp, '2025-08-16T00:00:30Z');
    assert.equal(t.metadata.deletionGracePeriodSeconds, 30);
    // A longer or unset grace period does not extend it; a shorter one does shorten it.
    assert.equal(await s.delete(GK.Pod, 'default', 'running', { gracePeriodSeconds: 60 }), t);
    const shorter = await s.delete(GK.Pod, 'default', 'running', { gracePeriodSeconds: 10 });
    assert.equal(shorter.metadata.deletionTimestamp, '2025-08-16T00:00:10Z');
    assert.equal(shorter.metadata.generation, undefined);
    await s.delete(GK.Pod, 'default', 'running', { gracePeriodSeconds: 0 });
    assert.equal(await s.get(GK.Pod, 'default', 'running'), undefined);
  });

  it('deletes the contents of a deleted namespace, waiting for finalizers', async () => {
    const s = newStore();
    await s.create(ns('a'));
    await s.create(ns('b'));
    await s.create(svc('x', 'a'));
    await s.create(cm('y', 'a'));
    await s.create(svc('z', 'b'));
    const held = await s.create({ ...cm('held', 'a'), metadata: { name: 'held', namespace: 'a', finalizers: ['f'] } });
    const gone = await s.delete(GK.Namespace, undefined, 'a');
    assert.ok(gone.metadata.deletionTimestamp);
    assert.equal((gone.status as { phase: string }).phase, 'Terminating');
    assert.deepEqual(
      (await s.list(GK.ConfigMap)).items.map((o) => o.metadata.name),
      ['held'],
    );
    assert.equal((await s.list(GK.Service)).items.length, 1);
    await rejects(s.create(cm('new', 'a')), 'Forbidden', 'configmaps "new" is forbidden: unable to create new content in namespace a because it is being terminated');
    const marked = (await s.get(GK.ConfigMap, 'a', 'held'))!;
    assert.ok(marked.metadata.deletionTimestamp);
    await s.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    assert.equal(await s.get(GK.Namespace, undefined, 'a'), undefined);
    assert.equal(held.metadata.namespace, 'a');
    // An empty namespace goes at once.
    assert.equal((await s.delete(GK.Namespace, undefined, 'b')).metadata.name, 'b');
    assert.equal((await s.list(GK.Namespace)).items.length, 0);
  });

  it('garbage-collects dependents, keeping those with another live owner', async () => {
    const s = await withDefault();
    const owner = (o: KObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid! });
    const deploy = await s.create<KObject>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: {} });
    const other = await s.create(cm('other'));
    const rs = await s.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'default', ownerReferences: [owner(deploy)] },
      spec: {},
    });
    await s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1-a', namespace: 'default', ownerReferences: [owner(rs)] }, spec: {} });
    await s.create({ ...cm('shared'), metadata: { name: 'shared', namespace: 'default', ownerReferences: [owner(deploy), owner(other)] } });
    await s.delete(GK.Deployment, 'default', 'web');
    assert.equal(await s.get(GK.ReplicaSet, 'default', 'web-1'), undefined);
    assert.equal(await s.get(GK.Pod, 'default', 'web-1-a'), undefined);
    const shared = (await s.get(GK.ConfigMap, 'default', 'shared'))!;
    assert.deepEqual(
      shared.metadata.ownerReferences!.map((r) => r.name),
      ['other'],
    );
    await s.delete(GK.ConfigMap, 'default', 'other');
    assert.equal(await s.get(GK.ConfigMap, 'default', 'shared'), undefined);
  });
});

describe('MemoryStore list', () => {
  it('lists in namespace-then-name key order, by namespace, label and field selector', async () => {
    const s = newStore();
    for (const n of ['kube-system', 'default', 'kube']) await s.create(ns(n));
    await s.create(svc('b', 'default', { app: 'x' }));
    await s.create(svc('a', 'kube-system', { app: 'y' }));
    await s.create(svc('a', 'default', { app: 'x', tier: 'db' }));
    await s.create(svc('z', 'kube'));
    const names = (items: KObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    const all = await s.list(GK.Service);
    // etcd key order of namespace/name: "kube-system/" sorts before "kube/".
    assert.deepEqual(names(all.items), ['default/a', 'default/b', 'kube-system/a', 'kube/z']);
    assert.equal(all.resourceVersion, await s.revision());
    assert.deepEqual(names((await s.list(GK.Service, { namespace: 'default' })).items), ['default/a', 'default/b']);
    assert.deepEqual(names((await s.list(GK.Service, { namespace: 'kube' })).items), ['kube/z']);
    assert.deepEqual(names((await s.list(GK.Service, { labelSelector: 'app=x,!tier' })).items), ['default/b']);
    assert.deepEqual(names((await s.list(GK.Service, { fieldSelector: 'metadata.namespace!=default,metadata.name=a' })).items), ['kube-system/a']);
    const selectorError = (() => {
      try {
        parseSelector('app in x');
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    })();
    await rejects(s.list(GK.Service, { labelSelector: 'app in x' }), 'BadRequest', selectorError);
    await rejects(s.list(GK.Service, { fieldSelector: 'spec.nodeName=x' }), 'BadRequest', 'field label not supported: spec.nodeName');
    assert.deepEqual((await s.list(GK.Namespace)).items.map((o) => o.metadata.name), ['default', 'kube', 'kube-system']);
  });

  it('agrees with a naive filter and sort for any set of writes', async () => {
    const nsName = fc.constantFrom('a', 'a-b', 'b');
    const op = fc.record({
      ns: nsName,
      name: fc.constantFrom('x', 'x-1', 'y', 'z.z'),
      app: fc.option(fc.constantFrom('p', 'q'), { nil: undefined }),
      del: fc.boolean(),
      check: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.constantFrom('', 'app=p', 'app!=p', '!app', 'app in (p,q)'), nsName, async (ops, sel, listNs) => {
        const s = newStore();
        for (const n of ['a', 'a-b', 'b']) await s.create(ns(n));
        const model = new Map<string, KObject>();
        const selector = parseSelector(sel);
        const expect = (only?: string) =>
          [...model.keys()]
            .filter((k) => (only === undefined || k.startsWith(`${only}/`)) && matches(selector, model.get(k)!.metadata.labels))
            .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const keys = (r: { items: KObject[] }) => r.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
        const check = async () => {
          assert.deepEqual(keys(await s.list(GK.ConfigMap, { labelSelector: sel })), expect());
          assert.deepEqual(keys(await s.list(GK.ConfigMap, { labelSelector: sel, namespace: listNs })), expect(listNs));
        };
        for (const o of ops) {
          const key = `${o.ns}/${o.name}`;
          if (o.del) {
            if (model.delete(key)) await s.delete(GK.ConfigMap, o.ns, o.name);
          } else {
            const obj = { ...cm(o.name, o.ns), metadata: { name: o.name, namespace: o.ns, ...(o.app ? { labels: { app: o.app } } : {}) } };
            const cur = model.get(key);
            model.set(key, obj);
            if (cur) await s.update(obj);
            else await s.create(obj);
          }
          // Lists between writes exercise the incrementally maintained order, not just the first sort.
          if (o.check) await check();
        }
        await check();
      }),
      { numRuns: 60 },
    );
  });
});

describe('MemoryStore transactions and dry runs', () => {
  it('applies all operations in consecutive revisions, later ones seeing earlier ones', async () => {
    const s = newStore();
    const before = Number(await s.revision());
    const out = await s.transaction([
      { op: 'create', object: ns('demo') },
      { op: 'create', object: svc('webpod', 'demo') },
      { op: 'create', object: cm('c', 'demo') },
      { op: 'delete', gk: GK.ConfigMap, namespace: 'demo', name: 'c' },
    ]);
    assert.deepEqual(
      out.map((o) => o.metadata.resourceVersion),
      [before + 1, before + 2, before + 3, before + 4].map(String),
    );
    assert.equal(await s.revision(), String(before + 4));
  });

  it('applies nothing when one operation fails, and says which', async () => {
    const s = await withDefault();
    await s.create(svc('exists'));
    const rev = await s.revision();
    await assert.rejects(
      s.transaction([
        { op: 'create', object: ns('demo') },
        { op: 'create', object: svc('a', 'demo') },
        { op: 'create', object: svc('exists') },
      ]),
      (e: unknown) => e instanceof TransactionError && e.index === 2 && e.code === 'AlreadyExists' && e.message === 'services "exists" already exists',
    );
    assert.equal(await s.revision(), rev);
    assert.equal(await s.get(GK.Namespace, undefined, 'demo'), undefined);
    assert.equal((await s.list(GK.Service)).items.length, 1);
    // The store keeps working after a rollback, from the same revision.
    assert.equal((await s.create(ns('demo'))).metadata.resourceVersion, String(Number(rev) + 1));
  });

  it('computes a dry run without storing it', async () => {
    const s = await withDefault();
    const rev = await s.revision();
    const out = await s.create(svc('webpod'), { dryRun: true });
    assert.equal(out.metadata.name, 'webpod');
    assert.equal(await s.get(GK.Service, 'default', 'webpod'), undefined);
    assert.equal(await s.revision(), rev);
    await rejects(s.create(svc('webpod', 'nope'), { dryRun: true }), 'NotFound', 'namespaces "nope" not found');
  });
});

describe('MemoryStore bad input', () => {
  it('rejects metadata the store cannot work with, changing nothing', async () => {
    const s = await withDefault();
    const rev = await s.revision();
    const bad = async (metadata: Record<string, unknown>, message: string) =>
      rejects(s.create({ ...cm('x'), metadata: { name: 'x', namespace: 'default', ...metadata } }), 'Invalid', message);
    await bad({ ownerReferences: 5 }, 'ConfigMap "x" is invalid: metadata.ownerReferences: Invalid value: must be a list');
    await bad({ ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o' }] }, 'ConfigMap "x" is invalid: metadata.ownerReferences[0].uid: Required value');
    await bad({ finalizers: 'f' }, 'ConfigMap "x" is invalid: metadata.finalizers: Invalid value: must be a list of strings');
    await bad({ labels: { a: 1 } }, 'ConfigMap "x" is invalid: metadata.labels: Invalid value: must be a map of strings');
    await rejects(s.create({ ...cm('x'), metadata: { name: 7, namespace: 'default' } } as unknown as KObject), 'Invalid', 'ConfigMap "" is invalid: metadata.name: Invalid value: must be a string');
    await rejects(s.create({ kind: 'ConfigMap', metadata: {} } as unknown as KObject), 'BadRequest', "Object 'apiVersion' is missing");
    await rejects(s.create(null as unknown as KObject), 'BadRequest', 'the object is not a JSON object');
    // Admission returning something malformed is caught the same way.
    const s2 = newStore({ admit: (_op, obj) => ({ ...obj, metadata: { ...obj.metadata, ownerReferences: {} } }) as unknown as KObject });
    await rejects(s2.create(ns('n')), 'Invalid', 'Namespace "n" is invalid: metadata.ownerReferences: Invalid value: must be a list');
    assert.equal(await s.revision(), rev);
    assert.equal((await s2.list(GK.Namespace)).items.length, 0);
  });
});
