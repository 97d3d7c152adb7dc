// Watch fan-out: per-kind history of committed changes, per-watcher filters and queues, and
// asynchronous delivery of everything up to the durable revision, in revision order per watcher.

import type { FieldRequirement, Selector } from '../k8s/selectors.ts';
import { matches, matchesFields } from '../k8s/selectors.ts';
import type { KObject } from '../k8s/object.ts';
import { preferredApiVersion } from '../k8s/kinds.ts';
import { withResourceVersion } from './meta.ts';
import type { KindTable } from './state.ts';
import { StoreError, type Watch, type WatchEvent, type WatchEventType } from './types.ts';

/** One committed change of one object. */
export interface Mutation {
  rev: number;
  table: KindTable;
  key: string;
  /** The object after the change; undefined when it was removed. */
  next?: KObject;
  /** The object before the change; undefined when it was created. */
  prev?: KObject;
  /** For a removal: the object as last seen, carrying the removal's resourceVersion. */
  gone?: KObject;
}

export interface WatchFilter {
  namespace?: string;
  labels?: Selector;
  fields?: readonly FieldRequirement[];
}

export function passes(f: WatchFilter, obj: KObject): boolean {
  if (f.namespace !== undefined && obj.metadata.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
  if (f.labels && f.labels.length > 0 && !matches(f.labels, obj.metadata.labels)) return false;
  if (f.fields && f.fields.length > 0 && !matchesFields(f.fields, obj)) return false;
  return true;
}

/** Whether `passes` holds for every object (the filter constrains nothing). */
function selectsEverything(f: WatchFilter): boolean {
  return f.namespace === undefined && !f.labels?.length && !f.fields?.length;
}

type ChangeType = Exclude<WatchEventType, 'BOOKMARK'>;

interface Queued {
  rev: number;
  ev: WatchEvent;
}

interface Watcher {
  /** undefined: the watcher selects everything. */
  filter: WatchFilter | undefined;
  cb: (ev: WatchEvent) => void;
  /** Pending events are items[head..tail); a small array is kept for reuse, so a live event allocates nothing per watcher. */
  items: (Queued | undefined)[];
  head: number;
  tail: number;
  stopped: boolean;
  label: string;
}

/** A drained queue longer than this (an initial list) is let go rather than kept for reuse. */
const REUSE_MAX = 64;

interface KindWatch {
  watchers: Set<Watcher>;
  history: Mutation[];
  /** Changes after this revision are all in history; watching from an older one is Gone. */
  floor: number;
}

export class WatchHub {
  private readonly kinds = new Map<KindTable, KindWatch>();
  private readonly dirty = new Set<Watcher>();
  private released: number;
  private scheduled = false;

  constructor(
    /** Revision at which history starts (the store's revision when opened). */
    private readonly openRev: number,
    private readonly historySize: number,
    private readonly log: (line: string) => void,
  ) {
    this.released = openRev;
  }

  private kind(table: KindTable): KindWatch {
    let kw = this.kinds.get(table);
    if (!kw) {
      kw = { watchers: new Set(), history: [], floor: this.openRev };
      this.kinds.set(table, kw);
    }
    return kw;
  }

  /** Records committed changes and queues them for matching watchers (delivered once released). */
  publish(muts: readonly Mutation[]): void {
    for (const m of muts) {
      const kw = this.kind(m.table);
      kw.history.push(m);
      if (kw.history.length >= 2 * this.historySize) {
        const drop = kw.history.length - this.historySize;
        kw.floor = kw.history[drop - 1]!.rev;
        kw.history.splice(0, drop);
      }
      // watchers that see the change alike share one (frozen) event: a fan-out to thousands allocates a few
      const shared: Partial<Record<ChangeType, Queued>> = {};
      for (const w of kw.watchers) {
        const type = eventType(w.filter, m);
        if (type) this.enqueue(w, (shared[type] ??= queued(m, type)));
      }
    }
  }

  /** Everything up to rev is durable: let it be delivered. */
  release(rev: number): void {
    if (rev > this.released) this.released = rev;
    this.schedule();
  }

  /**
   * Starts a watch at `currentRev`. Without `since`: ADDED for every matching object, then a
   * BOOKMARK at currentRev. With `since`: the changes after it (Gone if history no longer has them).
   */
  watch(table: KindTable, filter: WatchFilter, since: number | undefined, currentRev: number, cb: (ev: WatchEvent) => void): Watch {
    const kw = this.kind(table);
    const w: Watcher = { filter: selectsEverything(filter) ? undefined : filter, cb, items: [], head: 0, tail: 0, stopped: false, label: table.type.plural };
    if (since === undefined) {
      table.scan(filter.namespace, (obj) => {
        if (passes(filter, obj)) this.enqueue(w, { rev: currentRev, ev: { type: 'ADDED', object: obj } });
      });
      const bookmark: KObject = {
        apiVersion: preferredApiVersion(table.type),
        kind: table.type.kind,
        metadata: { resourceVersion: String(currentRev) },
      };
      this.enqueue(w, { rev: currentRev, ev: { type: 'BOOKMARK', object: Object.freeze(bookmark) } });
    } else {
      // k8s.io/apiserver cacher: "too old resource version: %d (%d)" with the oldest revision it can serve.
      if (since < kw.floor) throw new StoreError('Gone', `too old resource version: ${since} (${kw.floor})`);
      for (const m of kw.history) {
        if (m.rev <= since) continue;
        const type = eventType(filter, m);
        if (type) this.enqueue(w, queued(m, type));
      }
    }
    kw.watchers.add(w);
    return {
      stop: () => {
        w.stopped = true;
        w.items = [];
        w.head = w.tail = 0;
        kw.watchers.delete(w);
        this.dirty.delete(w);
      },
    };
  }

  /** Stops every watcher. */
  close(): void {
    for (const kw of this.kinds.values()) {
      for (const w of kw.watchers) w.stopped = true;
      kw.watchers.clear();
    }
    this.dirty.clear();
  }

  private enqueue(w: Watcher, q: Queued): void {
    w.items[w.tail++] = q;
    if (!this.dirty.has(w)) {
      this.dirty.add(w);
      if (q.rev <= this.released) this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.dirty.size === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: a watcher that writes on every event must not starve I/O.
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    // A snapshot: watchers that callbacks make dirty again are served in the next round.
    for (const w of [...this.dirty]) {
      // Only what was queued before this round; events caused by the callbacks wait for the next one.
      const end = w.tail;
      while (!w.stopped && w.head < end) {
        const q = w.items[w.head]!;
        if (q.rev > this.released) break;
        w.items[w.head++] = undefined;
        try {
          w.cb(q.ev);
        } catch (e) {
          this.log(`store: a watch callback on ${w.label} threw: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (w.stopped || w.head >= w.tail) {
        if (w.items.length > REUSE_MAX) w.items = [];
        w.head = w.tail = 0;
        this.dirty.delete(w);
      }
    }
    for (const w of this.dirty) {
      if (w.head < w.tail && w.items[w.head]!.rev <= this.released) {
        this.schedule();
        break;
      }
    }
  };
}

/** What one watcher sees of a change: like the apiserver's filtered watch, leaving the filter is a DELETED. */
function eventType(f: WatchFilter | undefined, m: Mutation): ChangeType | undefined {
  const was = m.prev !== undefined && (f === undefined || passes(f, m.prev));
  if (m.next === undefined) return was ? 'DELETED' : undefined;
  if (f === undefined || passes(f, m.next)) return was ? 'MODIFIED' : 'ADDED';
  return was ? 'DELETED' : undefined;
}

function queued(m: Mutation, type: ChangeType): Queued {
  // k8s.io/apiserver cacheWatcher: a watcher the object leaves gets the previous object, stamped with the event's resourceVersion.
  if (type === 'DELETED') m.gone ??= withResourceVersion(m.prev!, m.rev);
  return { rev: m.rev, ev: Object.freeze({ type, object: type === 'DELETED' ? m.gone! : m.next! }) };
}
