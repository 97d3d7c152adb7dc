import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadCheckedManifests } from './check.ts';
import { formatInputError } from './errors.ts';
import { findDuplicates, parseManifests, parseYamlStream, readManifestSources } from './manifest.ts';

const POOL_AND_SVC = `# comment
apiVersion: "cilium.io/v2"
kind: CiliumLoadBalancerIPPool
metadata:
  name: "cilium-pool"
spec:
  allowFirstLastIPs: "No"
  blocks:
  - cidr: "172.16.1.0/24"
  - cidr: "172.16.1.0/33"
---
---
apiVersion: v1
kind: Service
metadata:
  name: webpod
spec:
  ports:
  - port: 80
`;

test('multi-document YAML: objects, start lines, field lines; empty documents skipped', () => {
  const { docs, errors } = parseManifests(POOL_AND_SVC, 'pool.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(
    docs.map((d) => [d.object.kind, d.source, d.line]),
    [
      ['CiliumLoadBalancerIPPool', 'pool.yaml', 2],
      ['Service', 'pool.yaml', 13],
    ],
  );
  const pool = docs[0]!;
  assert.equal(pool.lineOf(['spec', 'blocks', 1, 'cidr']), 10);
  assert.equal(pool.lineOf(['spec', 'blocks', 1]), 10);
  assert.equal(pool.lineOf(['spec', 'allowFirstLastIPs']), 7);
  assert.equal(pool.lineOf(['spec', 'blocks', 7, 'cidr']), 8, 'a missing item points at its list');
  assert.equal(pool.lineOf(['spec', 'nope']), 6, 'a missing field points at its parent');
  assert.equal(docs[1]!.lineOf(['spec', 'ports', 0, 'port']), 19);
});

test('YAML 1.1 scalars as Kubernetes reads them; timestamps stay strings', () => {
  const { docs } = parseManifests('apiVersion: v1\nkind: X\nmetadata: {}\na: No\nb: "No"\nc: on\nd: 2025-08-07T08:17:59Z\ne: 0755\n', 'x');
  const o = docs[0]!.object as Record<string, unknown>;
  assert.deepEqual([o.a, o.b, o.c, o.d, o.e], [false, 'No', true, '2025-08-07T08:17:59Z', 493]);
});

test('syntax errors: file:line and the parser message; other documents still parse', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\na: 1\na: 2\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n';
  const { docs, errors } = parseManifests(text, 'bad.yaml');
  assert.deepEqual(docs.map((d) => d.object.kind), ['ConfigMap', 'Namespace']);
  assert.equal(errors.length, 1);
  assert.equal(formatInputError(errors[0]!), 'bad.yaml:7: Map keys must be unique');
  const indent = parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   bad: x\n', 'indent.yaml');
  assert.equal(indent.docs.length, 0);
  assert.match(formatInputError(indent.errors[0]!), /^indent\.yaml:\d+: /);
});

test('a syntax error anywhere in a long stream is reported as the one-stream parse reports it', () => {
  const service = (i: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  ports:\n  - port: 80\n`;
  const text = Array.from({ length: 300 }, (_, i) => (i === 250 ? 'a: 1\na: 2\n' : service(i))).join('---\n');
  const parsed = parseManifests(text, 'many.yaml');
  assert.deepEqual(parsed.errors.map(formatInputError), ['many.yaml:2002: Map keys must be unique']);
  const whole = parseYamlStream(text, 'many.yaml');
  assert.deepEqual(parsed.errors, whole.errors);
  assert.deepEqual(parsed.docs.map((d) => [d.object, d.line]), whole.docs.map((d) => [d.object, d.line]));
  assert.equal(parsed.docs.length, 299);
});

test('documents that are not objects or lack apiVersion/kind are reported with their line', () => {
  const { docs, errors } = parseManifests('- a\n- b\n---\nfoo: bar\n---\nkind: Pod\n---\njust text\n', 's.yaml');
  assert.equal(docs.length, 0);
  assert.deepEqual(errors.map(formatInputError), [
    's.yaml:1: error validating data: expected an object, found array',
    's.yaml:4: error validating data: [apiVersion not set, kind not set]',
    's.yaml:6: error validating data: apiVersion not set',
    's.yaml:8: error validating data: expected an object, found string',
  ]);
});

test('kind: List expands its items, each with its own lines', () => {
  const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n- 5\n';
  const { docs, errors } = parseManifests(text, 'list.yaml');
  assert.deepEqual(docs.map((d) => [d.object.metadata.name, d.line, d.lineOf(['metadata', 'name'])]), [
    ['a', 4, 7],
    ['b', 8, 11],
  ]);
  assert.deepEqual(errors.map(formatInputError), ['list.yaml:12: error validating data: expected an object, found number']);
});

test('JSON: one object, a stream of objects, and syntax errors with lines', () => {
  const one = parseManifests('{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {\n    "name": "x"\n  }\n}\n', 'ns.json');
  assert.equal(one.docs[0]!.line, 1);
  assert.equal(one.docs[0]!.lineOf(['metadata', 'name']), 5);
  const stream = parseManifests('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}\n{"apiVersion":"v1",\n"kind":"Namespace","metadata":{"name":"b"}}', 's.json');
  assert.deepEqual(stream.docs.map((d) => [d.object.metadata.name, d.line, d.lineOf(['kind'])]), [
    ['a', 1, 1],
    ['b', 2, 3],
  ]);
  const bad = parseManifests('{"apiVersion": "v1",\n "kind" "Pod"}', 'bad.json');
  assert.equal(bad.docs.length, 0);
  assert.equal(bad.errors[0]!.line, 2);
});

test('property: parsing never throws, whatever the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '-', '{', '}', '"', '[', ']', ',', '#', '&', '*', '!', '|', 'k', 'i', 'n', 'd') }), (text) => {
      const { docs, errors } = parseManifests(text, 'fuzz');
      for (const e of errors) assert.equal(typeof e.message, 'string');
      for (const d of docs) assert.ok(d.line >= 1);
    }),
  );
});

test('duplicates in one apply name both places; namespaces and scopes count', () => {
  const a = parseManifests('apiVersion: v1\nkind: Service\nmetadata:\n  name: webpod\n', 'a.yaml').docs;
  const b = parseManifests(
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: webpod\n  namespace: default\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: webpod\n  namespace: other\n---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: p\n  namespace: x\n---\napiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: p\n',
    'b.yaml',
  ).docs;
  assert.deepEqual(findDuplicates([...a, ...b]).map(formatInputError), [
    'b.yaml:1: Service/webpod: duplicate object in this apply, also defined at a.yaml:1',
    'b.yaml:19: CiliumLoadBalancerIPPool/p: duplicate object in this apply, also defined at b.yaml:13',
  ]);
  assert.equal(findDuplicates([...a, ...b], 'other').length, 2, 'a.yaml now lands in "other", next to the second b.yaml Service');
});

test('loading files, directories (sorted, manifest extensions, -R) and stdin', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cilia-k8s-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
  await writeFile(join(dir, 'b.yaml'), ns('b'));
  await writeFile(join(dir, 'a.yml'), ns('a'));
  await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'd.yaml'), ns('d'));
  await writeFile(join(dir, 'explicit.txt'), ns('e'));

  const flat = await loadCheckedManifests([dir]);
  assert.deepEqual(flat.docs.map((d) => d.object.metadata.name), ['a', 'b', 'c']);
  assert.deepEqual(flat.errors, []);
  const deep = await loadCheckedManifests([dir], { recursive: true });
  assert.deepEqual(deep.docs.map((d) => d.object.metadata.name), ['a', 'b', 'c', 'd']);

  let reads = 0;
  const readStdin = async () => {
    reads++;
    return ns('from-stdin');
  };
  const mixed = await loadCheckedManifests([join(dir, 'explicit.txt'), '-', '-'], { readStdin });
  assert.deepEqual(mixed.docs.map((d) => [d.object.metadata.name, d.source]), [
    ['e', join(dir, 'explicit.txt')],
    ['from-stdin', '-'],
    ['from-stdin', '-'],
  ]);
  assert.equal(reads, 1, 'stdin is read once');
  assert.equal(mixed.errors.length, 1, 'the same object twice from stdin is a duplicate');

  const missing = await readManifestSources([join(dir, 'nope.yaml'), 'https://example.com/x.yaml', '-']);
  assert.deepEqual(missing.sources, []);
  assert.deepEqual(missing.errors.map(formatInputError), [
    `the path "${join(dir, 'nope.yaml')}" does not exist`,
    'https://example.com/x.yaml: reading manifests from URLs is not supported; download the file and pass its path',
    '-: reading from standard input is not available here',
  ]);
});
