// An informer: a list+watch cache of one resource type with indexers and event handlers, like
// client-go's SharedIndexInformer. Watching without a resourceVersion gives the initial list as
// ADDED events followed by a BOOKMARK, which marks the cache as synced.

import type { GroupKind, KObject } from '../k8s/object.ts';
import { objectKey } from '../k8s/object.ts';
import type { ResourceStore, Watch, WatchEvent } from '../store/types.ts';

export interface EventHandlers<T extends KObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export type IndexFunc<T extends KObject> = (obj: T) => string[];

export interface InformerOptions<T extends KObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  onError?: (err: unknown) => void;
}

/** One index: value → the key of the one object with it, or the keys of several (most values have one). */
interface Index<T extends KObject> {
  fn: IndexFunc<T>;
  keys: Map<string, string | Set<string>>;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// The store hands one frozen object to every watcher of a change: when a thousand informers see it
// in a row, its key is computed once.
let lastKeyed: KObject | undefined;
let lastKey = '';
function keyOf(obj: KObject): string {
  if (obj !== lastKeyed) {
    lastKey = objectKey(obj.metadata);
    lastKeyed = obj;
  }
  return lastKey;
}

export class Informer<T extends KObject = KObject> {
  private readonly cache = new Map<string, T>();
  private readonly indices = new Map<string, Index<T>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private watch: Watch | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = false;
  /** Keys seen during a relist, to find objects deleted while the watch was gone. */
  private relistSeen: Set<string> | undefined;

  constructor(
    private readonly store: ResourceStore,
    readonly gk: GroupKind,
    private readonly opts: InformerOptions<T> = {},
  ) {
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.indices.set(name, { fn, keys: new Map() });
  }

  /** Starts list+watch; resolves once the initial list is in the cache. */
  start(): Promise<void> {
    this.startWatch();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  /** Registers handlers; with `replay`, `add` is called for every cached object first. */
  on(handlers: EventHandlers<T>, replay = true): () => void {
    this.handlers.push(handlers);
    if (replay && this.synced) for (const obj of this.cache.values()) handlers.add?.(obj);
    return () => {
      const i = this.handlers.indexOf(handlers);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(objectKey({ namespace, name }));
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  get size(): number {
    return this.cache.size;
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`informer ${this.gk.kind}: no index named ${index}`);
    const keys = idx.keys.get(value);
    if (keys === undefined) return [];
    if (typeof keys === 'string') {
      const obj = this.cache.get(keys);
      return obj ? [obj] : [];
    }
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.cache.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  private startWatch(): void {
    if (this.stopped) return;
    this.relistSeen = new Set();
    this.watch = this.store.watch<T>(
      this.gk,
      {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      },
      (ev) => this.onEvent(ev),
    );
  }

  private onEvent(ev: WatchEvent<T>): void {
    if (this.stopped) return;
    if (ev.type === 'BOOKMARK') {
      if (this.relistSeen) this.finishRelist();
      return;
    }
    const obj = ev.object;
    const key = keyOf(obj);
    this.relistSeen?.add(key);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      this.reindex(key, old, undefined);
      for (const h of this.handlers) h.delete?.(old);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    this.reindex(key, old, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private finishRelist(): void {
    const seen = this.relistSeen!;
    this.relistSeen = undefined;
    for (const [key, obj] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.reindex(key, obj, undefined);
      for (const h of this.handlers) h.delete?.(obj);
    }
    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Moves `key` from the index values of `old` to those of `next` (either may be absent). */
  private reindex(key: string, old: T | undefined, next: T | undefined): void {
    for (const { fn, keys } of this.indices.values()) {
      const before = old ? fn(old) : [];
      const after = next ? fn(next) : [];
      if (sameValues(before, after)) {
        // as if removed and added again: last among the keys of its values
        for (const v of after) {
          const cur = keys.get(v);
          if (typeof cur === 'object' && cur.delete(key)) cur.add(key);
        }
        continue;
      }
      for (const v of before) {
        const cur = keys.get(v);
        if (cur === key) keys.delete(v);
        else if (typeof cur === 'object') {
          cur.delete(key);
          if (cur.size === 1) keys.set(v, cur.values().next().value!);
        }
      }
      for (const v of after) {
        const cur = keys.get(v);
        if (cur === undefined) keys.set(v, key);
        else if (typeof cur === 'string') {
          if (cur !== key) keys.set(v, new Set([cur, key]));
        } else cur.add(key);
      }
    }
  }
}
