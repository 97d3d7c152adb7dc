import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkManifests, loadCheckedManifests, locateError, parseFieldPath } from './check.ts';
import { formatInputError } from './errors.ts';
import { parseManifests, parseYamlStream } from './manifest.ts';
import { StoreError } from '../store/types.ts';

const TESTDATA = new URL('./testdata/seeds/', import.meta.url);

test('the seeds check clean', () => {
  for (const f of readdirSync(TESTDATA)) {
    const { docs, errors } = parseManifests(readFileSync(new URL(f, TESTDATA), 'utf8'), f);
    assert.deepEqual([...errors, ...checkManifests(docs)].map(formatInputError), [], f);
  }
});

test('bad input the issue names: each gets one line naming file, line, object and field', () => {
  const text = `apiVersion: "cilium.io/v2"
kind: CiliumLoadBalancerIPPool
metadata:
  name: "cilium-pool"
spec:
  blocks:
  - cidr: "172.16.1.0/33"
---
apiVersion: v1
kind: Service
metadata:
  name: webpod
spec:
  ports:
  - port: "80"
    targetPort: 80
  foo: bar
---
apiVersion: v1
kind: Service
metadata:
  name: web2
spec:
  ports:
  - port: 0
---
apiVersion: cilium.io/v2
kind: CiliumBGPPeerConfig
metadata:
  name: p
spec:
  timers:
    holdTimeSeconds: 20
---
apiVersion: cilium.io/v3
kind: CiliumBGPPeerConfig
metadata:
  name: q
`;
  const { docs, errors } = parseManifests(text, 'bad.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(checkManifests(docs).map(formatInputError), [
    'bad.yaml:7: CiliumLoadBalancerIPPool/cilium-pool: spec.blocks[0].cidr: Invalid value: "172.16.1.0/33": must be a valid CIDR',
    'bad.yaml:17: Service/webpod: unknown field "spec.foo"',
    'bad.yaml:25: Service/web2: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'bad.yaml:25: Service/web2: spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    'bad.yaml:32: CiliumBGPPeerConfig/p: spec.timers: Invalid value: "object": keepAliveTimeSeconds can not be larger than holdTimeSeconds',
    'bad.yaml:35: CiliumBGPPeerConfig/q: no matches for kind "CiliumBGPPeerConfig" in version "cilium.io/v3"',
  ]);
  const typed = parseManifests('apiVersion: v1\nkind: Service\nmetadata:\n  name: webpod\nspec:\n  ports:\n  - port: "80"\n', 'type.yaml');
  assert.deepEqual(checkManifests(typed.docs).map(formatInputError), ['type.yaml:7: Service/webpod: spec.ports[0].port: Invalid value: "80": must be of type integer']);
});

test('namespaced objects take the given namespace; errors that came over the wire are located too', () => {
  const { docs } = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  "bad key": x\n', 'cm.yaml');
  assert.deepEqual(checkManifests(docs, 'demo').map(formatInputError), [
    `cm.yaml:6: ConfigMap/c: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  const wire = new StoreError('Invalid', 'ConfigMap "c" is invalid: ...', [{ field: 'data[bad key]', message: 'Invalid value: "bad key": nope' }]);
  assert.deepEqual(locateError(docs[0]!, wire).map(formatInputError), ['cm.yaml:6: ConfigMap/c: data[bad key]: Invalid value: "bad key": nope']);
  assert.deepEqual(locateError(docs[0]!, new StoreError('NotFound', 'namespaces "demo" not found')).map(formatInputError), ['cm.yaml:1: ConfigMap/c: namespaces "demo" not found']);
  assert.deepEqual(parseFieldPath('spec.ports[0].port'), ['spec', 'ports', 0, 'port']);
  assert.deepEqual(parseFieldPath('metadata.annotations[lbipam.cilium.io/ips]'), ['metadata', 'annotations', 'lbipam.cilium.io/ips']);
});

const service = (i: number, port: number | string = 80) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  ports:\n  - port: ${port}\n`;
const stream = (n: number, bad: (i: number) => string | undefined) => Array.from({ length: n }, (_, i) => bad(i) ?? service(i)).join('---\n');

test('a long stream parsed chunk by chunk: admission problems at the lines the one-stream parse gives, in document order', () => {
  const text = stream(300, (i) => (i % 97 === 5 ? service(i, '"http"') : undefined));
  const errors = checkManifests(parseManifests(text, 'many.yaml').docs).map(formatInputError);
  assert.deepEqual(errors, checkManifests(parseYamlStream(text, 'many.yaml').docs).map(formatInputError));
  assert.equal(errors.length, 4);
  assert.match(errors[0]!, /^many\.yaml:47: Service\/svc-5: spec\.ports\[0\]\.port: /);
});

test('admission problems are the errors only when parsing and duplicates found none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cilia-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yaml'), stream(2, (i) => (i === 1 ? service(1, '"x"') : undefined)));
  await writeFile(join(dir, 'b.yaml'), service(0));
  const checked = await loadCheckedManifests([join(dir, 'a.yaml')]);
  assert.deepEqual(checked.errors.map((e) => e.line), [15]);
  const dup = await loadCheckedManifests([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  assert.deepEqual(dup.errors.map(formatInputError), [`${join(dir, 'b.yaml')}:1: Service/svc-0: duplicate object in this apply, also defined at ${join(dir, 'a.yaml')}:1`]);
});
