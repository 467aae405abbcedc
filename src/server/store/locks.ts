import type { Queryable } from './db';

/**
 * Every PostgreSQL advisory lock Paddock takes, each number written once, here. They are
 * transaction locks (`pg_advisory_xact_lock`): COMMIT or ROLLBACK releases them, so a replica that
 * dies mid-transaction never leaves one held. PGlite takes them too (one process, so they never
 * wait), which keeps the code the same on both databases.
 *
 * Paddock's numbers are 727274–727299: writer locks below, duty locks from 727280.
 */
export const lockIds = {
  /** Schema changes: replicas starting together migrate one at a time. */
  migrations: 727274,
  /** Group names and the default flag: uniqueness ignoring case and "exactly one default" are read-then-write. */
  groupNames: 727275,
  /** The first admin is created once per database, whichever replica starts first. */
  firstAdmin: 727276,
  // Duty locks go here, from 727280: work that must run on one replica at a time (sweep, lost
  // marking, update deadlines, notification dispatch, retention). Each gets a `tryLock<Duty>(tx)`
  // below built on `pg_try_advisory_xact_lock`, answering false when another replica has the duty,
  // so a replica skips the pass instead of queueing behind it.
  /** Ending instances disconnected for PADDOCK_LOST_AFTER_SECONDS as lost (issue 15). */
  lostMarking: 727281,
} as const;

async function lock(tx: Queryable, id: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [id]);
}

/** Waits until no other transaction is migrating the schema. */
export function lockMigrations(tx: Queryable): Promise<void> {
  return lock(tx, lockIds.migrations);
}

/** Waits until no other transaction is writing group names or the default flag. */
export function lockGroupNames(tx: Queryable): Promise<void> {
  return lock(tx, lockIds.groupNames);
}

/** Waits until no other transaction is creating the first admin. */
export function lockFirstAdmin(tx: Queryable): Promise<void> {
  return lock(tx, lockIds.firstAdmin);
}

async function tryLock(tx: Queryable, id: number): Promise<boolean> {
  const [row] = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS got', [id]);
  return row?.got === true;
}

/**
 * Takes the lost-marking duty for this transaction; false when another replica is marking instances
 * lost right now (this one skips its pass: the other ends them, each once).
 */
export function tryLockLostMarking(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.lostMarking);
}
