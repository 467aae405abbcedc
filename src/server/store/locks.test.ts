import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, openTestDb } from '../testing/db';
import type { Db } from './db';
import { lockIds, runDuty, tryLockRetention, tryLockSweep, tryLockUpdateOutcomes } from './locks';

describe.each<Backend>(['pglite', 'postgres'])('duty locks on %s', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDb(backend));
  });
  afterAll(() => drop?.());

  it('gives every duty a lock number of its own', () => {
    const ids = Object.values(lockIds);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('runs a duty pass in a transaction and answers its value when no one else holds the duty', async () => {
    expect(await runDuty(db, tryLockSweep, async (tx) => (await tx.query<{ n: number }>('SELECT 41 + 1 AS n'))[0]!.n)).toEqual({ value: 42 });
  });

});

// Only PostgreSQL has other sessions (replicas); PGlite is one.
describe('duty locks across sessions on postgres', () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDb('postgres'));
  });
  afterAll(() => drop?.());

  it('skips the pass while another session holds the duty, and runs it once that session ends', async () => {
    let release!: () => void;
    let held!: () => void;
    const heldNow = new Promise<void>((r) => (held = r));
    // Another replica in the middle of its retention pass.
    const other = db.transaction(async (tx) => {
      expect(await tryLockRetention(tx)).toBe(true);
      held();
      await new Promise<void>((r) => (release = r));
    });
    await heldNow;
    let ran = 0;
    expect(await runDuty(db, tryLockRetention, async () => ran++)).toBeNull();
    expect(ran).toBe(0);
    // Holding one duty does not hold the others.
    expect(await runDuty(db, tryLockUpdateOutcomes, async () => 'decided')).toEqual({ value: 'decided' });
    release();
    await other;
    expect(await runDuty(db, tryLockRetention, async () => ran++)).toEqual({ value: 0 });
    expect(ran).toBe(1);
  });

  it('bounds how long a duty transaction may sit idle, so a replica that vanished mid-duty releases its lock within seconds', async () => {
    const setting = `SELECT current_setting('idle_in_transaction_session_timeout') AS t`;
    const pass = await runDuty(db, tryLockSweep, async (tx) => (await tx.query<{ t: string }>(setting))[0]!.t);
    expect(pass).toEqual({ value: '3s' });
    // Only the duty's own transaction: the session goes back to the server's setting afterwards.
    expect((await db.query<{ t: string }>(setting))[0]!.t).toBe('0');
  });
});
