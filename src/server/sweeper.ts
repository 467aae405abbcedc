import type { Deps } from './deps';
import type { HeartbeatBatcher } from './heartbeats';
import { offlineCutoff, pastStartupGrace } from './liveness';
import type { Accounts } from './accounts';
import { auditLost } from './lifecycle';
import { publish, publishMany, pruneEvents } from './store/events';
import { markLost, pruneForgottenTokens, pruneInstances, sweepDisconnected } from './store/instances';
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
  readonly startedAt: Date;
  onDisconnected: (ids: Array<{ id: string; group_id: string }>) => void = () => {};
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
    await this.batcher.flush().catch((err) => logger.error('heartbeat batch write failed', { err }));
    const now = clock.now();
    if (pastStartupGrace(this.startedAt, now, config.offlineAfterSeconds)) {
      const swept = await db.transaction(async (tx) => {
        const rows = await sweepDisconnected(tx, offlineCutoff(now, config.offlineAfterSeconds), now);
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
