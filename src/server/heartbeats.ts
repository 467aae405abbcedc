import type { Db } from './store/db';
import { writeHeartbeatBatch } from './store/instances';

type Pending = { at: Date; count: number; version: string };

/**
 * Accumulates plain heartbeats in memory and writes them in one flush a second, so one process can
 * take thousands of heartbeats a second. A flush writes `chunkRows` instances per statement and
 * yields to the event loop between statements: PGlite runs in this thread, and one statement for
 * every instance held requests for as long as it took (2,000 rows ≈ 50 ms, the whole p99 budget).
 */
export class HeartbeatBatcher {
  private pending = new Map<string, Pending>();
  private flushing: Promise<void> = Promise.resolve();
  received = 0;

  constructor(
    private readonly db: Db,
    private readonly chunkRows = 250,
  ) {}

  record(instanceId: string, at: Date, version: string): void {
    this.received++;
    const p = this.pending.get(instanceId);
    if (p && p.version === version) {
      if (at > p.at) p.at = at;
      p.count++;
    } else this.pending.set(instanceId, { at, count: 1, version });
  }

  /** Forgets pending heartbeats of an instance whose state was just written through. */
  forget(instanceId: string): void {
    this.pending.delete(instanceId);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes everything pending; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => {}).then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending].map(([id, p]) => ({ id, ...p }));
      this.pending = new Map();
      for (let from = 0; from < batch.length; from += this.chunkRows) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        try {
          await writeHeartbeatBatch(this.db, batch.slice(from, from + this.chunkRows));
        } catch (err) {
          this.putBack(batch.slice(from));
          throw err;
        }
      }
    });
    return this.flushing;
  }

  /** Heartbeats a failed write did not store go back for the next flush (newer ones win). */
  private putBack(rows: Array<Pending & { id: string }>): void {
    for (const b of rows) {
      const p = this.pending.get(b.id);
      if (!p) this.pending.set(b.id, { at: b.at, count: b.count, version: b.version });
      else if (p.version === b.version) p.count += b.count;
    }
  }
}
