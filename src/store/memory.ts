// The embedded ResourceStore: apiserver semantics over in-memory tables, optional persistence.
//
// Every write runs synchronously inside a transaction (Tx) that records an undo log: on any error
// the tables and the revision are restored, so a failing write (or any operation of a failing
// transaction) changes nothing. A committed write is appended to the log (when persistent),
// published to the watch hub, and acknowledged once durable; watchers are released up to the
// durable revision only.

import { type Clock, RealClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import type { ResourceType } from '../k8s/kinds.ts';
import { type GroupKind, groupKindKey, groupKindOf, groupOf, type KObject, type ObjectMeta } from '../k8s/object.ts';
import { parseFieldSelector, parseSelector, SelectorError } from '../k8s/selectors.ts';
import { DiskLog, type WalOp } from './disk.ts';
import { cloneJson, deepFreeze, jsonEqual, NotJsonError } from './json.ts';
import { errors, generateName, metadataProblem, pathSegmentProblem, resourceName, rfc3339, uuidV4, withResourceVersion } from './meta.ts';
import { type KindTable, State, storeKey } from './state.ts';
import {
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type PatchType,
  type ResourceStore,
  StoreError,
  type StoreOp,
  TransactionError,
  type Watch,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
} from './types.ts';
import { type Mutation, passes, type WatchFilter, WatchHub } from './watch.ts';

/** Validation and defaulting (k8s/admission.ts): returns the object to store, or throws StoreError 'Invalid'. */
export type Admit = (op: 'create' | 'update', obj: KObject, old?: KObject) => KObject;
/** Applies a patch (k8s/patch.ts) to a mutable copy of the stored object; returns the patched object. */
export type Patcher = (type: PatchType, target: KObject, patch: unknown) => KObject;

export interface MemoryStoreOptions {
  clock?: Clock;
  /** uids and generated names come from here; seed it for reproducible labs. */
  rng?: Rng;
  admit?: Admit;
  /** Needed for patch(); without one, patch() answers BadRequest. */
  patcher?: Patcher;
  /** One line per event worth telling (torn log tail, throwing watch callback). Default: stderr. */
  log?: (line: string) => void;
  /** Changes kept per kind for watches from a resourceVersion (default 10,000). */
  historySize?: number;
  /** Persist here (write-ahead log plus snapshots); unset: memory only. */
  dataDir?: string;
  /** Log bytes between snapshots (default 16 MiB; at least the size of the last snapshot). */
  snapshotBytes?: number;
}

/** Server-managed metadata: cleared on create, carried over from the stored object on update. */
const SYSTEM_FIELDS = [
  'name',
  'namespace',
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'resourceVersion',
] as const satisfies readonly (keyof ObjectMeta)[];

const NAMESPACE_GK: GroupKind = { group: '', kind: 'Namespace' };
// apiserver (1.30 RetryGenerateName): a generated name that collides is drawn again, up to 8 times.
const GENERATE_NAME_ATTEMPTS = 8;

function isNamespace(t: ResourceType): boolean {
  return t.group === '' && t.kind === 'Namespace';
}

/**
 * Seconds a deletion of this object is delayed (pod strategy CheckGracefulDelete): Pods bound to
 * a node get the requested period, else spec.terminationGracePeriodSeconds, else 30; everything
 * else, and Pods not scheduled or already finished, goes at once.
 */
function gracePeriod(t: ResourceType, obj: KObject, requested: number | undefined): number {
  if (t.group !== '' || t.kind !== 'Pod') return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  if (requested !== undefined && requested >= 0) return requested;
  return spec.terminationGracePeriodSeconds ?? 30;
}

function setOrDelete(obj: Record<string, unknown>, field: string, value: unknown): void {
  if (value === undefined) delete obj[field];
  else obj[field] = value;
}

/** Whether anything but metadata and status (and the type fields) differs: what bumps generation. */
function specChanged(a: KObject, b: KObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}

function asStoreError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  if (e instanceof NotJsonError || e instanceof SelectorError) return new StoreError('BadRequest', e.message);
  return new StoreError('Internal', `store: ${e instanceof Error ? e.message : String(e)}`);
}

/** One write in progress: its revisions, its changes, and how to undo them. */
class Tx {
  private readonly startRev: number;
  private readonly undo: { table: KindTable; key: string; prev: KObject | undefined }[] = [];
  readonly muts: Mutation[] = [];

  /** metav1.Now() of this write, for creationTimestamp and deletionTimestamp. */
  readonly now: string;

  constructor(
    private readonly state: State,
    readonly nowMs: number,
  ) {
    this.startRev = state.rev;
    this.now = rfc3339(nowMs);
  }

  nextRev(): number {
    return ++this.state.rev;
  }

  write(table: KindTable, key: string, next: KObject | undefined, rev: number, gone?: KObject): void {
    const prev = this.state.put(table, key, next);
    this.undo.push({ table, key, prev });
    this.muts.push({ rev, table, key, next, prev, gone });
  }

  /** The last-seen view of an object this transaction removed. */
  goneOf(table: KindTable, key: string): KObject | undefined {
    for (let i = this.muts.length - 1; i >= 0; i--) {
      const m = this.muts[i]!;
      if (m.table === table && m.key === key) return m.gone;
    }
    return undefined;
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const u = this.undo[i]!;
      this.state.put(u.table, u.key, u.prev);
    }
    this.state.rev = this.startRev;
  }
}

export class MemoryStore implements ResourceStore {
  private readonly state = new State();
  private hub: WatchHub;
  private disk: DiskLog | undefined;
  /** While the data directory is being recovered; every call waits for it. */
  private opening: Promise<void> | undefined;
  private openError: StoreError | undefined;
  private closed = false;
  private readonly clock: Clock;
  private rng: Rng;
  private readonly admitHook: Admit | undefined;
  private readonly patcher: Patcher | undefined;
  private readonly log: (line: string) => void;
  private readonly historySize: number;
  private readonly unknownKinds = new Set<string>();

  /**
   * With `dataDir`, recovery starts at once and every call waits for it (`ready()` reports how it
   * went); `MemoryStore.open` does both in one step.
   */
  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? new RealClock();
    this.rng = opts.rng ?? new Rng(`store:${this.clock.now()}`);
    this.admitHook = opts.admit;
    this.patcher = opts.patcher;
    this.log = opts.log ?? ((line) => console.error(line));
    this.historySize = opts.historySize ?? 10_000;
    this.hub = new WatchHub(this.state.rev, this.historySize, this.log);
    if (opts.dataDir) this.opening = this.openDisk(opts.dataDir, opts.snapshotBytes ?? 16 << 20);
  }

  /**
   * A store persisted in `dataDir` (write-ahead log plus snapshots), with what it holds recovered.
   * Rejects with StoreError 'Internal' naming file and offset when the data is corrupted anywhere
   * but in the log's last record (a torn tail is dropped and reported through `log`).
   */
  static async open(opts: MemoryStoreOptions & { dataDir: string }): Promise<MemoryStore> {
    const store = new MemoryStore(opts);
    await store.ready();
    return store;
  }

  /** Resolves once the data directory is recovered (at once without one); rejects if it cannot be. */
  async ready(): Promise<void> {
    if (this.opening) await this.opening;
    if (this.openError) throw this.openError;
  }

  private async openDisk(dataDir: string, snapshotBytes: number): Promise<void> {
    try {
      const { disk, rev } = await DiskLog.open(dataDir, { log: this.log, snapshotBytes, capture: () => this.captureAll() }, (op) =>
        this.replay(op),
      );
      this.state.rev = rev;
      this.hub = new WatchHub(rev, this.historySize, this.log);
      this.disk = disk;
      disk.onSynced = (r) => this.hub.release(r);
      // A seeded Rng restarts its sequence with the process: branch off so uids do not repeat.
      if (rev > 1) this.rng = this.rng.fork(`revision ${rev}`);
    } catch (e) {
      this.openError = asStoreError(e);
    } finally {
      this.opening = undefined;
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  async get<T extends KObject = KObject>(gk: GroupKind, namespace: string | undefined, name: string): Promise<T | undefined> {
    await this.ready();
    this.assertOpen();
    const table = this.tableFor(gk);
    if (table.type.namespaced && !namespace) throw errors.namespaceRequired(table.type);
    const obj = table.get(storeKey(table.type, namespace, name));
    await this.durable(this.state.rev);
    return obj as T | undefined;
  }

  async list<T extends KObject = KObject>(gk: GroupKind, opts: ListOptions = {}): Promise<ListResult<T>> {
    await this.ready();
    this.assertOpen();
    const table = this.tableFor(gk);
    const filter = this.filterOf(table.type, opts);
    const items: KObject[] = [];
    table.scan(filter.namespace, (obj) => {
      if (passes(filter, obj)) items.push(obj);
    });
    const rev = this.state.rev;
    await this.durable(rev);
    return { items: items as T[], resourceVersion: String(rev) };
  }

  /** While a data directory is still being recovered, only watches without a resourceVersion are accepted (they start once it is). */
  watch<T extends KObject = KObject>(gk: GroupKind, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): Watch {
    this.assertOpen();
    const table = this.tableFor(gk);
    const filter = this.filterOf(table.type, opts);
    const cb = onEvent as (ev: WatchEvent) => void;
    let since: number | undefined;
    const rv = opts.resourceVersion;
    // API conventions: resourceVersion "0" on a watch means "any", served like an unset one.
    if (rv !== undefined && rv !== '' && rv !== '0') {
      if (!/^\d{1,15}$/.test(rv)) throw new StoreError('BadRequest', `invalid resource version "${rv}"`);
      since = Number(rv);
    }
    if (this.opening) {
      if (since !== undefined) throw new StoreError('Internal', 'store: still recovering the data directory; watch from a resourceVersion after ready()');
      return this.watchWhenOpen(table, filter, cb);
    }
    const current = this.state.rev;
    if (since !== undefined && since > current) throw new StoreError('BadRequest', `too large resource version: ${since}, current: ${current}`);
    return this.hub.watch(table, filter, since, current, cb);
  }

  private watchWhenOpen(table: KindTable, filter: WatchFilter, cb: (ev: WatchEvent) => void): Watch {
    let inner: Watch | undefined;
    let stopped = false;
    void this.opening!.then(() => {
      if (stopped || this.closed) return;
      if (this.openError) this.log(`store: a watch on ${table.type.plural} did not start: ${this.openError.message}`);
      else inner = this.hub.watch(table, filter, undefined, this.state.rev, cb);
    });
    return {
      stop: () => {
        stopped = true;
        inner?.stop();
      },
    };
  }

  async revision(): Promise<string> {
    await this.ready();
    this.assertOpen();
    const rev = this.state.rev;
    await this.durable(rev);
    return String(rev);
  }

  // ---- writes -----------------------------------------------------------------------------

  create<T extends KObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.write(opts, (tx) => this.doCreate(tx, obj) as T);
  }

  update<T extends KObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.write(opts, (tx) => this.doUpdate(tx, obj, false) as T);
  }

  updateStatus<T extends KObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.write(opts, (tx) => this.doUpdate(tx, obj, true) as T);
  }

  patch<T extends KObject = KObject>(
    gk: GroupKind,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<T> {
    return this.write(opts, (tx) => this.doPatch(tx, gk, namespace, name, type, patch, opts.subresource) as T);
  }

  delete<T extends KObject = KObject>(gk: GroupKind, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    return this.write(opts, (tx) => this.doDelete(tx, gk, namespace, name, opts) as T);
  }

  transaction(ops: readonly StoreOp[], opts: WriteOptions = {}): Promise<KObject[]> {
    return this.write(opts, (tx) =>
      ops.map((op, i) => {
        try {
          return this.runOp(tx, op);
        } catch (e) {
          throw new TransactionError(i, asStoreError(e));
        }
      }),
    );
  }

  /** Waits for pending writes to be durable, stops every watch and releases the data directory. */
  async close(): Promise<void> {
    if (this.opening) await this.opening;
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    await this.disk?.close();
  }

  // ---- internals --------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.openError) throw this.openError;
    if (this.closed) throw new StoreError('Internal', 'store: closed');
  }

  private tableFor(gk: GroupKind): KindTable {
    const table = this.state.tableOf(gk);
    if (!table) throw errors.unknownResource();
    return table;
  }

  private filterOf(t: ResourceType, opts: ListOptions): WatchFilter {
    try {
      return {
        namespace: t.namespaced && opts.namespace ? opts.namespace : undefined,
        labels: opts.labelSelector ? parseSelector(opts.labelSelector) : undefined,
        fields: opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, t.kind) : undefined,
      };
    } catch (e) {
      throw asStoreError(e);
    }
  }

  /** Resolves once everything up to rev is on disk, so nothing is read that a crash could take back. */
  private async durable(rev: number): Promise<void> {
    if (this.disk && rev > this.disk.synced) await this.disk.waitSynced(rev);
  }

  private async write<R>(opts: WriteOptions, body: (tx: Tx) => R): Promise<R> {
    // Without a pending recovery nothing is awaited before the body: writes commit in call order.
    if (this.opening) await this.opening;
    this.assertOpen();
    if (this.disk?.failure) throw this.disk.failure;
    const tx = new Tx(this.state, this.clock.now());
    let result: R;
    try {
      result = body(tx);
    } catch (e) {
      tx.rollback();
      throw asStoreError(e);
    }
    if (opts.dryRun) tx.rollback();
    else if (tx.muts.length > 0) this.commit(tx.muts);
    await this.durable(this.state.rev);
    return result;
  }

  private commit(muts: Mutation[]): void {
    if (this.disk) {
      const ops: WalOp[] = muts.map((m) => (m.next ? { p: m.next } : { d: [groupKindKey(m.table.type), m.key] }));
      this.disk.append(muts[0]!.rev, ops);
    }
    this.hub.publish(muts);
    if (!this.disk) this.hub.release(this.state.rev);
  }

  private runOp(tx: Tx, op: StoreOp): KObject {
    switch (op.op) {
      case 'create':
        return this.doCreate(tx, op.object);
      case 'update':
        return this.doUpdate(tx, op.object, false);
      case 'updateStatus':
        return this.doUpdate(tx, op.object, true);
      case 'patch':
        return this.doPatch(tx, op.gk, op.namespace, op.name, op.type, op.patch, op.subresource);
      case 'delete':
        return this.doDelete(tx, op.gk, op.namespace, op.name, op);
    }
  }

  /** A private, mutable, JSON-checked copy of a caller's object. */
  private input(obj: unknown): KObject {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new StoreError('BadRequest', 'the object is not a JSON object');
    const o = cloneJson(obj) as KObject;
    if (typeof o.kind !== 'string' || o.kind === '') throw new StoreError('BadRequest', "Object 'Kind' is missing");
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '') throw new StoreError('BadRequest', "Object 'apiVersion' is missing");
    if (o.metadata === undefined) o.metadata = {};
    if (o.metadata === null || typeof o.metadata !== 'object' || Array.isArray(o.metadata)) {
      throw new StoreError('BadRequest', 'metadata: must be an object');
    }
    this.checkMetadata(o);
    return o;
  }

  /** Throws Invalid when metadata is not shaped as the store needs (run on input and on what admission returns). */
  private checkMetadata(obj: KObject): void {
    const problem = metadataProblem(obj.metadata as Record<string, unknown>);
    if (!problem) return;
    const t = this.state.tableOf(groupKindOf(obj))?.type;
    const name = typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
    if (!t) throw new StoreError('BadRequest', `${problem[0]}: ${problem[1]}`);
    throw errors.invalid(t, name, problem[0], problem[1]);
  }

  private admit(op: 'create' | 'update', obj: KObject, old?: KObject): KObject {
    if (!this.admitHook) return obj;
    const out = this.admitHook(op, obj, old);
    if (out === null || typeof out !== 'object' || out.metadata === null || typeof out.metadata !== 'object') {
      throw new StoreError('Internal', 'store: admission returned no object');
    }
    this.checkMetadata(out);
    return out;
  }

  private checkNamespace(t: ResourceType, name: string, ns: string): void {
    const nsObj = this.state.tableOf(NAMESPACE_GK)!.get(ns);
    if (!nsObj) throw errors.namespaceNotFound(ns);
    // NamespaceLifecycle admission: nothing new in a namespace being deleted.
    if (nsObj.metadata.deletionTimestamp) throw errors.terminating(t, name, ns);
  }

  private nameFor(table: KindTable, meta: ObjectMeta, ns: string | undefined): string {
    const t = table.type;
    if (!meta.name) {
      if (!meta.generateName) throw errors.invalid(t, '', 'metadata.name', 'Required value: name or generateName is required');
      let name = '';
      for (let i = 0; i < GENERATE_NAME_ATTEMPTS; i++) {
        name = generateName(meta.generateName, this.rng);
        if (!table.get(storeKey(t, ns, name))) break;
      }
      meta.name = name;
    }
    const problem = pathSegmentProblem(meta.name);
    if (problem) throw errors.invalid(t, meta.name, 'metadata.name', `Invalid value: "${meta.name}": ${problem}`);
    return meta.name;
  }

  private doCreate(tx: Tx, input: KObject): KObject {
    const obj = this.input(input);
    const table = this.tableFor(groupKindOf(obj));
    const t = table.type;
    const meta = obj.metadata;
    if (meta.resourceVersion) throw new StoreError('BadRequest', 'resourceVersion should not be set on objects to be created');
    const ns = t.namespaced ? meta.namespace : undefined;
    if (t.namespaced && !ns) throw errors.namespaceRequired(t);
    const name = this.nameFor(table, meta, ns);
    if (ns) this.checkNamespace(t, name, ns);
    for (const f of SYSTEM_FIELDS) if (f !== 'name' && f !== 'namespace') delete meta[f];
    if (!t.namespaced) delete meta.namespace;

    const admitted = this.admit('create', obj);
    const key = storeKey(t, ns, name);
    if (table.get(key)) throw errors.alreadyExists(t, name);
    const rev = tx.nextRev();
    const { namespace: _ignored, ...rest } = admitted.metadata;
    const out: KObject = {
      ...admitted,
      metadata: {
        ...rest,
        name,
        ...(ns ? { namespace: ns } : {}),
        uid: uuidV4(this.rng),
        resourceVersion: String(rev),
        ...(t.generation ? { generation: 1 } : {}),
        creationTimestamp: tx.now,
      },
    };
    deepFreeze(out);
    tx.write(table, key, out, rev);
    return out;
  }

  private doUpdate(tx: Tx, input: KObject, statusOnly: boolean): KObject {
    const obj = this.input(input);
    const table = this.tableFor(groupKindOf(obj));
    const t = table.type;
    const meta = obj.metadata;
    if (!meta.name) throw errors.invalid(t, '', 'metadata.name', 'Required value: name is required');
    const ns = t.namespaced ? meta.namespace : undefined;
    if (t.namespaced && !ns) throw errors.namespaceRequired(t);
    if (statusOnly && !t.statusSubresource) throw errors.unknownResource();
    const key = storeKey(t, ns, meta.name);
    const old = table.get(key);
    if (!old) throw errors.notFound(t, meta.name);
    if (meta.uid && meta.uid !== old.metadata.uid) throw errors.uidPrecondition(t, meta.name, meta.uid, old.metadata.uid ?? '');
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw errors.conflict(t, meta.name);

    let out: KObject;
    if (statusOnly) {
      const cand = cloneJson(old);
      setOrDelete(cand, 'status', obj.status);
      const admitted = this.admit('update', cand, old);
      out = { ...old };
      setOrDelete(out, 'status', admitted.status);
    } else {
      this.checkFinalizers(t, old, meta);
      this.restoreSystem(meta, old);
      if (t.statusSubresource) setOrDelete(obj, 'status', cloneJson(old.status));
      const admitted = this.admit('update', obj, old);
      out = { ...admitted, metadata: { ...admitted.metadata } };
      this.restoreSystem(out.metadata, old);
      if (t.statusSubresource) setOrDelete(out, 'status', old.status);
      if (t.generation && specChanged(old, out)) out.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    // etcd3 GuaranteedUpdate: an update that changes nothing writes nothing (no revision, no event).
    if (jsonEqual(out, old)) return old;
    const rev = tx.nextRev();
    out.metadata = { ...out.metadata, resourceVersion: String(rev) };
    deepFreeze(out);
    const m = out.metadata;
    const finalized = m.deletionTimestamp && !m.finalizers?.length && (m.deletionGracePeriodSeconds ?? 0) === 0;
    if (finalized && !(isNamespace(t) && this.hasContents(m.name!))) {
      // registry ShouldDeleteDuringUpdate: the last finalizer is gone and no grace period runs, so the object goes.
      return this.removeNow(tx, table, key, old, out, rev);
    }
    tx.write(table, key, out, rev);
    return out;
  }

  /** Sets server-managed metadata back to the stored object's values. */
  private restoreSystem(meta: ObjectMeta, old: KObject): void {
    const m = meta as Record<string, unknown>;
    const o = old.metadata as Record<string, unknown>;
    for (const f of SYSTEM_FIELDS) setOrDelete(m, f, o[f]);
  }

  private checkFinalizers(t: ResourceType, old: KObject, meta: ObjectMeta): void {
    if (!old.metadata.deletionTimestamp) return;
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length === 0) return;
    // apimachinery ValidateObjectMetaUpdate: finalizers may only be removed once deletion started.
    throw errors.invalid(
      t,
      meta.name ?? '',
      'metadata.finalizers',
      `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
    );
  }

  private doPatch(
    tx: Tx,
    gk: GroupKind,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    subresource: 'status' | undefined,
  ): KObject {
    const table = this.tableFor(gk);
    const t = table.type;
    if (t.namespaced && !namespace) throw errors.namespaceRequired(t);
    const old = table.get(storeKey(t, namespace, name));
    if (!old) throw errors.notFound(t, name);
    if (!this.patcher) throw new StoreError('BadRequest', `${type} patches are not supported: the store has no patcher`);
    let patched: KObject;
    try {
      patched = this.patcher(type, cloneJson(old), patch);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError('BadRequest', e instanceof Error ? e.message : String(e));
    }
    if (patched === null || typeof patched !== 'object' || patched.metadata === null || typeof patched.metadata !== 'object') {
      throw new StoreError('BadRequest', 'the patch did not produce an object');
    }
    const pm = patched.metadata;
    if (pm.name !== name || (t.namespaced && pm.namespace !== namespace)) {
      throw new StoreError('BadRequest', `the name of the object (${pm.name}) does not match the name on the URL (${name})`);
    }
    if (patched.kind !== t.kind || typeof patched.apiVersion !== 'string' || groupOf(patched.apiVersion) !== t.group) {
      throw new StoreError('BadRequest', `a patch may not change the kind of ${resourceName(t)} "${name}"`);
    }
    return this.doUpdate(tx, patched, subresource === 'status');
  }

  private doDelete(tx: Tx, gk: GroupKind, namespace: string | undefined, name: string, opts: DeleteOptions): KObject {
    const table = this.tableFor(gk);
    const t = table.type;
    if (t.namespaced && !namespace) throw errors.namespaceRequired(t);
    const key = storeKey(t, namespace, name);
    const old = table.get(key);
    if (!old) throw errors.notFound(t, name);
    const rv = opts.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw errors.rvPrecondition(t, name, rv, old.metadata.resourceVersion ?? '');
    return this.requestDelete(tx, table, key, old, opts.gracePeriodSeconds);
  }

  /**
   * Deletes now, or (finalizers, a grace period) marks the object as being deleted; a deletion in
   * progress may only be shortened (rest.BeforeDelete). Returns the object as last seen.
   */
  private requestDelete(tx: Tx, table: KindTable, key: string, obj: KObject, requestedGrace?: number): KObject {
    const t = table.type;
    if (isNamespace(t)) return this.deleteNamespace(tx, table, key, obj);
    const meta = obj.metadata;
    const period = gracePeriod(t, obj, requestedGrace);
    let deletionMs = tx.nowMs + period * 1000;
    if (meta.deletionTimestamp) {
      const current = meta.deletionGracePeriodSeconds ?? 0;
      if (current === 0) {
        if (meta.finalizers?.length) return obj;
        const rev = tx.nextRev();
        return this.removeNow(tx, table, key, obj, withResourceVersion(obj, rev), rev);
      }
      if (requestedGrace === undefined || period >= current) return obj;
      deletionMs = Date.parse(meta.deletionTimestamp) - (current - period) * 1000;
    }
    const rev = tx.nextRev();
    if (period > 0 || meta.finalizers?.length) {
      const m: ObjectMeta = {
        ...meta,
        deletionTimestamp: rfc3339(deletionMs),
        deletionGracePeriodSeconds: period,
        resourceVersion: String(rev),
      };
      // rest.BeforeDelete / registry markAsDeleting: the first deletion request bumps a set generation.
      if (!meta.deletionTimestamp && (m.generation ?? 0) > 0) m.generation = m.generation! + 1;
      const out = deepFreeze({ ...obj, metadata: m });
      tx.write(table, key, out, rev);
      return out;
    }
    return this.removeNow(tx, table, key, obj, withResourceVersion(obj, rev), rev);
  }

  /**
   * Namespace deletion (namespace registry + namespace controller): the namespace turns
   * Terminating, its contents are deleted, and it goes once empty and without finalizers.
   */
  private deleteNamespace(tx: Tx, table: KindTable, key: string, nsObj: KObject): KObject {
    if (nsObj.metadata.deletionTimestamp) return nsObj;
    const ns = nsObj.metadata.name!;
    const contents: { table: KindTable; key: string }[] = [];
    for (const tab of this.state.namespacedTables()) {
      tab.scan(ns, (o) => contents.push({ table: tab, key: storeKey(tab.type, ns, o.metadata.name!) }));
    }
    const rev = tx.nextRev();
    if (contents.length === 0 && !nsObj.metadata.finalizers?.length) {
      return this.removeNow(tx, table, key, nsObj, withResourceVersion(nsObj, rev), rev);
    }
    const status = { ...(nsObj.status as Record<string, unknown> | undefined), phase: 'Terminating' };
    const out = deepFreeze({ ...nsObj, metadata: { ...nsObj.metadata, deletionTimestamp: tx.now, resourceVersion: String(rev) }, status });
    tx.write(table, key, out, rev);
    for (const c of contents) {
      const cur = c.table.get(c.key);
      if (cur) this.requestDelete(tx, c.table, c.key, cur);
    }
    return table.get(key) ?? tx.goneOf(table, key)!;
  }

  private hasContents(ns: string): boolean {
    return this.state.namespacedTables().some((tab) => tab.hasIn(ns));
  }

  /** Removes an object for good, then lets its dependents and its namespace follow. */
  private removeNow(tx: Tx, table: KindTable, key: string, prev: KObject, gone: KObject, rev: number): KObject {
    tx.write(table, key, undefined, rev, gone);
    const uid = prev.metadata.uid;
    if (uid) this.collectDependents(tx, uid);
    const ns = prev.metadata.namespace;
    if (table.type.namespaced && ns) this.finishNamespace(tx, ns);
    return gone;
  }

  /**
   * Garbage collection with background propagation (k8s garbage collector attemptToDeleteItem):
   * a dependent whose other owners are all gone is deleted; one with an owner left only loses
   * its dangling ownerReferences.
   */
  private collectDependents(tx: Tx, ownerUid: string): void {
    for (const loc of this.state.dependentsOf(ownerUid)) {
      const dep = loc.table.get(loc.key);
      if (!dep || dep.metadata.deletionTimestamp) continue;
      const solid = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid && this.state.exists(r.uid));
      if (solid.length === 0) {
        this.requestDelete(tx, loc.table, loc.key, dep);
        continue;
      }
      const rev = tx.nextRev();
      const out = deepFreeze({ ...dep, metadata: { ...dep.metadata, ownerReferences: solid, resourceVersion: String(rev) } });
      tx.write(loc.table, loc.key, out, rev);
    }
  }

  private finishNamespace(tx: Tx, ns: string): void {
    const table = this.state.tableOf(NAMESPACE_GK)!;
    const nsObj = table.get(ns);
    if (!nsObj?.metadata.deletionTimestamp || nsObj.metadata.finalizers?.length || this.hasContents(ns)) return;
    const rev = tx.nextRev();
    this.removeNow(tx, table, ns, nsObj, withResourceVersion(nsObj, rev), rev);
  }

  // ---- persistence hooks ------------------------------------------------------------------

  private captureAll(): KObject[] {
    const out: KObject[] = [];
    for (const table of this.state.allTables()) for (const e of table.values()) out.push(e.obj);
    return out;
  }

  private replay(op: WalOp): void {
    if ('p' in op) {
      const obj = deepFreeze(op.p);
      const gk = groupKindOf(obj);
      const table = this.state.tableOf(gk);
      if (table) this.state.put(table, storeKey(table.type, obj.metadata.namespace, obj.metadata.name!), obj);
      else this.skipUnknown(groupKindKey(gk));
      return;
    }
    const [gkKey, key] = op.d;
    const dot = gkKey.indexOf('.');
    const gk = dot < 0 ? { group: '', kind: gkKey } : { group: gkKey.slice(dot + 1), kind: gkKey.slice(0, dot) };
    const table = this.state.tableOf(gk);
    if (table) this.state.put(table, key, undefined);
    else this.skipUnknown(gkKey);
  }

  private skipUnknown(gkKey: string): void {
    if (this.unknownKinds.has(gkKey)) return;
    this.unknownKinds.add(gkKey);
    this.log(`store: the data directory holds ${gkKey} objects, a kind this build does not serve; they are left out`);
  }
}
