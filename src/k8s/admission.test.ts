import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { admit } from './admission.ts';
import { AdmissionError } from './errors.ts';
import { resourceTypeForManifest } from './kinds.ts';
import { parseManifests } from './manifest.ts';
import { deepClone } from './meta.ts';
import type { KObject } from './object.ts';

const TESTDATA = new URL('./testdata/seeds/', import.meta.url);

/** Every object of the seeds' manifests, with a namespace where kubectl would add one. */
function seedObjects(): KObject[] {
  const out: KObject[] = [];
  for (const f of readdirSync(TESTDATA).sort()) {
    for (const d of parseManifests(readFileSync(new URL(f, TESTDATA), 'utf8'), f).docs) {
      const o = deepClone(d.object);
      const rt = resourceTypeForManifest(o.apiVersion, o.kind);
      if (typeof rt !== 'string' && rt.namespaced && !o.metadata.namespace) o.metadata.namespace = 'default';
      out.push(o);
    }
  }
  return out;
}

function admitError(fn: () => unknown): AdmissionError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AdmissionError, String(e));
    return e;
  }
  assert.fail('expected an AdmissionError');
}

const service = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'webpod', namespace: 'default', labels: { app: 'webpod' } },
  spec: { selector: { app: 'webpod' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], type: 'ClusterIP' },
});

test('every object in the seeds is admitted', () => {
  const objs = seedObjects();
  assert.ok(objs.length > 40);
  for (const o of objs) assert.doesNotThrow(() => admit('create', o), `${o.kind}/${o.metadata.name}`);
});

test('admit returns a new object and leaves its input alone', () => {
  const input = service();
  const before = deepClone(input);
  const out = admit('create', input);
  assert.deepEqual(input, before);
  assert.notEqual(out, input);
  assert.equal((out.spec as { sessionAffinity: string }).sessionAffinity, 'None');
});

test('the apiserver message for one and for several field errors', () => {
  const bad = service();
  (bad.spec as { ports: { port: number }[] }).ports[0]!.port = 0;
  (bad.spec as { ports: { targetPort?: number }[] }).ports[0]!.targetPort = 8080;
  const one = admitError(() => admit('create', bad));
  assert.equal(one.code, 'Invalid');
  assert.equal(one.message, 'Service "webpod" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  assert.deepEqual(one.causes, [{ field: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' }]);
  (bad.spec as { type: string }).type = 'NodePort';
  (bad.spec as { ports: { nodePort?: number }[] }).ports[0]!.nodePort = 80;
  const two = admitError(() => admit('create', bad));
  assert.match(two.message, /^Service "webpod" is invalid: \[spec\.ports\[0\]\.port: .*, spec\.ports\[0\]\.nodePort: .*\]$/);
  const dep = admitError(() => admit('create', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: {} }));
  assert.match(dep.message, /^Deployment\.apps "d" is invalid: /);
});

test('unknown fields are a strict decoding error (BadRequest), reported before validation', () => {
  const bad = service();
  (bad.spec as Record<string, unknown>).foo = 1;
  (bad.spec as { ports: { port: number }[] }).ports[0]!.port = 0;
  const e = admitError(() => admit('create', bad));
  assert.equal(e.code, 'BadRequest');
  assert.equal(e.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"');
});

test('kinds and versions cilia does not serve', () => {
  const e = admitError(() => admit('create', { apiVersion: 'cilium.io/v2', kind: 'CiliumPodIPPool', metadata: { name: 'x' } }));
  assert.equal(e.message, 'no matches for kind "CiliumPodIPPool" in version "cilium.io/v2"');
  const v = admitError(() => admit('create', { apiVersion: 'cilium.io/v2', kind: 'CiliumL2AnnouncementPolicy', metadata: { name: 'x' }, spec: {} }));
  assert.equal(v.message, 'no matches for kind "CiliumL2AnnouncementPolicy" in version "cilium.io/v2"');
  assert.match(admitError(() => admit('create', { apiVersion: 'v1', metadata: {} } as unknown as KObject)).message, /^Object 'Kind' is missing in '\{/);
  assert.match(admitError(() => admit('create', 5 as unknown as KObject)).message, /^Object 'Kind' is missing in '5'/);
});

test('namespaces: cluster-scoped objects lose one, namespaced objects need one', () => {
  const pool = admit('create', { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p', namespace: 'default' }, spec: { blocks: [] } });
  assert.equal(pool.metadata.namespace, undefined);
  const svc = service();
  delete svc.metadata.namespace;
  assert.equal(admitError(() => admit('create', svc)).message, 'Service "webpod" is invalid: metadata.namespace: Required value');
});

test('v2alpha1 objects are defaulted in their version, then stored as v2', () => {
  const out = admit('create', {
    apiVersion: 'cilium.io/v2alpha1',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name: 'c' },
    spec: { bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'tor', peerAddress: 'fd00:10:0:1::1', peerConfigRef: { name: 'generic', kind: 'CiliumBGPPeerConfig' } }] }] },
  });
  assert.equal(out.apiVersion, 'cilium.io/v2');
  assert.deepEqual((out.spec as { bgpInstances: { peers: unknown[] }[] }).bgpInstances[0]!.peers[0], {
    name: 'tor',
    peerAddress: 'fd00:10:0:1::1',
    peerConfigRef: { name: 'generic' },
    peerASN: 0,
  });
  const peer = admit('create', { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p' }, spec: { transport: { localPort: 1790 } } });
  assert.deepEqual(peer.spec, { transport: { peerPort: 179 }, ebgpMultihop: 1 });
  const l2 = admit('create', { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumL2AnnouncementPolicy', metadata: { name: 'l' }, spec: {} });
  assert.equal(l2.apiVersion, 'cilium.io/v2alpha1', 'served only as v2alpha1');
});

test('create prepares status like the apiserver strategies', () => {
  const withStatus = (o: KObject, status: unknown) => ({ ...o, status }) as KObject;
  assert.equal(admit('create', withStatus(service(), { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } })).status, undefined);
  const pool = { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p' }, spec: { blocks: [] } };
  assert.equal(admit('create', withStatus(pool, { conditions: [] })).status, undefined);
  const pod = admit('create', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } });
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
  const guaranteed = admit('create', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 1, memory: '64Mi' } } }] },
  });
  assert.deepEqual(guaranteed.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  assert.deepEqual(
    (guaranteed.spec as { containers: { resources: unknown }[] }).containers[0]!.resources,
    { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '64Mi' } },
    'requests default to limits; quantities are stored as strings',
  );
  const node = admit('create', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'k8s-ctr' }, status: { capacity: { cpu: '2' } } });
  assert.deepEqual(node.status, { capacity: { cpu: '2' }, allocatable: { cpu: '2' } }, 'a kubelet registers its Node with status');
  assert.deepEqual(admit('create', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }).status, { phase: 'Active' });
});

test('Secret stringData is merged into data as base64', () => {
  const s = admit('create', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: 'YQ==' }, stringData: { b: 'bb' } });
  assert.deepEqual(s.data, { a: 'YQ==', b: 'YmI=' });
  assert.equal(s.stringData, undefined);
  assert.equal(s.type, 'Opaque');
});

test('update: immutable fields', () => {
  const svc = admit('create', service());
  (svc.spec as { clusterIP?: string }).clusterIP = '10.96.0.20';
  const changed = deepClone(svc);
  (changed.spec as { clusterIP: string }).clusterIP = '10.96.0.21';
  assert.equal(admitError(() => admit('update', changed, svc)).message, 'Service "webpod" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.21": may not change once set');
  const renamed = deepClone(svc);
  renamed.metadata.name = 'other';
  assert.match(admitError(() => admit('update', renamed, svc)).message, /metadata\.name: Invalid value: "other": field is immutable/);

  const dep = admit('create', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'webpod', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'webpod' } }, template: { metadata: { labels: { app: 'webpod', v: '1' } }, spec: { containers: [{ name: 'w', image: 'traefik/whoami' }] } } },
  });
  const reselected = deepClone(dep);
  (reselected.spec as { selector: unknown }).selector = { matchLabels: { app: 'webpod', v: '1' } };
  assert.equal(admitError(() => admit('update', reselected, dep)).message, 'Deployment.apps "webpod" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"webpod","v":"1"}}: field is immutable');
  const scaled = deepClone(dep);
  (scaled.spec as { replicas: number }).replicas = 5;
  assert.doesNotThrow(() => admit('update', scaled, dep));

  const secret = admit('create', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, immutable: true, data: { a: 'YQ==' } });
  const edited = { ...deepClone(secret), data: { a: 'Yg==' } };
  assert.equal(admitError(() => admit('update', edited, secret)).message, 'Secret "s" is invalid: data: Forbidden: field is immutable when `immutable` is set');

  const slice = admit('create', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv4', endpoints: [] });
  assert.match(admitError(() => admit('update', { ...deepClone(slice), addressType: 'IPv6' }, slice)).message, /addressType: Invalid value: "IPv6": field is immutable/);

  const node = admit('create', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '172.20.0.0/24' } });
  const moved = { ...deepClone(node), spec: { podCIDR: '172.20.1.0/24' } };
  assert.match(admitError(() => admit('update', moved, node)).message, /spec\.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid/);
});

test('update: a Pod may change images, gain tolerations and be bound once; nothing else', () => {
  const pod = admit('create', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });
  const spec = (o: KObject) => o.spec as { nodeName?: string; containers: { image: string; args?: string[] }[]; tolerations: unknown[] };
  const bound = deepClone(pod);
  spec(bound).nodeName = 'k8s-w1';
  const afterBind = admit('update', bound, pod);
  const rebound = deepClone(afterBind);
  spec(rebound).nodeName = 'k8s-w0';
  assert.match(admitError(() => admit('update', rebound, afterBind)).message, /spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
  const newImage = deepClone(afterBind);
  spec(newImage).containers[0]!.image = 'nginx:2';
  spec(newImage).tolerations.push({ key: 'x', operator: 'Exists' });
  assert.doesNotThrow(() => admit('update', newImage, afterBind));
  const newArgs = deepClone(afterBind);
  spec(newArgs).containers[0]!.args = ['-v'];
  assert.throws(() => admit('update', newArgs, afterBind), /pod updates may not change fields/);
  const fewerTolerations = deepClone(afterBind);
  spec(fewerTolerations).tolerations = [];
  assert.throws(() => admit('update', fewerTolerations, afterBind), /pod updates may not change fields/);
});

test('update: a Service keeps allocated values the client left out', () => {
  const old = admit('create', { ...service(), spec: { type: 'NodePort', selector: { app: 'webpod' }, ports: [{ port: 80 }] } });
  const allocated = deepClone(old);
  Object.assign(allocated.spec as object, { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ipFamilies: ['IPv4'] });
  (allocated.spec as { ports: { nodePort?: number }[] }).ports[0]!.nodePort = 30412;
  const applied = admit('update', { ...service(), spec: { type: 'NodePort', selector: { app: 'webpod' }, ports: [{ port: 80 }], externalTrafficPolicy: 'Cluster' } }, allocated);
  const spec = applied.spec as { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ports: { nodePort: number }[] };
  assert.equal(spec.clusterIP, '10.96.0.20');
  assert.deepEqual(spec.clusterIPs, ['10.96.0.20']);
  assert.deepEqual(spec.ipFamilies, ['IPv4']);
  assert.equal(spec.ports[0]!.nodePort, 30412);
});

test('null means unset, as in Go', () => {
  const out = admit('create', { ...service(), metadata: { name: 'webpod', namespace: 'default', labels: null } } as unknown as KObject);
  assert.equal(out.metadata.labels, undefined);
});

test('property: admitting an admitted object changes nothing (create and update)', () => {
  const objs = seedObjects();
  fc.assert(
    fc.property(fc.constantFrom(...objs), (o) => {
      const once = admit('create', o);
      assert.deepEqual(admit('create', once), once);
      assert.deepEqual(admit('update', once, once), once);
    }),
  );
});

// Random edits of real objects: admission answers with an AdmissionError or an object, never crashes.
const edit = fc.record({
  path: fc.array(fc.oneof(fc.constantFrom('spec', 'metadata', 'ports', 'blocks', 'template', 'containers', 'selector', 'name', 'status', 'bgpInstances', 'peers', 'labels'), fc.nat(2)), {
    minLength: 1,
    maxLength: 5,
  }),
  value: fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant({}), fc.constant([]), fc.constant([{}])),
});

function applyEdit(o: KObject, e: { path: (string | number)[]; value: unknown }): void {
  let cur: unknown = o;
  for (const seg of e.path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  if (cur !== null && typeof cur === 'object') (cur as Record<string | number, unknown>)[e.path[e.path.length - 1]!] = deepClone(e.value);
}

test('property: admission never crashes on malformed objects, created or updated', () => {
  const objs = seedObjects();
  fc.assert(
    fc.property(fc.constantFrom(...objs), fc.array(edit, { minLength: 1, maxLength: 4 }), (o, edits) => {
      const bad = deepClone(o);
      for (const e of edits) applyEdit(bad, e);
      const old = admit('create', o);
      for (const attempt of [() => admit('create', bad), () => admit('update', bad, old)]) {
        try {
          attempt();
        } catch (err) {
          assert.ok(err instanceof AdmissionError, `${String(err)}\n${JSON.stringify(bad)}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});
