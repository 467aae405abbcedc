import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Starts measuring how busy the event loop is; the function returned gives the busy fraction since. */
export type BusyMeter = () => () => number;

const eventLoopBusy: BusyMeter = () => {
  const from = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(from).utilization;
};

/** Of the time, what the other work is always left: the gate's tasks yield beyond it. */
const headroom = 0.1;
/** The gate's tasks get at least this share however busy the rest is, so that they still finish. */
const floorShare = 0.05;
/** Nor is a pause drawn out past this (ms): a short read must never wait a minute behind a long one. */
const longestPauseMs = 10_000;
/** Tasks shorter than this (ms) get their share's pause only: what they take cannot starve the rest. */
const longTaskMs = 100;

/**
 * At most `limit` tasks at a time, the others waiting their turn in arrival order; and, with
 * `share` < 1, each task's slot passes on only after a pause in proportion to the time the task took,
 * so that tasks through the gate take at most that share of the time, and less when the other work
 * needs more: the pause is measured (how busy the event loop was meanwhile) and drawn out until the
 * gate's tasks take no more than what the other work leaves, less a margin, for at most 10 s (tasks
 * of 100 ms or more: a short one's pause is its share's alone).
 *
 * The server answers its lists through one. Eight clients each reading a 20,000-instance list back to
 * back would otherwise take the whole thread (PGlite runs on it too) and queue eight long reads ahead
 * of every heartbeat's write, leaving heartbeats whatever share the readers left them. A fixed share
 * is not enough: at 2,000 heartbeats/s a slow machine spends more than half its thread on heartbeats.
 */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** By key, the shared run still waiting for its turn (see runShared). */
  private readonly queued = new Map<string, Promise<unknown>>();

  constructor(
    private readonly limit: number,
    private readonly share = 1,
    private readonly pause: (ms: number) => Promise<unknown> = sleep,
    private readonly busy: BusyMeter = eventLoopBusy,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const started = performance.now();
    try {
      return await task();
    } finally {
      void this.release(performance.now() - started);
    }
  }

  /**
   * Like run, but callers of one key that wait for their turn together share one run of the task, and
   * its result (or failure): the eight readers of one list get it for the time of one read. A caller
   * still gets a run that starts after it arrived — one whose run is under way waits for the next — so
   * it sees every write acknowledged before it asked.
   */
  runShared<T>(key: string, task: () => Promise<T>): Promise<T> {
    const waiting = this.queued.get(key);
    if (waiting) return waiting as Promise<T>;
    let started = false;
    const shared = this.run(() => {
      started = true;
      // While a run waits, callers of its key join it: the one queued under the key is this one.
      this.queued.delete(key);
      return task();
    });
    // A run that got the slot at once has started already: whoever comes next must not join it.
    if (!started) this.queued.set(key, shared);
    return shared;
  }

  /** Waits before the slot passes on: the share's pause, drawn out while the loop is busy (long tasks). */
  private async pauseAfter(tookMs: number): Promise<void> {
    let need = Gate.pauseFor(tookMs, this.share);
    // Steps under a millisecond are not worth a timer.
    if (need < 1) return;
    if (tookMs < longTaskMs) {
      await this.pause(need);
      return;
    }
    const own = need;
    const longest = Math.max(need, Math.min(Gate.pauseFor(tookMs, floorShare), longestPauseMs));
    // How busy the loop has been since the pause began: that is the other work's. It is read again
    // after each step (as long as the task, at most), so a busy moment draws the pause out only until
    // quieter time has brought the whole pause's share back.
    const measure = this.busy();
    for (let paused = 0; need - paused >= 1; ) {
      const step = Math.min(need - paused, Math.max(own, tookMs));
      await this.pause(step);
      paused += step;
      const left = Math.max(floorShare, Math.min(this.share, 1 - measure() - headroom));
      need = Math.min(longest, Math.max(own, Gate.pauseFor(tookMs, left)));
    }
  }

  /** The pause after a task that took `tookMs` for its tasks to take `share` of the time. */
  private static pauseFor(tookMs: number, share: number): number {
    return (tookMs * (1 - share)) / share;
  }

  private async release(tookMs: number): Promise<void> {
    if (this.share < 1) await this.pauseAfter(tookMs);
    // The slot passes straight to the next in line, or is given back.
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
