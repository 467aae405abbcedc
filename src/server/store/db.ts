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
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function. `onConnection` hears when
   * the connection that LISTENs is lost (false: notifications may be missed from now on) and when it
   * LISTENs again (true). PGlite has no such connection and never calls it.
   */
  listen(channel: string, onPayload: (payload: string) => void, onConnection?: (up: boolean) => void): Promise<() => Promise<void>>;
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

/**
 * A fresh turn of the event loop. PGlite runs each statement synchronously on the server's thread, and
 * statements queued behind one another run back to back in one microtask chain (250 ms of them was
 * seen under read load) with no request answered in between. Each statement starts on its own turn, so
 * requests that arrived meanwhile (heartbeats) are answered between statements.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
      await nextTurn();
      return (await pgl.query<T>(sql, params)).rows;
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return pgl.transaction((tx) =>
        fn({
          async query<R>(sql: string, params?: unknown[]) {
            await nextTurn();
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

/** How the LISTEN connection is kept: reconnect backoff and the liveness probe of an idle connection. */
export interface ListenerTiming {
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** An idle LISTEN connection runs `SELECT 1` this often, so a silently dead one is noticed. */
  probeMs: number;
  /** A probe or connect that takes longer than this counts as a lost connection. */
  probeTimeoutMs: number;
}

export const defaultListenerTiming: ListenerTiming = { minBackoffMs: 100, maxBackoffMs: 2000, probeMs: 5000, probeTimeoutMs: 3000 };

// Timestamps stay Date objects, bigints come back as strings (ids are cast in SQL where needed).
/**
 * Opens a PostgreSQL pool plus one dedicated LISTEN connection (opened on first listen). The LISTEN
 * connection is re-established for as long as the database is away (backoff capped at
 * `maxBackoffMs`, so live events return within seconds of the database), and its subscribers hear
 * when it was lost and when it is back: whatever was notified in between is gone, so they resync.
 */
export async function openPostgres(
  url: string,
  options: { max?: number; listener?: Partial<ListenerTiming> } = {},
): Promise<Db> {
  const timing = { ...defaultListenerTiming, ...options.listener };
  // No JIT: Paddock's statements are short, and the group list's estimated cost (a lateral join per
  // group) crossed jit_above_cost, so PostgreSQL spent 1.2 s compiling a list that runs in less.
  // A pool that waits for ever for a connection turns an unreachable database into hung requests.
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, options: '-c jit=off', connectionTimeoutMillis: 5000 });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  await pool.query('SELECT 1');
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const watchers = new Set<(up: boolean) => void>();
  let listener: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let probe: NodeJS.Timeout | null = null;
  let backoff = timing.minBackoffMs;
  let lost = false;
  let closed = false;

  const tell = (up: boolean) => {
    for (const w of watchers) {
      try {
        w(up);
      } catch {
        // a watcher's failure must not stop the others
      }
    }
  };

  /** The LISTEN connection died (error, end, failed probe): forget it, tell once, and reconnect. */
  function drop(client: pg.Client): void {
    if (listener !== client) return;
    listener = null;
    if (probe) clearInterval(probe);
    probe = null;
    client.removeAllListeners('notification');
    client.on('error', () => {});
    client.end().catch(() => {});
    if (!lost) {
      lost = true;
      tell(false);
    }
    schedule();
  }

  function schedule(): void {
    if (closed || retry || handlers.size === 0) return;
    const delay = backoff;
    backoff = Math.min(backoff * 2, timing.maxBackoffMs);
    retry = setTimeout(() => {
      retry = null;
      ensureListener().catch(() => schedule());
    }, delay);
    retry.unref();
  }

  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: timing.probeTimeoutMs });
    client.on('error', () => drop(client));
    client.on('end', () => drop(client));
    client.on('notification', (n) => {
      for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      client.removeAllListeners('end');
      client.removeAllListeners('error');
      client.on('error', () => {});
      await client.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await client.end().catch(() => {});
      throw new Error('the database was closed');
    }
    listener = client;
    backoff = timing.minBackoffMs;
    // An idle TCP connection to a vanished server can look alive for minutes: probe it.
    probe = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('LISTEN probe timed out')), timing.probeTimeoutMs);
      });
      Promise.race([client.query('SELECT 1'), timeout])
        .catch(() => drop(client))
        .finally(() => clearTimeout(timer));
    }, timing.probeMs);
    probe.unref();
    if (lost) {
      lost = false;
      tell(true);
    }
    return client;
  }

  function ensureListener(): Promise<pg.Client> {
    if (listener) return Promise.resolve(listener);
    connecting ??= connectListener().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params as unknown[])).rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      // A checked-out client has no listener for 'error': the server terminating its connection
      // between two statements (a PostgreSQL restart) would be an uncaught exception and end the
      // process. The next statement fails instead and the request answers 503.
      const ignore = () => {};
      client.on('error', ignore);
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
        client.off('error', ignore);
        client.release();
      }
    },
    async listen(channel, onPayload, onConnection) {
      const isNew = !handlers.has(channel);
      if (isNew) handlers.set(channel, new Set());
      handlers.get(channel)!.add(onPayload);
      if (onConnection) watchers.add(onConnection);
      const client = await ensureListener();
      if (isNew && listener === client) await client.query(`LISTEN ${quoteIdent(channel)}`);
      return async () => {
        handlers.get(channel)?.delete(onPayload);
        if (onConnection) watchers.delete(onConnection);
      };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (probe) clearInterval(probe);
      retry = null;
      probe = null;
      const l = listener;
      listener = null;
      if (l) {
        l.removeAllListeners('end');
        l.removeAllListeners('error');
        l.on('error', () => {});
        await l.end().catch(() => {});
      }
      await pool.end();
    },
  };
}

const unavailableCodes = new Set([
  // the network: refused, reset, unreachable, name lookup
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTDOWN',
  // PostgreSQL: admin or crash shutdown, starting up, too many connections
  '57P01', '57P02', '57P03', '53300',
]);
const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed|Client was closed and is not queryable/i;

/**
 * True for an error that says the database cannot be reached right now (not that the request was
 * wrong): pg's network errors, SQLSTATE class 08 and shutdown codes, pool timeouts, a closed PGlite.
 * These are 503 with Retry-After, never 500.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (unavailableCodes.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.message === 'string' && unavailableMessages.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
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
