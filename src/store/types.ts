// The one interface every store backend implements (embedded memory store now, etcd later).
// Everything is async so a remote backend fits.
//
// Copy contract: objects handed out (get, list, watch events, write results) are deeply frozen
// and may be shared between callers; mutating one throws a TypeError. To change an object, copy
// it first (`thaw(obj)` from store/json.ts, or spread the parts you change). Objects passed in are
// copied by the store and never modified or retained.

import type { GroupKind, KObject } from '../k8s/object.ts';

export type StoreErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Gone'
  | 'Forbidden'
  | 'Internal';

/** Errors carry Kubernetes' reason names; `message` is what kubectl would print after "Error from server". */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** Field paths, for Invalid. */
    readonly causes: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface ListOptions {
  namespace?: string;
  /** kubectl syntax: `app=webpod,tier!=db,env in (a,b),!legacy`. */
  labelSelector?: string;
  /** `spec.nodeName=k8s-ctr,metadata.name!=x`. */
  fieldSelector?: string;
}

export interface ListResult<T extends KObject = KObject> {
  items: T[];
  /** The store revision the list was taken at; watch from here to miss nothing. */
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  /** For BOOKMARK only metadata.resourceVersion is meaningful. */
  object: T;
}

export interface WatchOptions extends ListOptions {
  /**
   * Unset: the watcher first receives ADDED for every existing object, then a BOOKMARK, then changes.
   * Set: only changes after that revision (error Gone when the history no longer reaches it).
   */
  resourceVersion?: string;
}

export interface Watch {
  stop(): void;
}

/** One operation of a transaction; the same meaning as the method of that name. */
export type StoreOp =
  | { op: 'create'; object: KObject }
  | { op: 'update'; object: KObject }
  | { op: 'updateStatus'; object: KObject }
  | {
      op: 'patch';
      gk: GroupKind;
      namespace?: string;
      name: string;
      type: PatchType;
      patch: unknown;
      subresource?: 'status';
    }
  | { op: 'delete'; gk: GroupKind; namespace?: string; name: string; resourceVersion?: string; gracePeriodSeconds?: number };

/** A transaction failed at operation `index`; nothing of it was applied. Code and message are the operation's. */
export class TransactionError extends StoreError {
  constructor(
    readonly index: number,
    cause: StoreError,
  ) {
    super(cause.code, cause.message, cause.causes);
    this.name = 'TransactionError';
  }
}

export interface WriteOptions {
  /** Field manager, recorded for status writers; informative only. */
  fieldManager?: string;
  /** Validate and compute the result without storing it. */
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface DeleteOptions extends WriteOptions {
  /** Precondition: delete only this version (else Conflict). */
  resourceVersion?: string;
  /**
   * For kinds with graceful deletion (Pods): seconds until the object should go; 0 removes it now.
   * Unset: the object's own default (spec.terminationGracePeriodSeconds, else 30).
   */
  gracePeriodSeconds?: number;
}

export interface ResourceStore {
  get<T extends KObject = KObject>(gk: GroupKind, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KObject = KObject>(gk: GroupKind, opts?: ListOptions): Promise<ListResult<T>>;
  /**
   * Events are delivered asynchronously (never inside the write call), in revision order per watcher.
   * Throws StoreError synchronously: Gone (resourceVersion older than the history), BadRequest
   * (unparsable selector or resourceVersion), NotFound (unknown kind).
   */
  watch<T extends KObject = KObject>(gk: GroupKind, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): Watch;
  /** Sets uid, resourceVersion, generation=1, creationTimestamp; generateName is honoured. */
  create<T extends KObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Replaces spec and metadata (not status). A non-empty metadata.resourceVersion must match (else Conflict). */
  update<T extends KObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Replaces only status (the status subresource). resourceVersion checked as for update. */
  updateStatus<T extends KObject>(obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KObject = KObject>(
    gk: GroupKind,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' },
  ): Promise<T>;
  /**
   * Deletes, or with finalizers present only sets deletionTimestamp; the object goes away when
   * the last finalizer is removed by an update. A scheduled Pod is deleted gracefully: it gets
   * deletionTimestamp = now + grace period and goes with a later delete whose grace period is 0.
   * Dependents (ownerReferences) are garbage-collected in the same write. Returns the object as last seen.
   */
  delete<T extends KObject = KObject>(gk: GroupKind, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<T>;
  /**
   * All or nothing: operations run in order, each seeing the effects of the ones before (a
   * Namespace and then objects in it), and commit together in consecutive revisions; the first
   * failure throws TransactionError and applies nothing. Results are in operation order.
   */
  transaction(ops: readonly StoreOp[], opts?: WriteOptions): Promise<KObject[]>;
  /** The current store revision. */
  revision(): Promise<string>;
  close(): Promise<void>;
}
