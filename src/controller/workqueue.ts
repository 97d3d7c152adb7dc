// A work queue in the manner of client-go's workqueue: a key queued twice before it is processed
// is processed once; a key that changes while being processed is processed again afterwards;
// failures retry with per-key exponential backoff.

import type { Clock, TimerHandle } from './clock.ts';

export interface WorkQueueOptions {
  /** First retry delay; doubles per consecutive failure (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Retry delay ceiling (client-go: 1000 s; labs want shorter). */
  maxDelayMs?: number;
  /** Called when a handler fails; the key is retried with backoff. */
  onError?: (key: string, err: unknown) => void;
}

type Listener = () => void;

export class WorkQueue {
  /** FIFO as an array with a moving head (Array.shift is linear, and queues reach 100,000 keys). */
  private queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, TimerHandle>();
  /** Keys waiting out a failure backoff (a subset of `delayed`). */
  private readonly retrying = new Set<string>();
  private handler: ((key: string) => Promise<void> | void) | undefined;
  private running = 0;
  private concurrency = 1;
  private stopped = false;
  private pumpScheduled = false;
  private idleListeners: Listener[] = [];
  private readonly baseDelay: number;
  private readonly maxDelay: number;

  constructor(
    private readonly clock: Clock,
    private readonly opts: WorkQueueOptions = {},
  ) {
    this.baseDelay = opts.baseDelayMs ?? 5;
    this.maxDelay = opts.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    // processing it now supersedes a retry waiting out its backoff (a new failure schedules another)
    if (this.retrying.delete(key)) {
      this.delayed.get(key)?.cancel();
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.schedulePump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.delayed.has(key)) return;
    this.delayed.set(
      key,
      this.clock.setTimeout(() => {
        this.delayed.delete(key);
        this.retrying.delete(key);
        this.add(key);
      }, ms),
    );
  }

  /** Re-queues after the key's backoff delay and counts a failure. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.retrying.add(key);
    this.addAfter(key, Math.min(this.maxDelay, this.baseDelay * 2 ** n));
  }

  /** Keys that failed and will be retried after their backoff. */
  get retries(): number {
    return this.retrying.size;
  }

  /** Clears a key's failure count (call after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Starts processing with `handler`; a throwing/rejecting handler makes the key retry with backoff. */
  run(handler: (key: string) => Promise<void> | void, concurrency = 1): void {
    this.handler = handler;
    this.concurrency = Math.max(1, concurrency);
    this.schedulePump();
  }

  /** True when nothing is queued, being processed, or waiting to be retried after a failure. */
  isIdle(): boolean {
    return this.length === 0 && this.running === 0 && this.retrying.size === 0;
  }

  /** Resolves the next time the queue becomes idle (immediately if it is). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleListeners.push(resolve));
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    this.retrying.clear();
    this.queue = [];
    this.head = 0;
    this.queued.clear();
  }

  /** Processing starts on a microtask, so a burst of adds for one key in the same tick coalesces. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.stopped && this.running < this.concurrency && this.length > 0) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.process(handler, key);
    }
  }

  private async process(handler: (key: string) => Promise<void> | void, key: string): Promise<void> {
    try {
      await handler(key);
      this.forget(key);
    } catch (err) {
      this.opts.onError?.(key, err);
      if (!this.stopped) this.addRateLimited(key);
    } finally {
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      // not pump(): a handler that throws before awaiting anything would recurse once per queued key
      this.schedulePump();
      if (this.isIdle() && this.idleListeners.length > 0) {
        const listeners = this.idleListeners;
        this.idleListeners = [];
        for (const l of listeners) l();
      }
    }
  }
}
