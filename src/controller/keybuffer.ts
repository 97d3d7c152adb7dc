// Keys collected for a short while and then handed on together, as cilium's load-balancer reflector
// buffers Service and EndpointSlice events (stream.Buffer) before writing: a Service and the
// EndpointSlices created right after it are then processed once, with its backends, instead of
// once without them and again with them.

import type { Clock, TimerHandle } from './clock.ts';

export class KeyBuffer {
  private pending = new Set<string>();
  private timer: TimerHandle | undefined;

  /** `flushTo` receives every buffered key, once, `waitMs` after the first of a batch arrived (0: at once). */
  constructor(
    private readonly clock: Clock,
    private readonly waitMs: number,
    private readonly flushTo: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.waitMs <= 0) {
      this.flushTo(key);
      return;
    }
    this.pending.add(key);
    this.timer ??= this.clock.setTimeout(() => this.flush(), this.waitMs);
  }

  /** Hands on what is buffered now. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const keys = this.pending;
    this.pending = new Set();
    for (const k of keys) this.flushTo(k);
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pending.clear();
  }
}
