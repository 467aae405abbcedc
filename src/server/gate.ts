import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `limit` tasks at a time, the others waiting their turn in arrival order; and, with
 * `share` < 1, each task's slot passes on only after a pause in proportion to the time the task took,
 * so that tasks through the gate take at most that share of the time.
 *
 * The server answers its lists through one. Eight clients each reading a 20,000-instance list back to
 * back would otherwise take the whole thread (PGlite runs on it too) and queue eight long reads ahead
 * of every heartbeat's write, leaving heartbeats whatever share the readers left them.
 */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly share = 1,
    private readonly pause: (ms: number) => Promise<unknown> = sleep,
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

  private async release(tookMs: number): Promise<void> {
    if (this.share < 1) await this.pause((tookMs * (1 - this.share)) / this.share);
    // The slot passes straight to the next in line, or is given back.
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
