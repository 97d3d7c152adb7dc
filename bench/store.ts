// npm run bench -- store
// The embedded store: list 100,000 objects, fan one change out to 100 watchers, 10,000 creates in
// memory and with a data directory (group commit), and restart (recovery) time. Prints figures
// next to the targets; never fails on timing.

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../src/controller/clock.ts';
import { Rng } from '../src/controller/rng.ts';
import { GK } from '../src/k8s/kinds.ts';
import type { KObject } from '../src/k8s/object.ts';
import { MemoryStore, type MemoryStoreOptions, thaw } from '../src/store/index.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const now = () => performance.now();

function stats(samples: number[]): { median: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

function row(what: string, value: string, target = ''): void {
  console.log(`  ${what.padEnd(58)} ${value.padStart(14)}   ${target}`);
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const verdict = (x: number, limit: number) => `target < ${limit} ms: ${x < limit ? 'met' : 'MISSED'}`;

function store(extra: Partial<MemoryStoreOptions> = {}): MemoryStore {
  return new MemoryStore({ clock: new RealClock(), rng: new Rng('bench'), log: (l) => console.log(`  (${l})`), ...extra });
}

const NAMESPACES = 10;
const nsObj = (i: number): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}` } });
function service(i: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${String(i).padStart(6, '0')}`, namespace: `ns-${i % NAMESPACES}`, labels: { app: `app-${i % 100}`, tier: i % 2 ? 'web' : 'db' } },
    spec: { type: 'ClusterIP', selector: { app: `app-${i % 100}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
  };
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

async function listBench(): Promise<void> {
  console.log('list (memory store, 100,000 Services in 10 namespaces, frozen shared objects)');
  const s = store();
  for (let i = 0; i < NAMESPACES; i++) await s.create(nsObj(i));
  const N = 100_000;
  const load = await timeAsync(async () => {
    for (let i = 0; i < N; i += 1000) {
      await s.transaction(Array.from({ length: 1000 }, (_, k) => ({ op: 'create' as const, object: service(i + k) })));
    }
  });
  row('load 100,000 objects (transactions of 1,000)', ms(load));
  gc();
  const mem = process.memoryUsage();
  row('heap used / RSS with 100,000 objects stored', `${(mem.heapUsed / 2 ** 20).toFixed(0)} / ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
  row('first list after the load (merges the last unsorted entries)', ms(await timeAsync(() => s.list(GK.Service))));
  const runs = async (fn: () => Promise<unknown>, n = 15) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await timeAsync(fn));
    return stats(out);
  };
  const all = await runs(() => s.list(GK.Service));
  row('list all 100,000 (median)', ms(all.median), verdict(all.median, 50));
  row('list all 100,000 (p99 of 15)', ms(all.p99));
  const one = await runs(() => s.list(GK.Service, { namespace: 'ns-3' }));
  row('list one namespace (10,000)', ms(one.median));
  const sel = await runs(() => s.list(GK.Service, { labelSelector: 'app=app-7,tier=web' }));
  row('list with a label selector over 100,000 (1,000 match)', ms(sel.median));
  const items = (await s.list(GK.Service)).items;
  // What handing out copies would cost, for the copy/mutation contract decision.
  const sc = await runs(async () => structuredClone(items), 3);
  row('  for comparison: structuredClone of the 100,000 items', ms(sc.median));
  const th = await runs(async () => items.map((o) => thaw(o)), 3);
  row('  for comparison: thaw (JSON copy) of the 100,000 items', ms(th.median));
  const del = await timeAsync(() => s.delete(GK.Namespace, undefined, 'ns-5'));
  row('delete a namespace holding 10,000 of them (one write)', ms(del));
  await s.close();
}

async function fanoutBench(): Promise<void> {
  console.log('watch fan-out (memory store, 1,000 Services, 100 watchers)');
  const s = store();
  for (let i = 0; i < NAMESPACES; i++) await s.create(nsObj(i));
  for (let i = 0; i < 1000; i++) await s.create(service(i));
  const target = (await s.get(GK.Service, 'ns-0', 'svc-000000'))!;
  const W = 100;
  let seen = 0;
  let done: () => void = () => {};
  for (let w = 0; w < W; w++) {
    // A mix of filters: everything, one namespace, a label selector, a field selector.
    const opts = [{}, { namespace: 'ns-0' }, { labelSelector: 'app=app-0' }, { fieldSelector: 'metadata.name=svc-000000' }][w % 4]!;
    s.watch(GK.Service, { ...opts, resourceVersion: await s.revision() }, (ev) => {
      if (ev.type === 'MODIFIED' && ++seen === W) done();
    });
  }
  const samples: number[] = [];
  let cur = target;
  for (let i = 0; i < 300; i++) {
    seen = 0;
    const arrived = new Promise<void>((r) => (done = r));
    const t = now();
    cur = await s.update({ ...cur, metadata: { ...cur.metadata, annotations: { n: String(i) } } });
    await arrived;
    samples.push(now() - t);
  }
  const st = stats(samples.slice(20));
  row('update → 100th watcher callback (median)', ms(st.median), verdict(st.median, 5));
  row('update → 100th watcher callback (p99 of 280)', ms(st.p99));
  await s.close();
}

async function createBench(dataDir?: string): Promise<void> {
  const where = dataDir ? `data dir ${dataDir}` : 'memory';
  console.log(`creates (${where})`);
  const N = 10_000;
  let s = store(dataDir ? { dataDir } : {});
  await s.create(nsObj(0));
  const concurrent = await timeAsync(() => Promise.all(Array.from({ length: N }, (_, i) => s.create(service(i * NAMESPACES)))));
  row(`10,000 creates issued together (Promise.all)`, ms(concurrent), dataDir ? '(one fsync per group commit)' : '');
  const SEQ = dataDir ? 1000 : N;
  const sequential = await timeAsync(async () => {
    for (let i = 0; i < SEQ; i++) await s.create(service(N * NAMESPACES + i * NAMESPACES));
  });
  row(`${SEQ.toLocaleString('en-US')} creates one after another (await each)`, ms(sequential), `${((sequential / SEQ) * 1000).toFixed(0)} µs per write`);
  if (dataDir) {
    await s.close();
    const t = now();
    s = await MemoryStore.open({ dataDir, log: (l) => console.log(`  (${l})`) });
    row(`restart with ${(N + SEQ).toLocaleString('en-US')} objects (snapshot + log replay)`, ms(now() - t));
  }
  await s.close();
}

console.log(`store benchmark — node ${process.version}, ${cpus().length} CPUs`);
await listBench();
gc();
await fanoutBench();
gc();
await createBench();
gc();
const dir = await mkdtemp(join(tmpdir(), 'cilia-bench-store-'));
try {
  await createBench(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
