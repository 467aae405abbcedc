import type { Db } from './db';

/**
 * Lets PGlite reuse the space of updated and deleted rows. PostgreSQL's autovacuum does this by
 * itself; PGlite has none, and without it every row version ever written keeps its space. Only the
 * tables that churn: a VACUUM holds PGlite's one thread, and with it every request. One table per
 * statement, so requests that arrived meanwhile are answered between them. Returns the longest
 * statement (ms): how long requests were held at most.
 */
export async function vacuumChurningTables(db: Db): Promise<number> {
  if (db.kind !== 'pglite') return 0;
  let longest = 0;
  for (const table of ['instances', 'events', 'sessions', 'idempotency_keys']) {
    const started = performance.now();
    await db.query(`VACUUM ${table}`);
    longest = Math.max(longest, performance.now() - started);
  }
  return Math.round(longest);
}
