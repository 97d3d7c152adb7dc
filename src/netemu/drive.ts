// Driving a VirtualClock for a task that lives in emulated time: settle what is due, and when
// nothing else can happen, jump to the next timer. A task that waits on nothing at all is a
// deadlock and fails instead of hanging.

import type { Clock } from '../controller/clock.ts';
import { VirtualClock } from '../controller/clock.ts';

export class DeadlockError extends Error {}

export interface RunOptions {
  /** Virtual time after which the task counts as hung (default one day). */
  limitMs?: number;
  /**
   * A counter that moves while the task makes progress without timers (packets processed,
   * loop iterations): while it moves, an empty timer queue is not a deadlock.
   */
  progress?: () => number;
}

/**
 * Resolves with `task`'s result. On a VirtualClock, time is advanced timer by timer until the
 * task settles (at most `limitMs` of virtual time); on a real clock the task is simply awaited.
 */
export async function runTask<T>(clock: Clock, task: Promise<T>, opts: RunOptions = {}): Promise<T> {
  if (!(clock instanceof VirtualClock)) return task;
  const limitMs = opts.limitMs ?? 86_400_000;
  let done = false;
  const watched = task.finally(() => {
    done = true;
  });
  // keep a rejection from surfacing as unhandled while we drive the clock
  watched.catch(() => {});
  const end = clock.now() + limitMs;
  let lastProgress = opts.progress?.();
  while (!done) {
    await clock.settle();
    if (done) break;
    const next = clock.nextDue();
    if (next === undefined) {
      const p = opts.progress?.();
      if (p !== undefined && p !== lastProgress) {
        lastProgress = p;
        continue;
      }
      throw new DeadlockError('task waits on nothing: no timer is pending');
    }
    if (next > end) throw new DeadlockError(`task still running after ${limitMs} ms of virtual time`);
    await clock.advance(next - clock.now());
  }
  return watched;
}
