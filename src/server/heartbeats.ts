import type { Db } from './store/db';
import { writeHeartbeatBatch } from './store/instances';

/**
 * Accumulates plain heartbeats in memory and writes them all in one statement per flush
 * (once a second), so one process can take thousands of heartbeats a second.
 */
export class HeartbeatBatcher {
  private pending = new Map<string, { at: Date; count: number; version: string }>();
  private flushing: Promise<void> = Promise.resolve();
  received = 0;

  constructor(private readonly db: Db) {}

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
      try {
        await writeHeartbeatBatch(this.db, batch);
      } catch (err) {
        // Put them back (newer ones win) so the next flush retries.
        for (const b of batch) {
          const p = this.pending.get(b.id);
          if (!p) this.pending.set(b.id, { at: b.at, count: b.count, version: b.version });
          else if (p.version === b.version) p.count += b.count;
        }
        throw err;
      }
    });
    return this.flushing;
  }
}
