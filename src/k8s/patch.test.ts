import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { deepClone, deepEqual } from './meta.ts';
import type { KObject } from './object.ts';
import {
  applyJSONPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  createMergePatch,
  formatPointer,
  listStrategy,
  PatchError,
  parsePointer,
} from './patch.ts';

// ---- RFC 7386 ------------------------------------------------------------------------------

test('merge patch: the RFC 7386 appendix examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify([target, patch]));
});

test('merge patch: inputs are not modified', () => {
  const target = { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
  const patch = { spec: { type: 'LoadBalancer' } };
  const before = deepClone(target);
  const out = applyMergePatch(target, patch) as typeof target;
  assert.deepEqual(target, before);
  assert.deepEqual(out, { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
});

// JSON values without nulls inside objects (a merge patch cannot set a null value).
const jsonLeaf = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean());
const { doc } = fc.letrec((tie) => ({
  doc: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'spec', 'x/y', 'm~n'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  value: fc.oneof({ depthSize: 'small' }, jsonLeaf, tie('doc'), fc.array(tie('value'), { maxLength: 3 })),
}));

test('property: applying createMergePatch(a, b) to a yields b', () => {
  fc.assert(
    fc.property(doc, doc, (a, b) => {
      assert.deepEqual(applyMergePatch(a, createMergePatch(a, b)), b);
    }),
  );
});

test('property: merge patches are idempotent and the empty patch is the identity', () => {
  fc.assert(
    fc.property(doc, doc, (a, p) => {
      const once = applyMergePatch(a, p);
      assert.deepEqual(applyMergePatch(once, p), once);
      assert.deepEqual(applyMergePatch(a, {}), a);
      assert.deepEqual(createMergePatch(a, a), {});
    }),
  );
});

// ---- RFC 6901 / 6902 -----------------------------------------------------------------------

test('JSON pointers: escaping and errors', () => {
  assert.deepEqual(parsePointer(''), []);
  assert.deepEqual(parsePointer('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
  assert.equal(formatPointer(['metadata', 'annotations', 'lbipam.cilium.io/ips']), '/metadata/annotations/lbipam.cilium.io~1ips');
  assert.throws(() => parsePointer('a/b'), PatchError);
  assert.throws(() => parsePointer('/a~2'), /invalid JSON pointer escape/);
});

test('property: parsePointer(formatPointer(tokens)) round-trips', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '/', '~', '0', '1', ' ') })), (tokens) => {
      assert.deepEqual(parsePointer(formatPointer(tokens)), tokens);
    }),
  );
});

test('JSON patch: every operation (RFC 6902 examples)', () => {
  assert.deepEqual(applyJSONPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
  assert.deepEqual(applyJSONPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
  assert.deepEqual(applyJSONPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: 'x' }]), { foo: ['bar', 'x'] });
  assert.deepEqual(applyJSONPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  assert.deepEqual(applyJSONPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] });
  assert.deepEqual(applyJSONPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo', foo: 'bar' });
  assert.deepEqual(
    applyJSONPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  );
  assert.deepEqual(applyJSONPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), {
    foo: ['all', 'cows', 'eat', 'grass'],
  });
  assert.deepEqual(applyJSONPatch({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }]), { a: { b: 1 }, c: { b: 1 } });
  assert.deepEqual(applyJSONPatch({ baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/foo', value: ['a', 2, 'c'] }]), {
    baz: 'qux',
    foo: ['a', 2, 'c'],
  });
  assert.deepEqual(applyJSONPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }]), { '/': 9, '~1': 10 });
  assert.deepEqual(applyJSONPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }]), [1]);
});

test('JSON patch: failures are PatchErrors with the failing operation named', () => {
  const cases: [unknown, unknown, RegExp][] = [
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /add operation does not apply: doc is missing path: "\/baz\/bat"/],
    [{ foo: 'bar' }, [{ op: 'remove', path: '/nope' }], /remove operation does not apply: doc is missing path: "\/nope"/],
    [{ foo: 'bar' }, [{ op: 'replace', path: '/nope', value: 1 }], /replace operation does not apply: doc is missing key: "\/nope"/],
    [{ foo: ['a'] }, [{ op: 'add', path: '/foo/5', value: 1 }], /invalid index referenced/],
    [{ foo: ['a'] }, [{ op: 'add', path: '/foo/01', value: 1 }], /invalid index referenced/],
    [{ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /testing value \/baz failed: test failed/],
    [{ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], /cannot be moved into one of its children/],
    [{ a: 1 }, [{ op: 'copy', from: '/nope', path: '/b' }], /copy operation does not apply: doc is missing from path/],
    [{ a: 1 }, [{ op: 'frobnicate', path: '/a' }], /Unexpected kind: frobnicate/],
    [{ a: 1 }, [{ op: 'add', value: 1 }], /missing "path"/],
    [{ a: 1 }, [{ op: 'add', path: '/b' }], /missing "value"/],
    [{ a: 1 }, { op: 'add' }, /cannot unmarshal object/],
  ];
  for (const [target, ops, want] of cases) assert.throws(() => applyJSONPatch(target, ops), (e: unknown) => e instanceof PatchError && want.test(e.message));
});

test('JSON patch: a failing patch leaves the input untouched', () => {
  const target = { a: [1, 2] };
  assert.throws(() => applyJSONPatch(target, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'test', path: '/a/0', value: 9 }]));
  assert.deepEqual(target, { a: [1, 2] });
});

test('property: add then remove of a new key restores the document', () => {
  fc.assert(
    fc.property(doc, fc.string({ maxLength: 5 }), jsonLeaf, (d, key, value) => {
      fc.pre(!Object.hasOwn(d, key));
      const path = formatPointer([key]);
      const added = applyJSONPatch(d, [{ op: 'add', path, value }, { op: 'test', path, value }]);
      assert.deepEqual(applyJSONPatch(added, [{ op: 'remove', path }]), d);
    }),
  );
});

// ---- strategic merge patch -----------------------------------------------------------------

const deployment = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'webpod', finalizers: ['a/x'], ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: 'webpod', image: 'traefik/whoami', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
});

test('strategic merge: containers merge by name, ports by containerPort, env by name', () => {
  const out = applyStrategicMergePatch(
    deployment(),
    {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'webpod', image: 'traefik/whoami:v1.10', ports: [{ containerPort: 8080 }], env: [{ name: 'A', value: '2' }] }],
          },
        },
      },
    },
    'Deployment',
  ) as KObject;
  const spec = out.spec as { template: { spec: { containers: { name: string; image: string; ports?: unknown[]; env?: unknown[] }[] } } };
  const [web, side] = spec.template.spec.containers;
  assert.equal(web!.image, 'traefik/whoami:v1.10');
  assert.deepEqual(web!.ports, [{ containerPort: 80 }, { containerPort: 8080 }]);
  assert.deepEqual(web!.env, [{ name: 'A', value: '2' }]);
  assert.equal(side!.image, 'busybox');
});

test('strategic merge: $patch delete and replace, $deleteFromPrimitiveList, $setElementOrder, $retainKeys', () => {
  const del = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }, 'Deployment') as KObject;
  assert.deepEqual((del.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.map((c) => c.name), ['webpod']);

  const rep = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } }, 'Deployment') as KObject;
  assert.deepEqual((rep.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers, [{ name: 'only', image: 'x' }]);

  const mapRep = applyStrategicMergePatch({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { $patch: 'replace', c: '3' } } }, 'Pod');
  assert.deepEqual(mapRep, { metadata: { labels: { c: '3' } } });
  const mapDel = applyStrategicMergePatch({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { $patch: 'delete' } } }, 'Pod');
  assert.deepEqual(mapDel, { metadata: {} });

  const fin = applyStrategicMergePatch({ metadata: { finalizers: ['a/x', 'b/y'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/x'] } }, 'Pod');
  assert.deepEqual(fin, { metadata: { finalizers: ['b/y'] } });
  const finAdd = applyStrategicMergePatch({ metadata: { finalizers: ['a/x'] } }, { metadata: { finalizers: ['b/y', 'a/x'] } }, 'Pod');
  assert.deepEqual(finAdd, { metadata: { finalizers: ['a/x', 'b/y'] } });

  const ordered = applyStrategicMergePatch(
    deployment(),
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'webpod' }] } } } },
    'Deployment',
  ) as KObject;
  assert.deepEqual((ordered.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.map((c) => c.name), ['sidecar', 'webpod']);

  const retained = applyStrategicMergePatch({ spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } }, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'Deployment');
  assert.deepEqual(retained, { spec: { strategy: { type: 'Recreate' } } });
});

test('strategic merge: Service ports merge by port; unknown lists are replaced; missing merge keys fail', () => {
  const svc = { spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], externalIPs: ['1.1.1.1'] } };
  const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 8080 }], externalIPs: ['2.2.2.2'] } }, 'Service');
  assert.deepEqual(out, { spec: { ports: [{ port: 80, name: 'http', targetPort: 8080 }, { port: 443, name: 'https' }], externalIPs: ['2.2.2.2'] } });
  assert.throws(() => applyStrategicMergePatch(svc, { spec: { ports: [{ name: 'x' }] } }, 'Service'), /does not contain declared merge key: port/);
  assert.deepEqual(listStrategy('Pod', ['status', 'conditions']), { key: 'type' });
  assert.deepEqual(listStrategy('Pod', ['spec', 'containers', 'volumeMounts']), { key: 'mountPath' });
  assert.equal(listStrategy('CiliumLoadBalancerIPPool', ['spec', 'blocks']), undefined);
});

test('property: on objects without keyed lists, a strategic merge patch is a merge patch', () => {
  fc.assert(
    fc.property(doc, doc, (a, p) => {
      assert.ok(deepEqual(applyStrategicMergePatch(a, p, 'ConfigMap'), applyMergePatch(a, p)));
    }),
  );
});

test('property: patching one container by name leaves the others as they were', () => {
  const container = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), image: fc.string({ maxLength: 6 }) });
  fc.assert(
    fc.property(fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 4 }), fc.string({ maxLength: 6 }), (containers, image) => {
      const pod = { spec: { containers } };
      const target = containers[0]!.name;
      const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: target, image }] } }, 'Pod') as { spec: { containers: { name: string; image: string }[] } };
      assert.equal(out.spec.containers.length, containers.length);
      for (const c of out.spec.containers) assert.equal(c.image, c.name === target ? image : containers.find((x) => x.name === c.name)!.image);
    }),
  );
});

test('applyPatch dispatches; strategic merge is refused for custom resources like the apiserver does', () => {
  const pool: KObject = { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p' }, spec: { blocks: [] } };
  assert.throws(
    () => applyPatch(pool, 'strategic', { spec: { disabled: true } }),
    /application\/strategic-merge-patch\+json is not supported by cilium.io\/v2, Kind=CiliumLoadBalancerIPPool/,
  );
  assert.deepEqual(applyPatch(pool, 'merge', { spec: { disabled: true } }).spec, { blocks: [], disabled: true });
  assert.deepEqual(applyPatch(pool, 'json', [{ op: 'add', path: '/spec/disabled', value: false }]).spec, { blocks: [], disabled: false });
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'webpod' }, spec: { type: 'ClusterIP' } };
  assert.equal((applyPatch(svc, 'strategic', { spec: { type: 'LoadBalancer' } }).spec as { type: string }).type, 'LoadBalancer');
  assert.throws(() => applyPatch(svc, 'json', [{ op: 'replace', path: '', value: 5 }]), /did not produce an object/);
});
