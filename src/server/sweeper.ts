import type { Deps } from './deps';
import type { HeartbeatBatcher } from './heartbeats';
import { offlineCutoff, pastStartupGrace } from './liveness';
import type { Accounts } from './accounts';
import { auditLost } from './lifecycle';
import { pruneAudit } from './store/audit';
import { isDatabaseUnavailable, type Queryable } from './store/db';
import { publish, publishMany, pruneEvents } from './store/events';
import { clampFutureHeartbeats, markLost, pruneForgottenTokens, pruneInstances, sweepDisconnected } from './store/instances';
import { runDuty, tryLockLostMarking, tryLockRetention, tryLockSweep } from './store/locks';
import { vacuumChurningTables } from './store/maintenance';
import { pruneIdempotency } from './store/updates';
import type { UpdateService } from './updates';

/** Rows one retention statement deletes: each holds PGlite's one thread for milliseconds. */
export const pruneBatchRows = 500;
/** Retention work one pass may do; a larger backlog continues in the next pass, a second later. */
const pruneBudgetMs = 100;

type Retained = 'instances' | 'events' | 'audit';

/** The periodic duties that must happen once across replicas, each under its lock in store/locks.ts. */
export type Duty = 'sweep' | 'lostMarking' | 'updateOutcomes' | 'retention';

/** Passes of each duty this process ran, and those it skipped because another replica held the duty. */
export type DutyPasses = Record<Duty, { ran: number; skipped: number }>;

/** Instances ended as lost per transaction. */
const lostBatch = 500;

/**
 * Runs once a second: writes the heartbeat batch, marks silent instances disconnected (after the
 * start-up grace), ends updates that succeeded or ran out of time, and once a minute deletes rows
 * past their retention window (and vacuums, on PGlite). Retention goes in small batches with the
 * event loop let through between them, so heartbeats and reads wait milliseconds behind it, never
 * the whole backlog (say 100,000 instances ended a week ago).
 *
 * Every replica runs this pass, but each duty in it (all but writing this replica's own heartbeats)
 * runs in a transaction holding that duty's advisory lock (store/locks.ts): one replica at a time
 * does it, the others skip it for that second, and when the one doing it dies its lock goes with its
 * transaction, so whichever replica comes next does it (PRODUCT.md §14).
 */
export class Sweeper {
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** Tables whose retention backlog is not done yet (empty between once-a-minute rounds). */
  private pruning: Retained[] = [];
  private pruned = { instances: 0, events: 0, audit: 0 };
  /** Statements this round and the longest (ms): what a heartbeat queued behind retention waits, at most. */
  private pruneStatements = { count: 0, longestMs: 0 };
  private running: Promise<void> | null = null;
  readonly passes: DutyPasses = {
    sweep: { ran: 0, skipped: 0 },
    lostMarking: { ran: 0, skipped: 0 },
    updateOutcomes: { ran: 0, skipped: 0 },
    retention: { ran: 0, skipped: 0 },
  };
  startedAt: Date;
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
      // Once across replicas: whoever holds the duty ends the batch; the others skip this pass.
      const pass = await runDuty(db, tryLockLostMarking, async (tx) => {
        const rows = await markLost(tx, cutoff, now, lostBatch);
        if (rows.length === 0) return rows;
        await auditLost(tx, now, rows);
        for (const r of rows) await this.deps.outbox?.record(tx, now, { type: 'instance.ended', groupId: r.group_id, instanceId: r.id });
        const groups = new Set(rows.map((r) => r.group_id));
        await publishMany(tx, now, [
          ...rows.map((r) => ({ kind: 'instance' as const, op: 'upsert' as const, groupId: r.group_id, entityId: r.id })),
          ...[...groups].map((g) => ({ kind: 'group' as const, op: 'upsert' as const, groupId: g, entityId: g })),
        ]);
        return rows;
      });
      this.count('lostMarking', pass !== null);
      const lost = pass?.value;
      if (!lost || lost.length === 0) return;
      logger.info('instances lost', { count: lost.length });
      this.onLost(lost);
      if (lost.length < lostBatch) return;
    }
  }

  private async pass(): Promise<void> {
    const { db, clock, config, logger } = this.deps;
    const flushStarted = performance.now();
    // The database away fails the whole pass (said once by the app); anything else is a bug to log.
    await this.batcher.flush().catch((err) => {
      if (isDatabaseUnavailable(err)) throw err;
      logger.error('heartbeat batch write failed', { err });
    });
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
      const swept = await runDuty(db, tryLockSweep, async (tx) => {
        const cutoff = new Date(offlineCutoff(now, config.offlineAfterSeconds).getTime() - this.stallAllowanceMs(now));
        const rows = await sweepDisconnected(tx, cutoff, now);
        for (const r of rows) await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: r.group_id, entityId: r.id });
        for (const g of new Set(rows.map((r) => r.group_id))) await publish(tx, now, { kind: 'group', op: 'upsert', groupId: g, entityId: g });
        return rows;
      });
      this.count('sweep', swept !== null);
      if (swept && swept.value.length > 0) {
        logger.info('instances disconnected', { count: swept.value.length });
        this.onDisconnected(swept.value);
      }
      await this.markLost(now);
    }
    this.count('updateOutcomes', (await this.updates.evaluate(now)) !== null);
    if (now.getTime() - this.lastPrune >= 60_000) {
      this.lastPrune = now.getTime();
      // A round still going (a large backlog, or passes cut short by their budget on a busy machine)
      // starts over from the top, so rows that came due meanwhile are not left for another minute.
      this.pruning = ['instances', 'events', 'audit'];
    }
    if (this.pruning.length > 0 && (await this.pruneSome(now))) {
      const day = 24 * 3600 * 1000;
      const finished = await runDuty(db, tryLockRetention, async (tx) => {
        await pruneIdempotency(tx, new Date(now.getTime() - day));
        await this.accounts.prune(tx);
        await pruneForgottenTokens(tx, new Date(now.getTime() - config.retentionDays * day));
      });
      this.count('retention', finished !== null);
      // VACUUM cannot run in a transaction; it is PGlite's alone, and PGlite has no other replica.
      // The longest one table's VACUUM took: what requests waited for at most.
      const vacuumMs = await vacuumChurningTables(db);
      const { instances, events, audit } = this.pruned;
      if (instances + events + audit > 0) {
        const { count: statements, longestMs } = this.pruneStatements;
        logger.info('retention: old rows deleted', { instances, events, audit, statements, longestStatementMs: Math.round(longestMs), vacuumMs });
      }
      this.pruned = { instances: 0, events: 0, audit: 0 };
      this.pruneStatements = { count: 0, longestMs: 0 };
    }
  }

  private count(duty: Duty, ran: boolean): void {
    if (ran) this.passes[duty].ran++;
    else this.passes[duty].skipped++;
  }

  /** Deletes retained rows in batches for up to the budget; true once every table is done. */
  private async pruneSome(now: Date): Promise<boolean> {
    const { db, config } = this.deps;
    const day = 24 * 3600 * 1000;
    const before = (days: number) => new Date(now.getTime() - days * day);
    const prune: Record<Retained, (tx: Queryable) => Promise<number>> = {
      instances: (tx) => pruneInstances(tx, before(config.retentionDays), pruneBatchRows),
      events: (tx) => pruneEvents(tx, before(1), pruneBatchRows),
      audit: (tx) => pruneAudit(tx, before(config.auditRetentionDays), pruneBatchRows),
    };
    const until = performance.now() + pruneBudgetMs;
    while (this.pruning.length > 0) {
      const table = this.pruning[0]!;
      const started = performance.now();
      // One batch per transaction, each under the retention lock: another replica deleting at the same
      // moment makes this pass stop, and the round goes on a second later.
      const batch = await runDuty(db, tryLockRetention, (tx) => prune[table](tx));
      this.count('retention', batch !== null);
      if (!batch) break;
      const deleted = batch.value;
      this.pruneStatements.count++;
      this.pruneStatements.longestMs = Math.max(this.pruneStatements.longestMs, performance.now() - started);
      this.pruned[table] += deleted;
      if (deleted < pruneBatchRows) this.pruning.shift();
      if (performance.now() >= until) break;
      // Requests that arrived meanwhile get their statements in before the next batch.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.pruning.length === 0;
  }
}
