// Time for everything in cilia comes from a Clock. RealClock wraps the process timers; VirtualClock
// is advanced explicitly, so a lab with 9 s hold timers and 15 s leases runs in milliseconds.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  sleep(ms: number): Promise<void>;
  readonly virtual: boolean;
}

export class RealClock implements Clock {
  readonly virtual = false;
  /** Timers not yet fired or cancelled, so stop() can end them all (a stopped lab must let the process exit). */
  private readonly pending = new Set<NodeJS.Timeout>();
  private stopped = false;

  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.stopped) return { cancel: () => {} };
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, Math.max(0, ms));
    return this.track(t, clearTimeout);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    if (this.stopped) return { cancel: () => {} };
    return this.track(setInterval(fn, Math.max(1, ms)), clearInterval);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.pending.size;
  }
  /** Cancels every pending timer; later ones are never armed (sleeps on a stopped clock never end). */
  stop(): void {
    this.stopped = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  private track(t: NodeJS.Timeout, clear: (t: NodeJS.Timeout) => void): TimerHandle {
    this.pending.add(t);
    return {
      cancel: () => {
        this.pending.delete(t);
        clear(t);
      },
    };
  }
}

interface VirtualTimer {
  due: number;
  seq: number;
  fn: () => void;
  interval: number;
  cancelled: boolean;
}

/** Sleeps on the clock; resolves false when aborted first. An infinite sleep waits for the abort. */
export function sleepFor(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (!Number.isFinite(ms)) {
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true }));
  }
  return new Promise((resolve) => {
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      t.cancel();
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lets every pending I/O callback, nextTick and promise continuation run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private current: number;
  private seq = 0;
  private heap: VirtualTimer[] = [];

  /** Starts at `start` ms since the epoch; the default is a fixed instant so runs are reproducible. */
  constructor(start = Date.UTC(2025, 7, 16, 0, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, Math.max(0, ms), 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, Math.max(1, ms), Math.max(1, ms));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Number of timers not yet fired or cancelled. */
  pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** When the next live timer is due, or undefined. */
  nextDue(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due in order, and letting the
   * event loop run between timers so chains of async work (streams, promises) complete.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await this.runDue(target);
    this.current = target;
    await this.settle();
  }

  /** Fires everything due now (including zero-delay timers scheduled while settling). */
  async settle(): Promise<void> {
    await this.runDue(this.current);
  }

  /** Advances until `predicate` is true or `limitMs` of virtual time passed; returns whether it became true. */
  async advanceUntil(predicate: () => boolean, limitMs: number, stepMs = 100): Promise<boolean> {
    const end = this.current + limitMs;
    await this.settle();
    while (!predicate()) {
      if (this.current >= end) return false;
      await this.advance(Math.min(stepMs, end - this.current));
    }
    return true;
  }

  private async runDue(target: number): Promise<void> {
    // A bounded number of idle rounds guards against a zero-delay timer that re-arms itself forever.
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      await yieldToEventLoop();
      this.dropCancelledTop();
      const top = this.heap[0];
      if (!top || top.due > target) {
        await yieldToEventLoop();
        this.dropCancelledTop();
        const again = this.heap[0];
        if (!again || again.due > target) return;
        continue;
      }
      this.pop();
      if (top.due > this.current) this.current = top.due;
      if (top.interval > 0) {
        top.due += top.interval;
        top.seq = this.seq++;
        this.push(top);
      }
      top.fn();
    }
    throw new Error('VirtualClock: timers kept re-arming at the same instant');
  }

  private schedule(fn: () => void, delay: number, interval: number): TimerHandle {
    const timer: VirtualTimer = { due: this.current + delay, seq: this.seq++, fn, interval, cancelled: false };
    this.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(t: VirtualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): VirtualTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
