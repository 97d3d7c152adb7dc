// Persistence for the memory store: a write-ahead log in segments (wal-NNNNNN.log) with group
// commit (every append waits for one shared fdatasync), periodic snapshots
// (snapshot-<revision>.snap, written aside and renamed into place) that let old segments go, and
// recovery that drops a torn tail with one message but refuses to start on corruption elsewhere.
//
// WAL record payload: {"r": first revision, "o": [{"p": object} | {"d": ["Kind.group", "ns/name"]}, ...]}
//   one record per committed write (a transaction and its cascades share one record, so a crash
//   keeps all of it or none); operation i has revision r+i.
// Snapshot: a header record {"snapshot": 1, "rev": R, "count": N}, then {"o": [objects]} chunks.

import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KObject } from '../k8s/object.ts';
import { StoreError } from './types.ts';
import { frame, scanRecords } from './wal.ts';

export type WalOp = { p: KObject } | { d: [gkKey: string, key: string] };

export interface DiskOptions {
  log: (line: string) => void;
  /** Log bytes after which a snapshot is taken (at least the size of the previous snapshot). */
  snapshotBytes: number;
  /** Every stored object, at the revision of the last append (frozen objects: cheap to hold). */
  capture: () => KObject[];
}

interface Batch {
  bufs: Buffer[];
  lastRev: number;
  /** Take a snapshot at lastRev once this batch is durable; later appends go to a new segment. */
  snapshot?: { rev: number; objs: KObject[] };
}

interface Waiter {
  rev: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const SNAPSHOT_CHUNK = 1000;
const segName = (seq: number) => `wal-${String(seq).padStart(6, '0')}.log`;
const snapName = (rev: number) => `snapshot-${String(rev).padStart(20, '0')}.snap`;
const SEG_RE = /^wal-(\d{6,})\.log$/;
const SNAP_RE = /^snapshot-(\d{20})\.snap$/;

/** Data directories held by stores in this process (a LOCK with our own pid from an earlier life is stale). */
const heldHere = new Set<string>();

function corrupt(file: string, offset: number, reason: string): StoreError {
  return new StoreError(
    'Internal',
    `store: ${file} is corrupted at offset ${offset} (${reason}); refusing to start so that no acknowledged write is lost`,
  );
}

async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lock(dir: string): Promise<void> {
  const file = join(dir, 'LOCK');
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  const ours = pid === process.pid && !heldHere.has(dir);
  if (Number.isInteger(pid) && pid > 0 && !ours && processAlive(pid)) {
    throw new StoreError('Internal', `store: data directory ${dir} is in use by process ${pid} (remove ${file} if that is not a cilia store)`);
  }
  const h = await open(file, 'w');
  try {
    await h.writeFile(`${process.pid}\n`);
  } finally {
    await h.close();
  }
  heldHere.add(dir);
}

function parse(file: string, offset: number, payload: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw corrupt(file, offset, 'unreadable record');
}

export class DiskLog {
  /** Revision up to which every write is on disk. */
  synced: number;
  /** Set when a write or fsync failed: the store then refuses writes. */
  failure: StoreError | undefined;
  onSynced: (rev: number) => void = () => {};

  private batches: Batch[];
  private running: Promise<void> | undefined;
  /** From the capture of a snapshot until its file is in place (one at a time). */
  private snapshotting = false;
  private snapshotDone: Promise<void> | undefined;
  private waiters: Waiter[] = [];
  private sinceSnapshot: number;

  private constructor(
    private readonly dir: string,
    private readonly opts: DiskOptions,
    private fh: FileHandle,
    private seq: number,
    rev: number,
    private lastSnapshotBytes: number,
    logBytes: number,
  ) {
    this.synced = rev;
    this.batches = [{ bufs: [], lastRev: rev }];
    this.sinceSnapshot = logBytes;
  }

  /**
   * Opens (creating if needed) a data directory and replays it into `apply`: the newest snapshot's
   * objects as puts, then every later log operation. Returns the log, ready for appends, and the
   * recovered revision.
   */
  static async open(dataDir: string, opts: DiskOptions, apply: (op: WalOp) => void): Promise<{ disk: DiskLog; rev: number }> {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    await lock(dir);
    try {
      return await DiskLog.recover(dir, opts, apply);
    } catch (e) {
      heldHere.delete(dir);
      await unlink(join(dir, 'LOCK')).catch(() => {});
      throw e;
    }
  }

  private static async recover(dir: string, opts: DiskOptions, apply: (op: WalOp) => void): Promise<{ disk: DiskLog; rev: number }> {
    const names = await readdir(dir);
    for (const n of names) if (n.endsWith('.tmp')) await unlink(join(dir, n));
    const snaps = names.filter((n) => SNAP_RE.test(n)).sort();
    const segs = names
      .map((n) => SEG_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[0], seq: Number(m[1]) }))
      .sort((a, b) => a.seq - b.seq);

    let snapRev = 1;
    let snapBytes = 0;
    const newest = snaps.at(-1);
    if (newest) {
      const buf = await readFile(join(dir, newest));
      snapBytes = buf.length;
      snapRev = loadSnapshot(newest, buf, apply);
    }

    let next = snapRev + 1;
    let logBytes = 0;
    for (let i = 0; i < segs.length; i++) {
      const { name } = segs[i]!;
      const buf = await readFile(join(dir, name));
      const scan = scanRecords(buf);
      for (const rec of scan.records) {
        const body = parse(name, rec.offset, rec.payload);
        const r = body.r;
        const ops = body.o;
        if (typeof r !== 'number' || !Array.isArray(ops) || ops.length === 0) throw corrupt(name, rec.offset, 'unreadable record');
        const last = r + ops.length - 1;
        if (last <= snapRev) continue;
        if (r !== next) throw corrupt(name, rec.offset, `record starts at revision ${r}, expected ${next}`);
        for (const op of ops as WalOp[]) apply(op);
        next = last + 1;
      }
      logBytes += buf.length;
      if (scan.bad) {
        const { offset, reason, nextIntact } = scan.bad;
        if (nextIntact !== undefined) throw corrupt(name, offset, `${reason}; intact records follow at offset ${nextIntact}`);
        // Segments before the last were synced whole before the next one was started.
        if (i !== segs.length - 1) throw corrupt(name, offset, reason);
        const h = await open(join(dir, name), 'r+');
        try {
          await h.truncate(offset);
          await h.datasync();
        } finally {
          await h.close();
        }
        logBytes -= buf.length - offset;
        opts.log(`store: dropped a torn record at the end of ${name} (offset ${offset}, ${buf.length - offset} bytes)`);
      }
    }

    const seq = segs.at(-1)?.seq ?? 1;
    const fh = await open(join(dir, segName(seq)), 'a');
    if (segs.length === 0) await syncDir(dir);
    const rev = next - 1;
    return { disk: new DiskLog(dir, opts, fh, seq, rev, snapBytes, logBytes), rev };
  }

  /** Queues one committed write (ops with revisions firstRev, firstRev+1, ...) for the next group commit. */
  append(firstRev: number, ops: WalOp[]): void {
    const rec = frame(Buffer.from(JSON.stringify({ r: firstRev, o: ops })));
    const cur = this.batches[this.batches.length - 1]!;
    cur.bufs.push(rec);
    cur.lastRev = firstRev + ops.length - 1;
    this.sinceSnapshot += rec.length;
    if (!this.snapshotting && this.sinceSnapshot >= Math.max(this.opts.snapshotBytes, this.lastSnapshotBytes)) {
      // Captured now, so the snapshot is exactly the state after this record; later records go to the next segment.
      cur.snapshot = { rev: cur.lastRev, objs: this.opts.capture() };
      this.sinceSnapshot = 0;
      this.snapshotting = true;
      this.batches.push({ bufs: [], lastRev: cur.lastRev });
    }
    this.kick();
  }

  /** Resolves once every write up to rev is on disk (rejects if the log failed). */
  waitSynced(rev: number): Promise<void> {
    if (rev <= this.synced) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ rev, resolve, reject }));
  }

  /** Waits for pending writes and a running snapshot, then closes the files and the lock. */
  async close(): Promise<void> {
    while (this.running) await this.running;
    if (this.snapshotDone) await this.snapshotDone;
    // After a write failure the handle may be unusable; everything acknowledged is on disk either way.
    await this.fh.close().catch(() => {});
    heldHere.delete(this.dir);
    await unlink(join(this.dir, 'LOCK')).catch(() => {});
  }

  private kick(): void {
    if (this.running || this.failure) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.batches.length > 1 || this.batches[0]!.bufs.length > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    // Let the rest of this tick's writes join the batch.
    await null;
    try {
      while (this.batches.length > 1 || this.batches[0]!.bufs.length > 0) {
        const b = this.batches.shift()!;
        if (this.batches.length === 0) this.batches.push({ bufs: [], lastRev: b.lastRev });
        if (b.bufs.length > 0) {
          await writeAll(this.fh, b.bufs.length === 1 ? b.bufs[0]! : Buffer.concat(b.bufs));
          await this.fh.datasync();
        }
        this.markSynced(b.lastRev);
        if (b.snapshot) await this.rotate(b.snapshot);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private markSynced(rev: number): void {
    if (rev <= this.synced) return;
    this.synced = rev;
    let i = 0;
    while (i < this.waiters.length && this.waiters[i]!.rev <= rev) this.waiters[i++]!.resolve();
    if (i > 0) this.waiters.splice(0, i);
    this.onSynced(rev);
  }

  private fail(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.failure = new StoreError('Internal', `store: writing ${segName(this.seq)} failed (${msg}); no further writes are accepted`);
    this.opts.log(this.failure.message);
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
    this.batches = [{ bufs: [], lastRev: this.synced }];
  }

  /** Starts a new segment (records after the snapshot go there) and writes the snapshot in the background. */
  private async rotate(snap: { rev: number; objs: KObject[] }): Promise<void> {
    const seq = this.seq + 1;
    const fh = await open(join(this.dir, segName(seq)), 'a');
    await syncDir(this.dir);
    const old = this.fh;
    this.fh = fh;
    this.seq = seq;
    await old.close();
    this.snapshotDone = this.writeSnapshot(snap.rev, snap.objs, seq)
      .catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        this.opts.log(`store: writing the snapshot at revision ${snap.rev} failed (${msg}); the log is kept and a later snapshot retries`);
        return unlink(join(this.dir, `${snapName(snap.rev)}.tmp`)).catch(() => {});
      })
      .finally(() => {
        this.snapshotting = false;
        this.snapshotDone = undefined;
      });
  }

  private async writeSnapshot(rev: number, objs: KObject[], firstKeptSeq: number): Promise<void> {
    const final = snapName(rev);
    const tmp = join(this.dir, `${final}.tmp`);
    const fh = await open(tmp, 'w');
    let size = 0;
    try {
      const header = frame(Buffer.from(JSON.stringify({ snapshot: 1, rev, count: objs.length })));
      await writeAll(fh, header);
      size += header.length;
      for (let i = 0; i < objs.length; i += SNAPSHOT_CHUNK) {
        // Each chunk is serialised between two awaits, so appends and reads keep flowing.
        const rec = frame(Buffer.from(JSON.stringify({ o: objs.slice(i, i + SNAPSHOT_CHUNK) })));
        await writeAll(fh, rec);
        size += rec.length;
      }
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, final));
    await syncDir(this.dir);
    this.lastSnapshotBytes = size;
    for (const n of await readdir(this.dir)) {
      const seg = SEG_RE.exec(n);
      const snap = SNAP_RE.exec(n);
      if ((seg && Number(seg[1]) < firstKeptSeq) || (snap && Number(snap[1]) < rev)) await unlink(join(this.dir, n));
    }
  }
}

/** Replays a snapshot file into apply; returns its revision. Snapshots are renamed into place whole, so any damage is corruption. */
function loadSnapshot(name: string, buf: Buffer, apply: (op: WalOp) => void): number {
  const scan = scanRecords(buf);
  if (scan.bad) throw corrupt(name, scan.bad.offset, scan.bad.reason);
  const [head, ...chunks] = scan.records;
  if (!head) throw corrupt(name, 0, 'empty snapshot');
  const h = parse(name, head.offset, head.payload);
  if (h.snapshot !== 1 || typeof h.rev !== 'number' || typeof h.count !== 'number') throw corrupt(name, 0, 'not a snapshot header');
  let count = 0;
  for (const c of chunks) {
    const objs = parse(name, c.offset, c.payload).o;
    if (!Array.isArray(objs)) throw corrupt(name, c.offset, 'unreadable record');
    for (const obj of objs as KObject[]) apply({ p: obj });
    count += objs.length;
  }
  if (count !== h.count) throw corrupt(name, buf.length, `${count} objects, the header says ${h.count}`);
  return h.rev;
}
