import type { Db } from './db';

/**
 * Lets PGlite reuse the space of updated and deleted rows. PostgreSQL's autovacuum does this by
 * itself; PGlite has none, and without it every row version ever written keeps its space. Only the
 * tables that churn: a VACUUM holds PGlite's one thread, and with it every request.
 */
export async function vacuumChurningTables(db: Db): Promise<void> {
  if (db.kind === 'pglite') await db.query('VACUUM instances, events, sessions, idempotency_keys');
}
