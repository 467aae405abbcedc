import type { Db, Queryable } from './db';

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
  /** Marking silent instances disconnected. */
  sweep: 727280,
  /** Ending instances disconnected for PADDOCK_LOST_AFTER_SECONDS as lost (issue 15). */
  lostMarking: 727281,
  /** Ending updates that succeeded or ran out of time. */
  updateOutcomes: 727282,
  /** Deleting rows past their retention window. */
  retention: 727283,
  /** Notification alert rules (group.down/degraded/recovered): one replica's pass at a time, so an outage alerts once. */
  alertRules: 727290,
} as const;

async function lock(tx: Queryable, id: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [id]);
}

async function tryLock(tx: Queryable, id: number): Promise<boolean> {
  const [row] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [id]);
  return row?.ok === true;
}

/** Takes the disconnect sweep for this transaction; false while another replica is sweeping. */
export function tryLockSweep(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.sweep);
}

/** Takes the update deadlines and outcomes for this transaction; false while another replica decides them. */
export function tryLockUpdateOutcomes(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.updateOutcomes);
}

/** Takes retention for this transaction; false while another replica is deleting. */
export function tryLockRetention(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.retention);
}

/**
 * A duty idle this long inside its transaction lets PostgreSQL end the session: a replica that vanished
 * mid-duty without closing its socket (a cut network, a frozen VM) would otherwise hold the lock until
 * TCP keepalive gives up, hours later. A live replica never idles a second in a duty transaction.
 */
const dutyIdleTimeout = '3s';

/**
 * Runs one pass of a duty in a transaction that holds the duty's lock, and answers `{ value }`; answers
 * null, without running it, while another replica holds the lock (that replica is doing the same pass,
 * and the next pass here, a second later, tries again). A holder that dies releases the lock with its
 * transaction: SIGKILL closes its socket at once; a vanished one is cut off after `dutyIdleTimeout`.
 */
export function runDuty<T>(
  db: Db,
  tryLockDuty: (tx: Queryable) => Promise<boolean>,
  pass: (tx: Queryable) => Promise<T>,
): Promise<{ value: T } | null> {
  return db.transaction(async (tx) => {
    // PGlite is one process with one session: no other replica, and no session to cut off.
    if (db.kind === 'postgres') await tx.query(`SET LOCAL idle_in_transaction_session_timeout = '${dutyIdleTimeout}'`);
    if (!(await tryLockDuty(tx))) return null;
    return { value: await pass(tx) };
  });
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

/**
 * Takes the lost-marking duty for this transaction; false when another replica is marking instances
 * lost right now (this one skips its pass: the other ends them, each once).
 */
export function tryLockLostMarking(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.lostMarking);
}

/**
 * Takes the notification alert rules' turn for this transaction: false when another replica holds it
 * (it is doing the same pass; one is enough).
 */
export function tryLockAlertRules(tx: Queryable): Promise<boolean> {
  return tryLock(tx, lockIds.alertRules);
}
