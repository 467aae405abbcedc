import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Anything SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** The thin database layer every store module uses; PGlite and PostgreSQL behave the same behind it. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Opens an embedded PGlite: in memory for `memory`, else on disk under `<dataDir>/pgdata`. */
export async function openPglite(dataDir: string): Promise<Db> {
  let pgl: PGlite;
  if (dataDir === 'memory') pgl = await PGlite.create();
  else {
    const dir = join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    pgl = await PGlite.create(dir);
  }
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: unknown[]) {
      return (await pgl.query<T>(sql, params)).rows;
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return pgl.transaction((tx) =>
        fn({
          async query<R>(sql: string, params?: unknown[]) {
            return (await tx.query<R>(sql, params)).rows;
          },
        }),
      );
    },
    async listen(channel, onPayload) {
      const unsubscribe = await pgl.listen(channel, onPayload);
      return async () => {
        if (!pgl.closed) await unsubscribe();
      };
    },
    async close() {
      if (!pgl.closed) await pgl.close();
    },
  };
}

// Timestamps stay Date objects, bigints come back as strings (ids are cast in SQL where needed).
/** Opens a PostgreSQL pool plus one dedicated LISTEN connection (opened on first listen). */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  // No JIT: Paddock's statements are short, and the group list's estimated cost (a lateral join per
  // group) crossed jit_above_cost, so PostgreSQL spent 1.2 s compiling a list that runs in less.
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, options: '-c jit=off' });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  await pool.query('SELECT 1');
  let listener: pg.Client | null = null;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let closed = false;

  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (n) => {
      for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    client.on('error', () => {
      // Reconnect and re-LISTEN so a dropped connection does not silence live events.
      listener = null;
      setTimeout(() => {
        if (!closed && handlers.size > 0) void ensureListener().catch(() => {});
      }, 1000);
    });
    await client.connect();
    for (const channel of handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return client;
  }
  async function ensureListener(): Promise<pg.Client> {
    if (!listener) listener = await connectListener();
    return listener;
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params as unknown[])).rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<R>(sql: string, params?: unknown[]) {
            return (await client.query(sql, params as unknown[])).rows as R[];
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      const isNew = !handlers.has(channel);
      if (isNew) handlers.set(channel, new Set());
      handlers.get(channel)!.add(onPayload);
      const client = await ensureListener();
      if (isNew) await client.query(`LISTEN ${quoteIdent(channel)}`);
      return async () => {
        handlers.get(channel)?.delete(onPayload);
      };
    },
    async close() {
      closed = true;
      const l = listener;
      listener = null;
      if (l) await l.end().catch(() => {});
      await pool.end();
    },
  };
}

/** Answers once the database has run a statement (readiness). */
export async function pingDatabase(q: Queryable): Promise<void> {
  await q.query('SELECT 1');
}

/** True for a PostgreSQL unique-violation error (two writers raced for the same row). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Opens PostgreSQL when a URL is given, else PGlite. */
export function openDb(options: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}
