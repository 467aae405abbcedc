import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatBatcher } from '../heartbeats';
import { createHarness } from '../testing/harness';
import { type Backend, openTestDb, resetDb, waitFor } from '../testing/db';
import { listAudit, recordAudit } from './audit';
import type { Db } from './db';
import { eventsAfter, eventsChannel, publish, publishMany } from './events';
import { findGroup, findGroupByKeyHash, insertGroup, listGroups, setDefaultGroup, softDeleteGroup } from './groups';
import { findInstance, insertInstance, sweepDisconnected, writeHeartbeatBatch } from './instances';
import { lockFirstAdmin, lockGroupNames, lockIds, lockMigrations, tryLockLostMarking } from './locks';
import { groupSlug } from '../../contract';
import { migrate, migrations } from './migrations';
import { findUser, insertUser } from './users';

const backends: Backend[] = ['pglite', 'postgres'];
const t0 = new Date('2026-03-01T12:00:00.000Z');
const sec = (s: number) => new Date(t0.getTime() + s * 1000);
const gid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe.each(backends)('store on %s', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDb(backend));
  });
  afterAll(() => drop?.());
  beforeEach(() => resetDb(db));

  const group = (n: number, name: string, isDefault = false) =>
    insertGroup(db, { id: gid(n), name, slug: groupSlug(name), isDefault, keyHash: `hash-${n}`, keyPrefix: 'prk_abcd', at: t0 });
  const instance = (id: string, groupId: string, at = t0) =>
    insertInstance(db, {
      id,
      groupId,
      tokenHash: `tok-${id}`,
      name: 'r',
      platform: 'process',
      hostname: 'h',
      address: '',
      os: 'linux',
      arch: 'x64',
      version: '1.3.0',
      at,
    });
  const stored = (id: string) => findInstance(db, gid(1), id);

  it('migrates idempotently', async () => {
    await migrate(db);
    await migrate(db);
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
  });

  it("migration 6 ends the instances a SIGTERM goodbye had left disconnected with a record, and only those", async () => {
    await group(1, 'G');
    const [sigterm, silent] = ['10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002'];
    await instance(sigterm, gid(1));
    await instance(silent, gid(1));
    // What a goodbye on SIGTERM wrote before migration 6 (a database that ran migration 9 first).
    await db.query(
      "UPDATE instances SET status = 'disconnected', disconnected_at = $2, term_signal = 15, term_at = $2, term_cause = 'sigterm' WHERE id = $1",
      [sigterm, sec(5)],
    );
    await db.query("UPDATE instances SET status = 'disconnected', disconnected_at = $2 WHERE id = $1", [silent, sec(5)]);
    await db.query('DELETE FROM schema_migrations WHERE version = 6');
    for (const undo of [
      'DROP TABLE forgotten_tokens',
      'DROP INDEX instances_group_ended',
      'DROP INDEX instances_disconnected_since',
      'ALTER TABLE instances DROP COLUMN stop_requested_at',
    ]) {
      await db.query(undo);
    }
    await migrate(db);
    expect(await stored(sigterm)).toMatchObject({ status: 'terminated', term_signal: 15, term_cause: 'sigterm', term_at: sec(5) });
    expect(await stored(silent)).toMatchObject({ status: 'disconnected', term_cause: null });
  });

  it('keeps names unique ignoring case among live groups, and one default', async () => {
    await group(1, 'Prod');
    await expect(group(2, 'PROD')).rejects.toMatchObject({ code: '23505' });
    await group(3, 'Other', true);
    await expect(group(4, 'Third', true)).rejects.toMatchObject({ code: '23505' });
    await setDefaultGroup(db, gid(1), sec(1));
    expect((await listGroups(db)).filter((g) => g.is_default).map((g) => g.id)).toEqual([gid(1)]);
    expect(await softDeleteGroup(db, gid(1), sec(2))).toBe(gid(3));
    await group(5, 'prod'); // a deleted group's name is free again
    expect((await findGroup(db, gid(1)))!.deleted_at).not.toBeNull();
    expect(await findGroupByKeyHash(db, 'hash-3')).toMatchObject({ id: gid(3) });
  });

  it('counts instances per group and writes heartbeat batches in one statement', async () => {
    await group(1, 'G');
    await instance('10000000-0000-4000-8000-000000000001', gid(1));
    await instance('10000000-0000-4000-8000-000000000002', gid(1));
    await writeHeartbeatBatch(db, [
      { id: '10000000-0000-4000-8000-000000000001', at: sec(5), count: 3, version: '1.3.0' },
      { id: '10000000-0000-4000-8000-000000000002', at: sec(4), count: 1, version: '9.9.9' }, // stale version: ignored
    ]);
    const a = await stored('10000000-0000-4000-8000-000000000001');
    expect(new Date(a!.last_heartbeat_at).toISOString()).toBe(sec(5).toISOString());
    expect(a!.heartbeats_on_version).toBe(3);
    const b = await stored('10000000-0000-4000-8000-000000000002');
    expect(b!.heartbeats_on_version).toBe(0);
    const [g] = await listGroups(db);
    expect(g).toMatchObject({ connected_count: 2, instance_count: 2, versions: ['1.3.0'] });
  });

  it('flushes heartbeats in chunks, and keeps what a failed chunk did not write for the next flush', async () => {
    await group(1, 'G');
    const ids = Array.from({ length: 7 }, (_, i) => `10000000-0000-4000-8000-00000000000${i}`);
    for (const id of ids) await instance(id, gid(1));
    const counts = async () => Promise.all(ids.map(async (id) => (await stored(id))!.heartbeats_on_version));

    const batcher = new HeartbeatBatcher(db, 3);
    for (const id of ids) batcher.record(id, sec(5), '1.3.0');
    batcher.record(ids[0]!, sec(6), '1.3.0');
    await batcher.flush();
    expect(await counts()).toEqual([2, 1, 1, 1, 1, 1, 1]);
    expect(batcher.size).toBe(0);

    // The second chunk's statement fails: the first chunk stays written, the rest waits in memory.
    let statements = 0;
    const failing = new HeartbeatBatcher(
      {
        ...db,
        query: (sql: string, params?: unknown[]) => (++statements === 2 ? Promise.reject(new Error('connection lost')) : db.query(sql, params)),
      } as Db,
      3,
    );
    for (const id of ids) failing.record(id, sec(7), '1.3.0');
    await expect(failing.flush()).rejects.toThrow('connection lost');
    expect(await counts()).toEqual([3, 2, 2, 1, 1, 1, 1]);
    expect(failing.size).toBe(4);
    await failing.flush();
    expect(await counts()).toEqual([3, 2, 2, 2, 2, 2, 2]);
  });

  it('writes heartbeats in place: a thousand of them grow neither the table nor its indexes', async () => {
    await group(1, 'G');
    const ids = Array.from({ length: 20 }, (_, i) => `10000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`);
    for (const id of ids) await instance(id, gid(1));
    const sizes = async () =>
      (
        await db.query<{ t: string; i: string }>(
          "SELECT pg_relation_size('instances')::text AS t, pg_indexes_size('instances')::text AS i",
        )
      )[0];
    await writeHeartbeatBatch(db, ids.map((id) => ({ id, at: sec(1), count: 1, version: '1.3.0' })));
    const before = await sizes();
    for (let round = 2; round <= 50; round++) {
      await writeHeartbeatBatch(db, ids.map((id) => ({ id, at: sec(round), count: 1, version: '1.3.0' })));
    }
    expect((await stored(ids[0]!))!.heartbeats_on_version).toBe(50);
    // One page of slack: on PostgreSQL an autovacuum or analyze holding a snapshot can keep one old
    // row version alive. Writing a new version per heartbeat grows the table by pages.
    const after = await sizes();
    expect(Number(after!.t)).toBeLessThanOrEqual(Number(before!.t) + 8192);
    expect(Number(after!.i)).toBeLessThanOrEqual(Number(before!.i) + 8192);
  });

  it('sweeps connected instances older than the cutoff, once', async () => {
    await group(1, 'G');
    await instance('10000000-0000-4000-8000-000000000001', gid(1), t0);
    await instance('10000000-0000-4000-8000-000000000002', gid(1), sec(15));
    const swept = await sweepDisconnected(db, sec(10), sec(21));
    expect(swept).toEqual([{ id: '10000000-0000-4000-8000-000000000001', group_id: gid(1) }]);
    expect(await sweepDisconnected(db, sec(10), sec(22))).toEqual([]);
  });

  it('pages the audit log by cursor', async () => {
    for (let i = 0; i < 5; i++) await recordAudit(db, { at: sec(i), actor: i % 2 ? 'bob' : 'admin', action: `a${i}`, group: null });
    const p1 = await listAudit(db, { limit: 2 });
    expect(p1.items.map((e) => e.action)).toEqual(['a4', 'a3']);
    const p2 = await listAudit(db, { limit: 2, cursor: p1.nextCursor! });
    expect(p2.items.map((e) => e.action)).toEqual(['a2', 'a1']);
    expect((await listAudit(db, { limit: 10, actor: 'bob' })).items.map((e) => e.action)).toEqual(['a3', 'a1']);
  });

  it('lists the audit log newest first by number, past ids of different lengths (9 before 10 fails as text)', async () => {
    for (let i = 0; i < 25; i++) await recordAudit(db, { at: sec(i), actor: 'admin', action: `a${i}`, group: null });
    const all = (await listAudit(db, { limit: 200 })).items;
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all[0]!.action).toBe('a24');
    const p1 = await listAudit(db, { limit: 10 });
    const p2 = await listAudit(db, { limit: 10, cursor: p1.nextCursor! });
    expect([...p1.items, ...p2.items].map((e) => e.action)).toEqual(all.slice(0, 20).map((e) => e.action));
  });

  it('publishes events through the table and NOTIFY, and replays after an id', async () => {
    const got: string[] = [];
    const unlisten = await db.listen(eventsChannel, (p) => got.push(p));
    await db.transaction(async (tx) => {
      await publish(tx, t0, { kind: 'group', op: 'upsert', groupId: 'g1', entityId: 'g1' });
      await publish(tx, t0, { kind: 'instance', op: 'upsert', groupId: 'g1', entityId: 'i1' });
    });
    await waitFor(() => got.length === 2, { what: 'two notifications' });
    const parsed = got.map((p) => JSON.parse(p));
    expect(parsed.map((e) => e.kind)).toEqual(['group', 'instance']);
    const after = await eventsAfter(db, parsed[0].id);
    expect(after).toEqual([{ id: parsed[1].id, kind: 'instance', op: 'upsert', groupId: 'g1', entityId: 'i1' }]);
    await unlisten();
  });

  it('publishes a batch in one statement, NOTIFYing each, and replays in the order of ids (10 after 9)', async () => {
    const got: string[] = [];
    const unlisten = await db.listen(eventsChannel, (p) => got.push(p));
    await publish(db, t0, { kind: 'group', op: 'upsert', groupId: 'g1', entityId: 'g1' });
    const batch = Array.from({ length: 11 }, (_, n) => ({ kind: 'instance' as const, op: 'delete' as const, groupId: 'g1', entityId: `i${n}` }));
    await publishMany(db, t0, batch);
    await waitFor(() => got.length === 12, { what: 'twelve notifications' });
    expect(got.slice(1).map((p) => JSON.parse(p).entityId)).toEqual(batch.map((e) => e.entityId));
    const replay = await eventsAfter(db, '0');
    expect(replay.map((e) => Number(e.id))).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
    expect(replay.map((e) => e.entityId)).toEqual(['g1', ...batch.map((e) => e.entityId)]);
    await unlisten();
  });

  it('rolls a failed transaction back completely', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO users (id, username, password_hash, role, created_at) VALUES (gen_random_uuid(), 'x', 'h', 'admin', now())");
        await tx.query('SELECT no_such_column FROM users');
      }),
    ).rejects.toThrow();
    expect(await findUser(db, 'x')).toBeNull();
    expect(await insertUser(db, { id: gid(9), username: 'Alice', passwordHash: 'h', role: 'viewer', at: t0 })).toBe(true);
    expect(await insertUser(db, { id: gid(10), username: 'alice', passwordHash: 'h', role: 'viewer', at: t0 })).toBe(false);
  });
});

describe('the sweeper on PGlite', () => {
  // PGlite runs no autovacuum: without the sweeper's VACUUM, rows deleted by pruning never free
  // their space, and every new row takes more.
  it('vacuums, so the space of deleted rows is used again', async () => {
    const { db, drop } = await openTestDb('pglite');
    const h = await createHarness(db);
    try {
      await insertGroup(db, { id: gid(1), name: 'G', slug: 'g', isDefault: true, keyHash: 'hash-1', keyPrefix: 'prk_abcd', at: t0 });
      const fill = async (round: number) => {
        for (let i = 0; i < 300; i++) {
          const id = `20000000-0000-4000-8000-${String(round * 1000 + i).padStart(12, '0')}`;
          await insertInstance(db, {
            id, groupId: gid(1), tokenHash: `tok-${id}`, name: 'r', platform: 'process', hostname: 'h',
            address: '', os: 'linux', arch: 'x64', version: '1.3.0', at: t0,
          });
        }
      };
      const size = async () => Number((await db.query<{ s: string }>("SELECT pg_relation_size('instances')::text AS s"))[0]!.s);
      await fill(1);
      const full = await size();
      await db.query('DELETE FROM instances');
      await h.paddock.tick(); // the first pass runs the once-a-minute work
      await fill(2);
      expect(await size()).toBe(full);
    } finally {
      await h.paddock.stop();
      await drop();
    }
  });
});

describe('advisory locks', () => {
  it('gives each lock its own number', () => {
    expect(new Set(Object.values(lockIds)).size).toBe(Object.keys(lockIds).length);
  });

  // PGlite runs one transaction at a time, so only PostgreSQL can show a lock keeping another out.
  describe('on PostgreSQL', () => {
    let db: Db;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ db, drop } = await openTestDb('postgres'));
    });
    afterAll(() => drop?.());

    it.each([
      ['lockMigrations', lockMigrations, lockIds.migrations],
      ['lockGroupNames', lockGroupNames, lockIds.groupNames],
      ['lockFirstAdmin', lockFirstAdmin, lockIds.firstAdmin],
    ] as const)('%s holds its number until the transaction ends', async (_name, take, id) => {
      // Asked the way replicas of earlier versions took it (an integer literal), so both keep each other out.
      const free = () =>
        db.transaction(async (tx) => (await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${id}) AS got`))[0]!.got);
      let whileHeld: boolean | undefined;
      await db.transaction(async (tx) => {
        await take(tx);
        whileHeld = await free();
      });
      expect(whileHeld).toBe(false);
      expect(await free()).toBe(true);
    });

    it.each([['tryLockLostMarking', tryLockLostMarking, lockIds.lostMarking]] as const)(
      '%s takes its duty once: false while another transaction has it, true once that one ends',
      async (_name, tryTake, id) => {
        const byFunction = () => db.transaction((tx) => tryTake(tx));
        const byNumber = () =>
          db.transaction(async (tx) => (await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${id}) AS got`))[0]!.got);
        let first: boolean | undefined;
        let whileHeld: boolean[] = [];
        await db.transaction(async (tx) => {
          first = await tryTake(tx);
          whileHeld = [await byFunction(), await byNumber()];
        });
        expect(first).toBe(true);
        expect(whileHeld).toEqual([false, false]);
        expect(await byFunction()).toBe(true);
      },
    );
  });
});
