// The in-memory tables: one per resource type, objects kept frozen and in key order, plus the
// uid and owner indexes that garbage collection needs. No semantics here, only bookkeeping.

import { type ResourceType, resourceTypeOf } from '../k8s/kinds.ts';
import { type GroupKind, groupKindKey, type KObject } from '../k8s/object.ts';

interface Entry {
  key: string;
  obj: KObject;
  /** Removed from the table; still in the ordered arrays until they are compacted. */
  dead: boolean;
}

/** `namespace/name` or `name`: the apiserver's etcd key without the `/registry/<resource>/` prefix. */
export function storeKey(t: ResourceType, namespace: string | undefined, name: string): string {
  return t.namespaced ? `${namespace}/${name}` : name;
}

function lowerBound(arr: readonly Entry[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const byKey = (a: Entry, b: Entry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * New entries wait unsorted until there are this many, or 1/16 of the table, then are merged in:
 * inserting costs O(16) copies amortised, and a list sorts at most that many before its O(n) merge.
 */
const MERGE_AT = 1024;

export class KindTable {
  private readonly map = new Map<string, Entry>();
  /** Entries in key order (and dead ones not yet compacted). */
  private sorted: Entry[] = [];
  /** Entries added since the last merge, unsorted. */
  private pending: Entry[] = [];
  private dead = 0;
  /** Live objects per namespace (namespaced types). */
  private readonly perNamespace = new Map<string, number>();

  constructor(readonly type: ResourceType) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): KObject | undefined {
    return this.map.get(key)?.obj;
  }

  /** Stores (or with undefined removes) the object under key; returns what was there. */
  set(key: string, obj: KObject | undefined): KObject | undefined {
    const entry = this.map.get(key);
    const prev = entry?.obj;
    if (obj === undefined) {
      if (!entry) return undefined;
      this.map.delete(key);
      entry.dead = true;
      this.dead++;
      this.count(key, -1);
    } else if (entry) {
      entry.obj = obj;
    } else {
      const e = { key, obj, dead: false };
      this.map.set(key, e);
      this.count(key, 1);
      this.pending.push(e);
      if (this.pending.length >= MERGE_AT && this.pending.length >= this.sorted.length >> 4) this.order();
    }
    return prev;
  }

  private count(key: string, delta: number): void {
    if (!this.type.namespaced) return;
    const ns = key.slice(0, key.indexOf('/'));
    const n = (this.perNamespace.get(ns) ?? 0) + delta;
    if (n > 0) this.perNamespace.set(ns, n);
    else this.perNamespace.delete(ns);
  }

  /** Brings `sorted` up to date: pending entries merged in, dead ones dropped. */
  private order(): void {
    if (this.pending.length === 0 && this.dead * 8 < this.sorted.length) return;
    const add = this.pending.sort(byKey);
    const old = this.sorted;
    this.pending = [];
    if (this.dead === 0 && (old.length === 0 || (add.length > 0 && old[old.length - 1]!.key < add[0]!.key))) {
      for (const e of add) if (!e.dead) old.push(e);
      return;
    }
    const out: Entry[] = new Array(old.length + add.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < old.length || j < add.length) {
      const e = j >= add.length || (i < old.length && old[i]!.key < add[j]!.key) ? old[i++]! : add[j++]!;
      if (!e.dead) out[n++] = e;
    }
    out.length = n;
    this.sorted = out;
    this.dead = 0;
  }

  /**
   * Calls fn for each object in key order (the apiserver lists in etcd key order, so namespace
   * then name), restricted to one namespace when given and the type is namespaced.
   */
  scan(namespace: string | undefined, fn: (obj: KObject) => void): void {
    this.order();
    const s = this.sorted;
    if (namespace === undefined || !this.type.namespaced) {
      for (let i = 0; i < s.length; i++) if (!s[i]!.dead) fn(s[i]!.obj);
      return;
    }
    const prefix = `${namespace}/`;
    for (let i = lowerBound(s, prefix); i < s.length && s[i]!.key.startsWith(prefix); i++) if (!s[i]!.dead) fn(s[i]!.obj);
  }

  /** Whether any object lives in the namespace. */
  hasIn(namespace: string): boolean {
    return this.perNamespace.has(namespace);
  }

  values(): IterableIterator<Entry> {
    return this.map.values();
  }
}

interface Location {
  table: KindTable;
  key: string;
}

function ownerUids(obj: KObject | undefined): string[] {
  const refs = obj?.metadata.ownerReferences;
  return refs ? refs.map((r) => r.uid) : [];
}

export class State {
  /** The current revision; the first write makes it 2, like etcd whose empty store is at revision 1. */
  rev = 1;
  private readonly tables = new Map<string, KindTable>();
  private readonly byUid = new Map<string, Location>();
  /** owner uid → uids of objects naming it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>();

  table(t: ResourceType): KindTable {
    const k = groupKindKey(t);
    let tab = this.tables.get(k);
    if (!tab) {
      tab = new KindTable(t);
      this.tables.set(k, tab);
    }
    return tab;
  }

  /** The table for a group/kind, or undefined when the registry does not know it. */
  tableOf(gk: GroupKind): KindTable | undefined {
    const t = resourceTypeOf(gk);
    return t ? this.table(t) : undefined;
  }

  /** Stores or removes an object and keeps the indexes in step; returns the previous object. */
  put(table: KindTable, key: string, obj: KObject | undefined): KObject | undefined {
    const after = ownerUids(obj);
    const prev = table.set(key, obj);
    const before = ownerUids(prev);
    const prevUid = prev?.metadata.uid;
    const uid = obj?.metadata.uid;
    if (prevUid && prevUid !== uid) this.byUid.delete(prevUid);
    if (uid) this.byUid.set(uid, { table, key });
    if (before.length > 0 && prevUid) {
      for (const o of before) {
        if (uid === prevUid && after.includes(o)) continue;
        const set = this.dependents.get(o);
        set?.delete(prevUid);
        if (set?.size === 0) this.dependents.delete(o);
      }
    }
    if (after.length > 0 && uid) {
      for (const o of after) {
        let set = this.dependents.get(o);
        if (!set) {
          set = new Set();
          this.dependents.set(o, set);
        }
        set.add(uid);
      }
    }
    return prev;
  }

  byUidLookup(uid: string): Location | undefined {
    return this.byUid.get(uid);
  }

  exists(uid: string): boolean {
    return this.byUid.has(uid);
  }

  /** Current dependents of an owner, as locations (a copy: callers change the tables while walking it). */
  dependentsOf(ownerUid: string): Location[] {
    const set = this.dependents.get(ownerUid);
    if (!set) return [];
    const out: Location[] = [];
    for (const uid of set) {
      const loc = this.byUid.get(uid);
      if (loc) out.push(loc);
    }
    return out;
  }

  namespacedTables(): KindTable[] {
    return [...this.tables.values()].filter((t) => t.type.namespaced);
  }

  allTables(): IterableIterator<KindTable> {
    return this.tables.values();
  }
}
