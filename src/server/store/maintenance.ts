import type { Db } from './db';

/**
 * Lets PGlite reuse the space of updated and deleted rows. PostgreSQL's autovacuum does this by
 * itself; PGlite has none, and without it every row version ever written keeps its space. Only the
 * tables that churn: a VACUUM holds PGlite's one thread, and with it every request. One table per
 * statement, so requests that arrived meanwhile are answered between them.
 */
export async function vacuumChurningTables(db: Db): Promise<void> {
  if (db.kind !== 'pglite') return;
  for (const table of ['instances', 'events', 'sessions', 'idempotency_keys']) await db.query(`VACUUM ${table}`);
}
