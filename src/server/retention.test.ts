import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordAudit } from './store/audit';
import type { Db, Queryable } from './store/db';
import { eventsAfter, publish } from './store/events';
import { insertGroup } from './store/groups';
import { insertInstance, listInstancesChunk, terminateInstance } from './store/instances';
import { pruneBatchRows } from './sweeper';
import { type Backend, openTestDb, resetDb } from './testing/db';
import { createHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];
const gid = '00000000-0000-4000-8000-000000000001';
const iid = (n: number) => `30000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The database, counting the rows each DELETE of a table took (RETURNING one row per deleted row). */
function countingDeletes(db: Db): { db: Db; deletes: Map<string, number[]> } {
  const deletes = new Map<string, number[]>();
  const count = (q: Queryable): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const rows = await q.query<T>(sql, params);
      const table = /^\s*DELETE FROM (\w+)/i.exec(sql)?.[1];
      if (table) deletes.set(table, [...(deletes.get(table) ?? []), rows.length]);
      return rows;
    },
  });
  // Retention deletes in transactions of their own (each under the duty lock), so both paths count.
  const counted: Db = { ...db, ...count(db), transaction: (fn) => db.transaction((tx) => fn(count(tx))) };
  return { db: counted, deletes };
}

describe.each(backends)('retention on %s', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDb(backend));
  });
  afterAll(() => drop?.());
  beforeEach(() => resetDb(db));

  const instance = (q: Queryable, n: number, at: Date) =>
    insertInstance(q, {
      id: iid(n),
      groupId: gid,
      tokenHash: `tok-${n}`,
      name: `r-${n}`,
      platform: 'process',
      hostname: 'h',
      address: '',
      os: 'linux',
      arch: 'x64',
      version: '1.3.0',
      at,
    });

  it('deletes ended instances, events and audit entries past their windows in small batches across passes; the rest stays', async () => {
    const { db: counted, deletes } = countingDeletes(db);
    const h = await createHarness(counted);
    try {
      const now = h.clock.now();
      const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 3600 * 1000);
      const ended = 2 * pruneBatchRows + 100;
      await db.transaction(async (tx) => {
        await insertGroup(tx, { id: gid, name: 'G', slug: 'g', isDefault: true, keyHash: 'hash-1', keyPrefix: 'prk_abcd', at: daysAgo(30) });
        for (let n = 0; n < ended; n++) {
          await instance(tx, n, daysAgo(9));
          await terminateInstance(tx, iid(n), { exitCode: 0, signal: null, reason: null, at: daysAgo(8), cause: 'completed' });
        }
        // Ended 6 days ago (inside the 7-day window), and two still connected since long ago.
        await instance(tx, 10_000, daysAgo(6));
        await terminateInstance(tx, iid(10_000), { exitCode: 0, signal: null, reason: null, at: daysAgo(6), cause: 'completed' });
        await instance(tx, 10_001, daysAgo(20));
        await instance(tx, 10_002, daysAgo(20));
        await tx.query('UPDATE instances SET last_heartbeat_at = $1 WHERE id = ANY($2::uuid[])', [now, [iid(10_001), iid(10_002)]]);
        for (const at of [daysAgo(400), daysAgo(366), daysAgo(10)]) {
          await recordAudit(tx, { at, actor: 'admin', action: 'group.renamed', group: { id: gid, name: 'G' } });
        }
        await publish(tx, daysAgo(2), { kind: 'group', op: 'upsert', groupId: gid, entityId: gid });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: gid, entityId: gid });
      });

      // A round may span passes (each has a time budget): tick until no row past its window is left.
      const pending = async () =>
        (await listInstancesChunk(db, gid, null, 100_000)).length > 3 ||
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events WHERE at < $1', [daysAgo(365)]))[0]!.n > 0;
      for (let pass = 0; pass < 50 && (await pending()); pass++) await h.paddock.tick();

      expect((await listInstancesChunk(db, gid, null, 100_000)).map((i) => i.name).sort()).toEqual(['r-10000', 'r-10001', 'r-10002']);
      const instanceDeletes = deletes.get('instances') ?? [];
      expect(instanceDeletes.reduce((a, b) => a + b, 0)).toBe(ended);
      expect(Math.max(...instanceDeletes)).toBeLessThanOrEqual(pruneBatchRows);
      expect(instanceDeletes.length).toBeGreaterThanOrEqual(3);
      const audit = await db.query<{ at: Date }>('SELECT at FROM audit_events ORDER BY id');
      // The 3 seeded entries, less the two older than 365 days; recordAudit's own events are kept.
      expect(audit.map((a) => new Date(a.at).toISOString())).toEqual([daysAgo(10).toISOString()]);
      const events = await eventsAfter(db, '0');
      expect(events.length).toBeGreaterThan(0);
      expect(deletes.get('events')?.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      const oldest = await db.query<{ at: Date }>('SELECT min(at) AS at FROM events');
      expect(new Date(oldest[0]!.at).getTime()).toBeGreaterThanOrEqual(daysAgo(1).getTime());
    } finally {
      await h.paddock.stop();
    }
  });
});
