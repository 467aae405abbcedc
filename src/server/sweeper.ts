import type { Deps } from './deps';
import type { HeartbeatBatcher } from './heartbeats';
import { offlineCutoff, pastStartupGrace } from './liveness';
import type { Accounts } from './accounts';
import { auditLost } from './lifecycle';
import { publish, publishMany, pruneEvents } from './store/events';
import { clampFutureHeartbeats, markLost, pruneForgottenTokens, pruneInstances, sweepDisconnected } from './store/instances';
import { tryLockLostMarking } from './store/locks';
import { vacuumChurningTables } from './store/maintenance';
import { pruneIdempotency } from './store/updates';
import type { UpdateService } from './updates';

/** Instances ended as lost per transaction. */
const lostBatch = 500;

/**
 * Runs once a second: writes the heartbeat batch, marks silent instances disconnected (after the
 * start-up grace), ends updates that succeeded or ran out of time, and once a minute prunes old
 * rows (and vacuums, on PGlite).
 */
export class Sweeper {
  private lastPrune = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | null = null;
  private startedAt: Date;
  /** Once the start-up grace is over it stays over: a clock stepped back must not pause the sweep. */
  private graceOver = false;
  onDisconnected: (ids: Array<{ id: string; group_id: string }>) => void = () => {};
  /** Times this process could not take heartbeats in (event loop or database busy), by clock time. */
  private stalls: Array<{ at: number; ms: number }> = [];
  /** Set when the sweeper runs on its timer: passes a test drives by hand are not timed. */
  timeFlushes = false;
  /** Told which instances were ended as lost (the heartbeat path drops what it cached of them). */
  onLost: (ids: Array<{ id: string; group_id: string }>) => void = () => {};

  constructor(
    private readonly deps: Deps,
    private readonly batcher: HeartbeatBatcher,
    private readonly updates: UpdateService,
    private readonly accounts: Accounts,
  ) {
    this.startedAt = deps.clock.now();
  }

  /**
   * Notes that heartbeats could not be taken in for `ms` (the event loop was blocked, or the
   * heartbeat batch waited that long for the database). A sweep then waits that much longer, so
   * no live instance is marked disconnected because this server was busy (PRODUCT.md §8 round 2).
   */
  noteStall(ms: number): void {
    if (ms < 100) return;
    this.stalls.push({ at: this.deps.clock.now().getTime(), ms });
  }

  /** What busy spells of the last offline window add to it, at most one more window. */
  private stallAllowanceMs(now: Date): number {
    const windowMs = this.deps.config.offlineAfterSeconds * 1000;
    this.stalls = this.stalls.filter((s) => now.getTime() - s.at < windowMs);
    return Math.min(windowMs, this.stalls.reduce((sum, s) => sum + s.ms, 0));
  }

  /** One pass; overlapping calls share the pass in flight. */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * Ends instances disconnected for PADDOCK_LOST_AFTER_SECONDS with cause lost (PRODUCT.md §2), in
   * batches of `lostBatch` per transaction so that a fleet lost at once never makes one huge one; a
   * pass does at most a few batches, the next pass the rest. Only after the start-up grace (above):
   * runners that were away with this control plane get one offline window to come back first.
   */
  private async markLost(now: Date): Promise<void> {
    const { db, config, logger } = this.deps;
    const cutoff = new Date(now.getTime() - config.lostAfterSeconds * 1000);
    for (let batch = 0; batch < 4; batch++) {
      const lost = await db.transaction(async (tx) => {
        // Once across replicas: whoever holds the duty ends the batch; the others skip this pass.
        if (!(await tryLockLostMarking(tx))) return null;
        const rows = await markLost(tx, cutoff, now, lostBatch);
        if (rows.length === 0) return rows;
        await auditLost(tx, now, rows);
        const groups = new Set(rows.map((r) => r.group_id));
        await publishMany(tx, now, [
          ...rows.map((r) => ({ kind: 'instance' as const, op: 'upsert' as const, groupId: r.group_id, entityId: r.id })),
          ...[...groups].map((g) => ({ kind: 'group' as const, op: 'upsert' as const, groupId: g, entityId: g })),
        ]);
        return rows;
      });
      if (!lost || lost.length === 0) return;
      logger.info('instances lost', { count: lost.length });
      this.onLost(lost);
      if (lost.length < lostBatch) return;
    }
  }

  private async pass(): Promise<void> {
    const { db, clock, config, logger } = this.deps;
    const flushStarted = performance.now();
    await this.batcher.flush().catch((err) => logger.error('heartbeat batch write failed', { err }));
    // A flush longer than a second means the database kept heartbeats waiting.
    if (this.timeFlushes) this.noteStall(performance.now() - flushStarted - 1000);
    const now = clock.now();
    // Stepped back during the grace: it starts again from now, so it lasts at most one more window.
    if (now < this.startedAt) this.startedAt = now;
    this.graceOver ||= pastStartupGrace(this.startedAt, now, config.offlineAfterSeconds);
    // Liveness never trusts a stored time later than now (PRODUCT.md §8 round 2).
    const clamped = await clampFutureHeartbeats(db, now);
    if (clamped > 0) logger.warn('last heartbeats later than now were set to now (was the clock stepped back?)', { count: clamped });
    if (this.graceOver) {
      const swept = await db.transaction(async (tx) => {
        const cutoff = new Date(offlineCutoff(now, config.offlineAfterSeconds).getTime() - this.stallAllowanceMs(now));
        const rows = await sweepDisconnected(tx, cutoff, now);
        for (const r of rows) await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: r.group_id, entityId: r.id });
        for (const g of new Set(rows.map((r) => r.group_id))) await publish(tx, now, { kind: 'group', op: 'upsert', groupId: g, entityId: g });
        return rows;
      });
      if (swept.length > 0) {
        logger.info('instances disconnected', { count: swept.length });
        this.onDisconnected(swept);
      }
      await this.markLost(now);
    }
    await this.updates.evaluate(now);
    if (now.getTime() - this.lastPrune >= 60_000) {
      this.lastPrune = now.getTime();
      const day = 24 * 3600 * 1000;
      await pruneInstances(db, new Date(now.getTime() - config.retentionDays * day));
      await pruneForgottenTokens(db, new Date(now.getTime() - config.retentionDays * day));
      await pruneEvents(db, new Date(now.getTime() - day));
      await pruneIdempotency(db, new Date(now.getTime() - day));
      await this.accounts.prune();
      await vacuumChurningTables(db);
    }
  }
}
