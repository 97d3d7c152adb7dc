// The shape most controllers share: informers feeding a work queue of keys, one reconcile per
// key. Subclasses declare informers with `watch()`, wire their event handlers in `handlers()`,
// and implement `reconcile(key)`; start/stop/isIdle come from here.

import type { Clock } from './clock.ts';
import { Informer, type InformerOptions } from './informer.ts';
import type { Runnable } from './runnable.ts';
import { WorkQueue, type WorkQueueOptions } from './workqueue.ts';
import type { GroupKind, KObject } from '../k8s/object.ts';
import type { ResourceStore } from '../store/types.ts';

export abstract class Reconciler implements Runnable {
  abstract readonly name: string;
  protected readonly queue: WorkQueue;
  private readonly informers: Informer<KObject>[] = [];

  constructor(
    protected readonly store: ResourceStore,
    protected readonly clock: Clock,
    queue: WorkQueueOptions = {},
  ) {
    this.queue = new WorkQueue(clock, queue);
  }

  /** A list+watch cache this controller reads; started and stopped with it. */
  protected watch<T extends KObject>(gk: GroupKind, opts: InformerOptions<T> = {}): Informer<T> {
    const informer = new Informer<T>(this.store, gk, opts);
    this.informers.push(informer as unknown as Informer<KObject>); // start/stop only: the element type does not matter
    return informer;
  }

  /** Registers the informers' event handlers; runs once the caches are synced. */
  protected abstract handlers(): void;

  protected abstract reconcile(key: string): Promise<void>;

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
    this.handlers();
    this.queue.run((key) => this.reconcile(key));
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  stop(): void {
    this.queue.stop();
    for (const i of this.informers) i.stop();
  }
}
