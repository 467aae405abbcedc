import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, openPglite, openPostgres } from '../store/db';
import { allTables, migrate } from '../store/migrations';

export type Backend = 'pglite' | 'postgres';

/** The PostgreSQL server tests use; scripts/with-postgres.sh sets it. */
export function testDatabaseUrl(): string {
  const url = process.env.PADDOCK_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'PADDOCK_TEST_DATABASE_URL is not set: run PostgreSQL tests through scripts/with-postgres.sh, e.g. `bash scripts/with-postgres.sh npx vitest run src/server`',
    );
  }
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database of this test file's own: PGlite in memory, or a new PostgreSQL database. */
export async function openTestDb(backend: Backend): Promise<{ db: Db; url: string | null; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openPglite('memory');
    await migrate(db);
    return { db, url: null, drop: () => db.close() };
  }
  const admin = testDatabaseUrl();
  const name = `paddock_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = withDatabase(admin, name);
  const db = await openPostgres(url);
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Empties every table between tests (much cheaper than a new database). */
export async function resetDb(db: Db): Promise<void> {
  await db.query(`TRUNCATE ${allTables.join(', ')} RESTART IDENTITY CASCADE`);
}

/** Waits for a condition (never a fixed sleep): polls until it holds or the timeout passes. */
export async function waitFor<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
