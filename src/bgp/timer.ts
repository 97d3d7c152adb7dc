// The time source the speaker needs. src/controller/clock.ts's Clock (RealClock, VirtualClock)
// satisfies it structurally, so a lab passes its VirtualClock and a daemon a RealClock.

export interface BgpTimerHandle {
  cancel(): void;
}

export interface BgpClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): BgpTimerHandle;
  setInterval(fn: () => void, ms: number): BgpTimerHandle;
}

/** A restartable one-shot timer. */
export class Timer {
  private handle: BgpTimerHandle | undefined;
  constructor(
    private readonly clock: BgpClock,
    private readonly fn: () => void,
  ) {}

  /** (Re)arms the timer; `ms` ≤ 0 leaves it stopped. */
  start(ms: number): void {
    this.stop();
    if (ms <= 0) return;
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      this.fn();
    }, ms);
  }

  stop(): void {
    this.handle?.cancel();
    this.handle = undefined;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }
}
