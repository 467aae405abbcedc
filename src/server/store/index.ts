// The store is the only place SQL is written; the rest of the server calls its functions, each
// named for what it does, passing the database or an open transaction (`Queryable`).
//   db.ts          PGlite and PostgreSQL behind one interface; pingDatabase, isUniqueViolation
//   migrations.ts  the schema, one numbered change at a time
//   locks.ts       every advisory lock, each number written once (and the place for duty locks)
//   groups.ts, instances.ts, updates.ts (with idempotency keys), users.ts (with sessions),
//   audit.ts, events.ts (the live-event log and its NOTIFY), settings.ts   one module per table group
//   maintenance.ts PGlite's VACUUM
import { type Db, openDb } from './db';
import { migrate } from './migrations';

/** The opened, migrated database. */
export interface Store {
  db: Db;
  close(): Promise<void>;
}

/** Opens PostgreSQL (when a URL is given) or PGlite, and brings its schema up to date. */
export async function openStore(options: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  const db = await openDb(options);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return { db, close: () => db.close() };
}
