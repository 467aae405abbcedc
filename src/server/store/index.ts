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

export type { Db };
