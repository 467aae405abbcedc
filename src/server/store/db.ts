import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * PGlite's settings for a small resident footprint (PRODUCT.md §14: ≤ 300 MiB idle). PGlite's WASM heap
 * never shrinks and its allocator zeroes what it hands out, so PostgreSQL's default 128 MB buffer pool
 * is resident from the first start (≈140 MiB of the old ≈535 MiB restart figure). 16 MB holds Paddock's
 * hot pages (instances of live runners); colder pages come from the OS page cache. Maintenance memory
 * (index builds, VACUUM) is capped for the same reason: a peak would stay resident for good.
 */
export const pgliteStartParams: readonly string[] = [
  ...PGlite.defaultStartParams,
  ...['shared_buffers=16MB', 'maintenance_work_mem=16MB'].flatMap((setting) => ['-c', setting]),
];

/** Opens an embedded PGlite: in memory for `memory`, else on disk under `<dataDir>/pgdata`. */
export async function openPglite(dataDir: string): Promise<Db> {
  let pgl: PGlite;
  const options = { startParams: [...pgliteStartParams] };
  if (dataDir === 'memory') pgl = await PGlite.create(options);
  else {
    const dir = join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteApart(dir);
    pgl = await PGlite.create(dir, options);
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

/**
 * Creates a new PGlite data directory in a short-lived child process. PGlite's initdb runs a second
 * WASM PostgreSQL plus copies of its heap (≈460 MiB), and V8 only returns that memory after a full GC,
 * which an idle server never triggers: done in-process, the first start idled at ≈1 GB. The child takes
 * that memory with it when it exits; the server then opens the directory the way every restart does.
 */
async function initPgliteApart(dir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(pglite)});
PGlite.create(process.argv[1], { startParams: JSON.parse(process.argv[2]) }).then((pg) => pg.close());`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['-e', script, dir, JSON.stringify(pgliteStartParams)], { env: {} }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`could not create the PGlite database in ${dir}: ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`));
      else resolve();
    });
  });
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
