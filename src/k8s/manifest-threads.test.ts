import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatInputError } from './errors.ts';
import { checkManifests } from './check.ts';
import { batchesOnWorker, batchJob, loadCheckedManifests, parseAndCheck } from './manifest-threads.ts';
import { parseManifests } from './manifest.ts';
import { yamlChunks } from './yaml-chunks.ts';

const service = (i: number, port: number | string = 80) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  ports:\n  - port: ${port}\n`;
const stream = (n: number, bad?: (i: number) => string | undefined) => Array.from({ length: n }, (_, i) => bad?.(i) ?? service(i)).join('---\n');

async function bothWays(text: string) {
  const threaded = await parseAndCheck(text, 'many.yaml', undefined, { workers: 2 });
  const single = parseManifests(text, 'many.yaml');
  const checked = single.errors.length > 0 ? [] : checkManifests(single.docs, undefined);
  return { threaded, single, checked };
}

test('with worker threads: the same objects, lines and field lines as on one thread', async () => {
  const { threaded, single } = await bothWays(stream(300));
  assert.equal(threaded.parsed.docs.length, 300);
  assert.deepEqual(threaded.parsed.errors, []);
  assert.deepEqual(threaded.checkErrors, []);
  const view = (ds: typeof single.docs) => ds.map((d) => [d.object, d.source, d.line, d.lineOf(['spec', 'ports', 0, 'port'])]);
  assert.deepEqual(view(threaded.parsed.docs), view(single.docs));
});

test('a worker thread takes every batch left and hands back plain objects with their lines', async () => {
  const text = stream(40, (i) => (i === 7 ? service(i, '"x"') : undefined));
  const job = batchJob(text, 'w.yaml', yamlChunks(text)!, undefined, 2);
  const results = await batchesOnWorker(job);
  assert.deepEqual(results.map((r) => r.batch), job.batches.map((_, b) => b));
  const single = parseManifests(text, 'w.yaml');
  const docs = results.flatMap((r) => (r.failed ? [] : r.docs));
  assert.deepEqual(docs.map((d) => [d.object, d.line]), single.docs.map((d) => [d.object, d.line]));
  assert.deepEqual(results.flatMap((r) => (r.failed ? [] : r.checkErrors)).map(formatInputError), checkManifests(single.docs, undefined).map(formatInputError));
});

test('with worker threads: admission problems at their lines, in document order', async () => {
  const { threaded, checked } = await bothWays(stream(300, (i) => (i % 97 === 5 ? service(i, '"http"') : undefined)));
  assert.deepEqual(threaded.checkErrors.map(formatInputError), checked.map(formatInputError));
  assert.equal(threaded.checkErrors.length, 4);
  assert.match(formatInputError(threaded.checkErrors[0]!), /^many\.yaml:47: Service\/svc-5: spec\.ports\[0\]\.port: /);
});

test('with worker threads: a syntax error anywhere is reported as the one-stream parse reports it', async () => {
  const { threaded, single } = await bothWays(stream(300, (i) => (i === 250 ? 'a: 1\na: 2\n' : undefined)));
  assert.deepEqual(threaded.parsed.errors.map(formatInputError), ['many.yaml:2002: Map keys must be unique']);
  assert.deepEqual(threaded.parsed.errors, single.errors);
  assert.equal(threaded.parsed.docs.length, 299);
  assert.deepEqual(threaded.checkErrors, []);
});

test('admission problems are the errors only when parsing and duplicates found none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cilia-threads-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yaml'), stream(2, (i) => (i === 1 ? service(1, '"x"') : undefined)));
  await writeFile(join(dir, 'b.yaml'), service(0));
  const checked = await loadCheckedManifests([join(dir, 'a.yaml')]);
  assert.deepEqual(checked.errors.map((e) => e.line), [15]);
  const dup = await loadCheckedManifests([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  assert.deepEqual(dup.errors.map(formatInputError), [`${join(dir, 'b.yaml')}:1: Service/svc-0: duplicate object in this apply, also defined at ${join(dir, 'a.yaml')}:1`]);
});
