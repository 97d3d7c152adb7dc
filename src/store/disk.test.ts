import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { GK } from '../k8s/kinds.ts';
import { MemoryStore, type MemoryStoreOptions } from './memory.ts';
import { cm, drain, ns, recorder } from './testing.ts';
import { StoreError } from './types.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cilia-store-'));
  dirs.push(d);
  return d;
}

function open(dataDir: string, extra: Partial<MemoryStoreOptions> = {}): Promise<MemoryStore> {
  return MemoryStore.open({ dataDir, clock: new VirtualClock(), rng: new Rng('disk'), log: () => {}, ...extra });
}

async function names(s: MemoryStore): Promise<string[]> {
  return (await s.list(GK.ConfigMap)).items.map((o) => o.metadata.name!);
}

const wal = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('wal-')).sort();

describe('persistent MemoryStore', () => {
  it('recovers objects, revision and uids after a restart, and continues from there', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await s.create(ns('default'));
    const a = await s.create(cm('a', 'default', { k: 'v' }));
    await s.create(cm('b'));
    await s.delete(GK.ConfigMap, 'default', 'b');
    const rev = await s.revision();
    await s.close();

    const s2 = await open(dir);
    assert.equal(await s2.revision(), rev);
    assert.deepEqual(await s2.get(GK.ConfigMap, 'default', 'a'), a);
    assert.deepEqual(await names(s2), ['a']);
    const c = await s2.create(cm('c'));
    assert.equal(c.metadata.resourceVersion, String(Number(rev) + 1));
    // Same seed as the first run, yet a fresh uid: the Rng is forked at the recovered revision.
    assert.notEqual(c.metadata.uid, a.metadata.uid);
    // Watch history starts at the restart.
    assert.throws(() => s2.watch(GK.ConfigMap, { resourceVersion: '2' }, () => {}), /too old resource version: 2 \(\d+\)/);
    await s2.close();
  });

  it('drops a torn last record with one message and keeps everything before it', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await s.create(ns('default'));
    await s.create(cm('a'));
    const rev = await s.revision();
    await s.create(cm('torn'));
    await s.close();
    const [seg] = await wal(dir);
    const size = (await stat(join(dir, seg!))).size;
    await truncate(join(dir, seg!), size - 17);

    const lines: string[] = [];
    const s2 = await open(dir, { log: (l) => lines.push(l) });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^store: dropped a torn record at the end of wal-000001\.log \(offset \d+, \d+ bytes\)$/);
    const [, offset, bytes] = /offset (\d+), (\d+) bytes/.exec(lines[0]!)!.map(Number);
    assert.equal(offset! + bytes!, size - 17);
    assert.equal(await s2.revision(), rev);
    assert.deepEqual(await names(s2), ['a']);
    await s2.create(cm('after'));
    await s2.close();

    const again: string[] = [];
    const s3 = await open(dir, { log: (l) => again.push(l) });
    assert.deepEqual(again, []);
    assert.deepEqual(await names(s3), ['a', 'after']);
    await s3.close();
  });

  it('loses a whole transaction or nothing of it', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await s.create(ns('default'));
    await s.transaction([1, 2, 3].map((i) => ({ op: 'create' as const, object: cm(`t${i}`) })));
    await s.close();
    const [seg] = await wal(dir);
    await truncate(join(dir, seg!), (await stat(join(dir, seg!))).size - 1);
    const s2 = await open(dir);
    assert.deepEqual(await names(s2), []);
    await s2.close();
  });

  it('refuses to start on corruption in the middle of the log, naming file and offset', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await s.create(ns('default'));
    await s.create(cm('a'));
    await s.create(cm('b'));
    await s.close();
    const [seg] = await wal(dir);
    const file = join(dir, seg!);
    const buf = await readFile(file);
    buf[12]! ^= 0x20; // inside the payload of the first record
    await writeFile(file, buf);
    await assert.rejects(open(dir), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, 'Internal');
      assert.match(
        e.message,
        /^store: wal-000001\.log is corrupted at offset 0 \(CRC mismatch; intact records follow at offset \d+\); refusing to start so that no acknowledged write is lost$/,
      );
      return true;
    });
    // The file is left as it was, for repair.
    assert.deepEqual(await readFile(file), buf);
    // A store built with the constructor reports the same on every call.
    const lines: string[] = [];
    const lazy = new MemoryStore({ dataDir: dir, log: (l) => lines.push(l) });
    lazy.watch(GK.ConfigMap, {}, () => assert.fail('no events from a store that did not open'));
    await assert.rejects(lazy.list(GK.ConfigMap), /corrupted at offset 0/);
    await assert.rejects(lazy.create(cm('x')), /corrupted at offset 0/);
    assert.throws(() => lazy.watch(GK.ConfigMap, {}, () => {}), /corrupted at offset 0/);
    assert.deepEqual(lines.length, 1);
    assert.match(lines[0]!, /^store: a watch on configmaps did not start: store: wal-000001\.log is corrupted at offset 0/);
  });

  it('snapshots and drops old log segments, and restarts from snapshot plus log', async () => {
    const dir = await tempDir();
    const s = await open(dir, { snapshotBytes: 4096 });
    await s.create(ns('default'));
    for (let i = 0; i < 200; i++) await s.create(cm(`c${String(i).padStart(3, '0')}`, 'default', { i: String(i) }));
    for (let i = 0; i < 200; i += 2) await s.delete(GK.ConfigMap, 'default', `c${String(i).padStart(3, '0')}`);
    const expected = await names(s);
    const rev = await s.revision();
    await s.close();

    const files = await readdir(dir);
    const snaps = files.filter((f) => f.startsWith('snapshot-'));
    const segs = files.filter((f) => f.startsWith('wal-'));
    assert.equal(snaps.length, 1, `one snapshot left: ${files.join(' ')}`);
    assert.ok(!segs.includes('wal-000001.log'), 'compacted segments are removed');
    assert.ok(!files.some((f) => f.endsWith('.tmp')));

    const s2 = await open(dir, { snapshotBytes: 4096 });
    assert.equal(await s2.revision(), rev);
    assert.deepEqual(await names(s2), expected);
    assert.equal(expected.length, 100);
    await s2.close();
  });

  it('refuses a data directory another live process holds', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await assert.rejects(open(dir), /is in use by process \d+/);
    await s.close();
    // After close (or when the holder is gone) it opens.
    await writeFile(join(dir, 'LOCK'), '999999999\n');
    await (await open(dir)).close();
  });

  it('opens lazily from the constructor: calls wait for recovery', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await first.create(ns('default'));
    await first.create(cm('a'));
    await first.close();

    const s = new MemoryStore({ dataDir: dir, clock: new VirtualClock(), rng: new Rng(1), log: () => {} });
    const r = recorder();
    s.watch(GK.ConfigMap, { resourceVersion: '' }, r.cb);
    assert.throws(() => s.watch(GK.ConfigMap, { resourceVersion: '3' }, () => {}), /still recovering the data directory/);
    assert.throws(() => s.watch(GK.ConfigMap, { labelSelector: 'a in' }, () => {}), (e: unknown) => e instanceof StoreError && e.code === 'BadRequest');
    const created = s.create(cm('b'));
    assert.deepEqual(await names(s), ['a', 'b']);
    await created;
    await drain();
    assert.deepEqual(r.lines(), ['ADDED a@3', 'BOOKMARK @3', 'ADDED b@4']);
    await s.close();
  });

  it('stops taking writes, with one message, once the log cannot be written', async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    const s = await open(dir, { log: (l) => lines.push(l) });
    await s.create(ns('default'));
    // Pull the file out from under the log: the next write fails like a dying disk would.
    await (s as unknown as { disk: { fh: { close(): Promise<void> } } }).disk.fh.close();
    await assert.rejects(s.create(cm('a')), /^StoreError: store: writing wal-000001\.log failed \(.+\); no further writes are accepted$/);
    await assert.rejects(s.create(cm('b')), /no further writes are accepted/);
    await assert.rejects(s.list(GK.ConfigMap), /no further writes are accepted/);
    assert.equal(lines.length, 1);
    await s.close();
    const s2 = await open(dir);
    assert.deepEqual(await names(s2), []);
    await s2.close();
  });

  it('acknowledges many concurrent writes with shared fsyncs, in order', async () => {
    const dir = await tempDir();
    const s = await open(dir);
    await s.create(ns('default'));
    const r = recorder();
    s.watch(GK.ConfigMap, { resourceVersion: await s.revision() }, r.cb);
    const outs = await Promise.all(Array.from({ length: 500 }, (_, i) => s.create(cm(`c${i}`))));
    assert.deepEqual(
      outs.map((o) => Number(o.metadata.resourceVersion)),
      Array.from({ length: 500 }, (_, i) => i + 3),
    );
    await drain();
    assert.equal(r.events.length, 500);
    await s.close();
    const s2 = await open(dir);
    assert.equal((await names(s2)).length, 500);
    await s2.close();
  });
});
