// The one interface every store backend implements (embedded memory store now, etcd later).
// Everything is async so a remote backend fits; objects handed out are copies the caller owns.

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

export interface WriteOptions {
  /** Field manager, recorded for status writers; informative only. */
  fieldManager?: string;
  /** Validate and compute the result without storing it. */
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface ResourceStore {
  get<T extends KObject = KObject>(gk: GroupKind, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KObject = KObject>(gk: GroupKind, opts?: ListOptions): Promise<ListResult<T>>;
  /** Events are delivered asynchronously (never inside the write call), in revision order per watcher. */
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
   * the last finalizer is removed by an update. Returns the object as last seen.
   */
  delete<T extends KObject = KObject>(
    gk: GroupKind,
    namespace: string | undefined,
    name: string,
    opts?: WriteOptions & { resourceVersion?: string },
  ): Promise<T>;
  /** The current store revision. */
  revision(): Promise<string>;
  close(): Promise<void>;
}
