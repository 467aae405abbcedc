// How costs grow with what the database holds (PRODUCT.md §9 round 2, issue 19): 1,000 / 10,000 /
// 50,000 registered instances, then 100,000 ended ones kept — group list and instance page p50,
// database size, server RSS. Then a steady churn of runners (register, live a while, end) with a short
// retention window: the database stops growing once the window has passed, and heartbeats are answered
// while old rows are deleted.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { api } from '../src/contract';
import { type Db, openPglite, openPostgres, pgliteStartParams } from '../src/server/store/db';
import { insertInstance, terminateInstance } from '../src/server/store/instances';
import { type BundledControlPlane, startBundledControlPlane, tempDataDir } from './lib/bundled-server';
import { testAdminPassword } from '../src/testing/processes';
import { firstHeartbeats, inParallel, registerInstance } from './lib/fleet';
import { type LoadResult, runLoad } from './lib/load';
import { rssMB } from './lib/sample';
import { round } from './lib/stats';

export type GrowthDb = 'pglite' | 'postgres';

/** One row of `growth[]` in latest.json. */
export interface GrowthRow {
  db: GrowthDb;
  /** `growth`: a step of the ladder; `churn`: a sample during the steady churn. */
  phase: 'growth' | 'churn';
  /** Churn: seconds since it began; growth: seconds after its rows were written (null: at once). */
  atSec: number | null;
  /** Connected instances. */
  registered: number;
  /** Ended instances kept (terminated, in the retention window). */
  ended: number;
  groupListP50Ms: number | null;
  instancePageP50Ms: number | null;
  /** The database's files (PostgreSQL: pg_database_size; PGlite: its database directory), MB. */
  dbSizeMB: number | null;
  /** Of which: the instances table with its indexes and TOAST, and the live-event log. */
  instancesMB: number | null;
  eventsMB: number | null;
  rssMB: number | null;
}

export interface GrowthOptions {
  db: GrowthDb;
  databaseUrl?: string;
  /** Registered (connected) instances at each step, increasing. */
  steps: number[];
  /** Ended instances added after the last step. */
  ended: number;
  groups: number;
  /** Seconds of reads per p50. */
  readSeconds: number;
  log: (line: string) => void;
}

export interface ChurnOptions {
  db: GrowthDb;
  databaseUrl?: string;
  /** New runners a second, each ending after `lifetimeSec`. */
  perSec: number;
  lifetimeSec: number;
  /** Retention window for ended instances (PADDOCK_RETENTION_DAYS, as seconds). */
  retentionSec: number;
  durationSec: number;
  sampleEverySec: number;
  /** Long-lived instances (a group of their own) heartbeating at `heartbeatsPerSec` (open loop) during the churn. */
  steadyInstances: number;
  heartbeatsPerSec: number;
  log: (line: string) => void;
}

export interface ChurnRun {
  rows: GrowthRow[];
  /** The heartbeats sent during the churn (open loop). */
  heartbeats: LoadResult;
  /** The same heartbeats, same rate, just before the churn began: the reference on this machine now. */
  baseline: LoadResult;
  /** From the server's retention log lines: what heartbeats could have waited behind. */
  retention: { rounds: number; instancesDeleted: number; longestStatementMs: number | null; longestVacuumMs: number | null };
  notes: string[];
}

const mb = (bytes: number | null) => (bytes === null ? null : round(bytes / 1024 ** 2, 1));

/** Bytes of the files in a directory tree (0 when missing). */
function treeBytes(path: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch {
    return 0;
  }
  for (const e of entries) {
    try {
      const s = statSync(join(path, e));
      total += s.isDirectory() ? treeBytes(join(path, e)) : s.size;
    } catch {
      // removed meanwhile (a dropped relation)
    }
  }
  return total;
}

interface Sizes {
  total: number | null;
  instances: number | null;
  events: number | null;
}

/** Reads the database's size from outside the control plane. */
interface SizeProbe {
  read(): Promise<Sizes>;
  close(): Promise<void>;
}

async function postgresSizes(url: string): Promise<SizeProbe> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async read() {
      const { rows } = await client.query<{ total: string; instances: string; events: string }>(
        `SELECT pg_database_size(current_database())::text AS total,
           pg_total_relation_size('instances')::text AS instances, pg_total_relation_size('events')::text AS events`,
      );
      const r = rows[0]!;
      return { total: Number(r.total), instances: Number(r.instances), events: Number(r.events) };
    },
    close: () => client.end(),
  };
}

/**
 * PGlite allows one process per data directory, so its sizes are read from the files: the control
 * plane is stopped once after it migrated, the bench opens the directory to learn which files hold
 * which table (plain VACUUM keeps them), and the control plane is started again.
 */
async function pgliteSizes(dataDir: string): Promise<SizeProbe> {
  const pgdata = join(dataDir, 'pgdata');
  const pgl = await PGlite.create(pgdata, { startParams: [...pgliteStartParams] });
  let dbDir: string;
  const files: Record<'instances' | 'events', string[]> = { instances: [], events: [] };
  try {
    const [db] = (await pgl.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = current_database()')).rows;
    dbDir = join(pgdata, 'base', String(db!.oid));
    for (const table of ['instances', 'events'] as const) {
      const { rows } = await pgl.query<{ path: string }>(
        `SELECT pg_relation_filepath(c.oid) AS path FROM pg_class c
         WHERE c.oid = $1::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)
            OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)
            OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = (SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass))`,
        [table],
      );
      files[table] = rows.filter((r) => r.path).map((r) => join(pgdata, r.path));
    }
  } finally {
    await pgl.close();
  }
  // A relation's forks and 1 GB segments: <file>, <file>_fsm, <file>_vm, <file>.1, …
  const relationBytes = (paths: string[]) => {
    let total = 0;
    for (const p of paths) {
      const dir = join(p, '..');
      const base = p.slice(dir.length + 1);
      for (const f of readdirSync(dir)) {
        if (f === base || f.startsWith(`${base}_`) || f.startsWith(`${base}.`)) {
          try {
            total += statSync(join(dir, f)).size;
          } catch {
            // gone
          }
        }
      }
    }
    return total;
  };
  return {
    async read() {
      return { total: treeBytes(dbDir), instances: relationBytes(files.instances), events: relationBytes(files.events) };
    },
    async close() {},
  };
}

async function signInCookie(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}${api.session}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock', origin: baseUrl },
    body: JSON.stringify({ username: 'admin', password: testAdminPassword }),
  });
  if (!res.ok) throw new Error(`sign in failed: HTTP ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function createGroups(baseUrl: string, cookie: string, count: number, prefix: string): Promise<Array<{ id: string; key: string }>> {
  const out: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${baseUrl}${api.runnerGroups}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-requested-with': 'paddock', origin: baseUrl },
      body: JSON.stringify({ name: `${prefix} ${String(i).padStart(3, '0')}`, isDefault: i === 0 }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`create group: HTTP ${res.status} ${text.slice(0, 200)}`);
    const g = JSON.parse(text) as { id: string; registrationKey: string };
    out.push({ id: g.id, key: g.registrationKey });
  }
  return out;
}

/** Sequential GETs (one connection) for `seconds`: the p50 a console user would see. */
async function readP50(baseUrl: string, cookie: string, path: string, seconds: number): Promise<number | null> {
  const r = await runLoad({
    baseUrl,
    connections: 1,
    warmupMs: Math.min(1000, seconds * 200),
    durationMs: seconds * 1000,
    maxRequests: 1_000_000,
    timeoutMs: 60_000,
    build: () => ({ path, method: 'GET', headers: { cookie } }),
  });
  if (r.errors > 0) throw new Error(`GET ${path}: ${r.errors} errors (${JSON.stringify(r.errorKinds)})`);
  return r.p50Ms;
}

/** Ends instances through the runner protocol, as their runners would (`terminated`, exit 0). */
async function terminateAll(baseUrl: string, tokens: string[]): Promise<void> {
  if (tokens.length === 0) return;
  const body = JSON.stringify({ type: 'terminated', exitCode: 0 });
  const r = await runLoad({
    baseUrl,
    connections: 16,
    warmupMs: 0,
    durationMs: 3_600_000,
    maxRequests: tokens.length,
    timeoutMs: 60_000,
    // Up to connections − 1 requests past the count repeat a token: the instance has ended, and an ended
    // instance's token gets 410 (PRODUCT.md §8 round 2), as its runner would hear.
    ok: (status) => status === 202 || status === 410,
    build: (i) => ({
      path: api.runnerEvents,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
      body,
    }),
  });
  if (r.errors > 0) throw new Error(`terminating ${tokens.length} instances: ${r.errors} errors (${JSON.stringify(r.errorKinds)})`);
}

async function registerMany(baseUrl: string, groups: Array<{ key: string }>, from: number, to: number, prefix: string): Promise<string[]> {
  const tokens: string[] = new Array(to - from);
  await inParallel(to - from, 16, async (i) => {
    const n = from + i;
    tokens[i] = (await registerInstance(baseUrl, groups[n % groups.length]!.key, `${prefix}-${n}`)).instanceToken;
  });
  return tokens;
}

/** A control plane (compiled, as npm start runs it) whose database size the bench can read while it runs. */
interface Measured {
  cp: BundledControlPlane;
  sizes: SizeProbe;
  /** Writes to the database directly: PGlite's server is stopped meanwhile and started again after. */
  withDatabase(fn: (db: Db) => Promise<void>): Promise<void>;
  /** Stops the control plane and starts it again on the same database with more environment. */
  restart(env: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

async function startMeasured(o: { db: GrowthDb; databaseUrl?: string; env: Record<string, string> }): Promise<Measured> {
  const data = tempDataDir('paddock-bench-growth-');
  const start = (more: Record<string, string> = {}) =>
    startBundledControlPlane({ databaseUrl: o.databaseUrl, dataDir: data.dir, env: { ...o.env, ...more } });
  let cp = await start();
  let sizes: SizeProbe;
  if (o.db === 'postgres') sizes = await postgresSizes(o.databaseUrl!);
  else {
    await cp.stop();
    sizes = await pgliteSizes(data.dir);
    cp = await start();
  }
  const m: Measured = {
    cp,
    sizes,
    async withDatabase(fn) {
      if (o.db === 'postgres') {
        const db = await openPostgres(o.databaseUrl!, { max: 2 });
        try {
          await fn(db);
        } finally {
          await db.close();
        }
        return;
      }
      await m.cp.stop();
      const db = await openPglite(data.dir);
      try {
        await fn(db);
      } finally {
        await db.close();
      }
      m.cp = await start();
    },
    async restart(env) {
      await m.cp.stop();
      m.cp = await start(env);
    },
    async stop() {
      await sizes.close();
      await m.cp.stop();
      data.remove();
    },
  };
  return m;
}

/**
 * Writes `count` ended instances straight into the database (through the store's own functions),
 * spread over the groups, ended a minute ago: the API would take minutes for 100,000 of them, and the
 * rows are the same. No live events are written for them (those are pruned within a day anyway).
 */
async function seedEnded(db: Db, groupIds: string[], count: number): Promise<void> {
  const at = new Date(Date.now() - 60_000);
  for (let done = 0; done < count; done += 1000) {
    await db.transaction(async (tx) => {
      for (let n = done; n < Math.min(count, done + 1000); n++) {
        const id = randomUUID();
        await insertInstance(tx, {
          id,
          groupId: groupIds[n % groupIds.length]!,
          tokenHash: createHash('sha256').update(id).digest('hex'),
          name: `ended-${n}`,
          platform: 'process',
          hostname: `ended-${n}`,
          address: '10.20.30.40',
          os: 'linux',
          arch: 'x64',
          version: '1.4.0',
          at,
        });
        await terminateInstance(tx, id, { exitCode: 0, signal: null, reason: null, at, cause: 'completed' });
      }
    });
  }
}

/** Grows one control plane through the steps, then adds the ended instances; a row after each. */
export async function measureGrowth(o: GrowthOptions): Promise<{ rows: GrowthRow[]; backlog: BacklogRun | null; notes: string[] }> {
  const notes: string[] = [];
  const rows: GrowthRow[] = [];
  // Registered instances stay connected without heartbeats (their cost is the heartbeat figure's):
  // the offline window is a day here.
  const m = await startMeasured({ db: o.db, databaseUrl: o.databaseUrl, env: { PADDOCK_OFFLINE_AFTER_SECONDS: '86400' } });
  try {
    let cookie = await signInCookie(m.cp.url);
    const groups = await createGroups(m.cp.url, cookie, o.groups, 'Growth');
    const pagePath = `${api.runnerGroups}/${groups[0]!.id}/instances?limit=100`;
    const measure = async (registered: number, ended: number, atSec: number | null = null) => {
      const groupListP50Ms = await readP50(m.cp.url, cookie, api.runnerGroups, o.readSeconds);
      const instancePageP50Ms = await readP50(m.cp.url, cookie, pagePath, o.readSeconds);
      const s = await m.sizes.read();
      const row: GrowthRow = {
        db: o.db,
        phase: 'growth',
        atSec,
        registered,
        ended,
        groupListP50Ms,
        instancePageP50Ms,
        dbSizeMB: mb(s.total),
        instancesMB: mb(s.instances),
        eventsMB: mb(s.events),
        rssMB: round(rssMB(m.cp.pid), 0),
      };
      rows.push(row);
      o.log(
        `growth ${o.db}: ${registered} registered, ${ended} ended${atSec === null ? '' : `, ${atSec} s later`}: group list p50 ${row.groupListP50Ms} ms, instance page p50 ${row.instancePageP50Ms} ms, database ${row.dbSizeMB} MB (instances ${row.instancesMB}, events ${row.eventsMB}), RSS ${row.rssMB} MB`,
      );
    };
    let have = 0;
    const liveTokens: string[] = [];
    for (const step of o.steps) {
      const t0 = performance.now();
      const tokens = await registerMany(m.cp.url, groups, have, step, 'live');
      if (liveTokens.length < 1000) liveTokens.push(...tokens.slice(0, 1000 - liveTokens.length));
      o.log(`growth ${o.db}: registered ${step - have} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      have = step;
      await measure(have, 0);
    }
    if (o.ended > 0) {
      // A sample through the runner protocol (register, then `terminated`), the rest written directly.
      const t0 = performance.now();
      const viaApi = Math.min(o.ended, 1000);
      await terminateAll(m.cp.url, await registerMany(m.cp.url, groups, 0, viaApi, 'ended-api'));
      const apiSec = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await m.withDatabase((db) => seedEnded(db, groups.map((g) => g.id), o.ended - viaApi));
      if (o.db === 'pglite') cookie = await signInCookie(m.cp.url);
      o.log(
        `growth ${o.db}: ended ${viaApi} through the API in ${apiSec.toFixed(0)} s, wrote ${o.ended - viaApi} more in ${((performance.now() - t1) / 1000).toFixed(0)} s`,
      );
      notes.push(
        `growth ${o.db}: of the ${o.ended} ended instances, ${viaApi} registered and ended through the runner protocol (${Math.round(viaApi / apiSec)}/s), the rest written with the store's own insert and terminate functions (the API would take many minutes)${o.db === 'pglite' ? '; PGlite allows one process per directory, so the control plane was restarted for that and its last row is after a restart' : ''}`,
      );
      await measure(have, o.ended);
      // Again once maintenance has passed over the new rows: PGlite's retention round (once a minute,
      // then VACUUM) or PostgreSQL's autovacuum (a minute's nap) sets the visibility map, and the
      // group list's count of ends then reads the index alone.
      await new Promise((r) => setTimeout(r, 65_000));
      await measure(have, o.ended, 65);
    }
    const page = await fetch(`${m.cp.url}${pagePath}`, { headers: { cookie } });
    const body = (await page.json()) as unknown;
    const paged = !Array.isArray(body);
    const listed = Array.isArray(body) ? body.length : null;
    notes.push(
      `growth ${o.db}: ${o.groups} groups, instances spread evenly; registered instances stay connected without heartbeats (offline window 1 day here: heartbeat cost is the heartbeat figure's); group list = GET ${api.runnerGroups}, instance page = GET …/instances?limit=100 of one group${paged ? '' : ` (no paging on this commit: the whole list, ${listed} instances at the last step)`}; p50 of sequential GETs over ${o.readSeconds} s; database = ${o.db === 'postgres' ? 'pg_database_size' : "the files of PGlite's database directory"}, instances/events = table + indexes + TOAST; RSS = control-plane process`,
    );
    const backlog = o.ended > 0 && liveTokens.length > 0 ? await deleteBacklog(m, o, liveTokens) : null;
    if (backlog) notes.push(backlog.note);
    return { rows, backlog, notes };
  } finally {
    await m.stop();
  }
}

/** Retention catching up on a large backlog while runners heartbeat (bench/growth.ts, after the ladder). */
export interface BacklogRun {
  db: GrowthDb;
  /** Ended instances deleted in the round. */
  deleted: number;
  /** Server start → the round's log line. */
  durationMs: number | null;
  /** The worst p99 of the 5-s windows of heartbeats while the round ran. */
  worstP99Ms: number | null;
  /** Errors of every heartbeat of the stage: the restart-only reference, the round, the 10 s after. */
  errors: number;
  /** The p99 of each 5-s window while the round ran, in order (null: nothing answered in it). */
  windowP99Ms: Array<number | null>;
  /**
   * The reference: the first 5 s after a restart with nothing due (the same heartbeats, every token
   * unknown to the fresh process, so each first beat reads the database).
   */
  restartOnlyP99Ms: number | null;
  /** The same heartbeats for 10 s after the round. */
  afterP99Ms: number | null;
  longestStatementMs: number | null;
  vacuumMs: number | null;
  note: string;
}

type RetentionLine = { instances: number; statements: number; longestStatementMs: number; vacuumMs: number };

function retentionLines(output: string): RetentionLine[] {
  return output
    .split('\n')
    .filter((l) => l.includes('"retention: old rows deleted"'))
    .map((l) => JSON.parse(l) as RetentionLine);
}

/**
 * Restarts the control plane with a 30-s retention window, so every ended instance is due at once,
 * and heartbeats `tokens` at 500/s (open loop) until the round is done.
 */
async function deleteBacklog(m: Measured, o: GrowthOptions, tokens: string[]): Promise<BacklogRun> {
  // Registered but never heard from: their first beats (written through) are sent before, not measured.
  await firstHeartbeats(m.cp.url, tokens);
  const body = JSON.stringify({ version: '1.4.0' });
  const beat = (seconds: number) =>
    runLoad({
      baseUrl: m.cp.url,
      connections: 16,
      warmupMs: 0,
      durationMs: seconds * 1000,
      maxRequests: 50_000_000,
      offeredPerSec: 500,
      build: (i) => ({
        path: api.runnerHeartbeat,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
        body,
      }),
    });
  // A restart alone, nothing due (its first retention round finds nothing, its VACUUM little): what the
  // first window below owes to the restart, not to retention.
  await m.restart({});
  const restartOnly = await beat(5);
  await m.restart({ PADDOCK_RETENTION_DAYS: String(30 / 86_400) });
  const started = performance.now();
  let worst: number | null = null;
  const windows: Array<number | null> = [];
  let errors = 0;
  let line: RetentionLine | undefined;
  let durationMs: number | null = null;
  while (!line && performance.now() - started < 600_000) {
    const r = await beat(5);
    worst = Math.max(worst ?? 0, r.p99Ms ?? 0);
    windows.push(r.p99Ms === null ? null : Math.round(r.p99Ms));
    errors += r.errors;
    line = retentionLines(m.cp.output())[0];
    if (line) durationMs = Math.round(performance.now() - started);
  }
  const after = await beat(10);
  const run = {
    db: o.db,
    deleted: line?.instances ?? 0,
    durationMs,
    worstP99Ms: worst,
    errors: errors + after.errors + restartOnly.errors,
    windowP99Ms: windows,
    restartOnlyP99Ms: restartOnly.p99Ms,
    afterP99Ms: after.p99Ms,
    longestStatementMs: line?.longestStatementMs ?? null,
    vacuumMs: line?.vacuumMs ?? null,
  };
  o.log(`retention backlog ${o.db}: ${JSON.stringify(run)}`);
  return {
    ...run,
    note: `retention backlog ${o.db}: restarted with a 30-s window, so all ${o.ended} ended instances were due at once; ${run.deleted} deleted in ${line?.statements ?? '?'} statements of ≤ 500 rows (longest ${run.longestStatementMs} ms, then VACUUM, one table per statement: longest ${run.vacuumMs} ms) within ${run.durationMs} ms of the start (read in 5-s steps); ${tokens.length} live instances heartbeating at 500/s meanwhile: worst 5-s p99 ${run.worstP99Ms} ms (each 5 s: ${windows.map((w) => w ?? 'none answered').join(', ')} ms; the first 5 s after a restart with nothing due, for reference: p99 ${run.restartOnlyP99Ms} ms), ${run.errors} errors; p99 ${run.afterP99Ms} ms in the 10 s after`,
  };
}

/**
 * A steady churn: `perSec` runners register, each ends (`terminated`) `lifetimeSec` later, with a
 * retention window of `retentionSec`; meanwhile steady instances heartbeat at a fixed rate.
 */
export async function measureChurn(o: ChurnOptions): Promise<ChurnRun> {
  const retentionDays = o.retentionSec / 86_400;
  const m = await startMeasured({
    db: o.db,
    databaseUrl: o.databaseUrl,
    // The default offline window (20 s): a stalled heartbeat would show as a steady instance marked
    // disconnected. Churning runners end before it (lifetime < 20 s), so they need no heartbeats.
    env: { PADDOCK_RETENTION_DAYS: String(retentionDays) },
  });
  const cp = m.cp;
  try {
    const cookie = await signInCookie(cp.url);
    const [steadyGroup, ...groups] = await createGroups(cp.url, cookie, 5, 'Churn');
    const steady = await registerMany(cp.url, [steadyGroup!], 0, o.steadyInstances, 'steady');
    await firstHeartbeats(cp.url, steady);
    const pagePath = `${api.runnerGroups}/${groups[0]!.id}/instances?limit=100`;
    const body = JSON.stringify({ version: '1.4.0' });
    const heartbeatLoad = (seconds: number) =>
      runLoad({
        baseUrl: cp.url,
        connections: 16,
        warmupMs: 0,
        durationMs: seconds * 1000,
        maxRequests: 50_000_000,
        offeredPerSec: o.heartbeatsPerSec,
        build: (i) => ({
          path: api.runnerHeartbeat,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${steady[i % steady.length]}` },
          body,
        }),
      });
    const baseline = await heartbeatLoad(Math.min(30, Math.round(o.durationSec / 4)));
    o.log(`churn ${o.db}: heartbeats before the churn: p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms, ${baseline.errors} errors`);
    const rows: GrowthRow[] = [];
    const started = performance.now();
    const stopAt = started + o.durationSec * 1000;
    let ended = 0;
    let failures = 0;
    const inFlight = new Set<Promise<void>>();
    const churn = async () => {
      let n = 0;
      const interval = 1000 / o.perSec;
      let next = performance.now();
      while (performance.now() < stopAt) {
        for (; next <= performance.now(); next += interval) {
          const i = n++;
          const p = (async () => {
            try {
              const r = await registerInstance(cp.url, groups[i % groups.length]!.key, `churn-${i}`);
              await new Promise((res) => setTimeout(res, o.lifetimeSec * 1000));
              const t = await fetch(`${cp.url}${api.runnerEvents}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${r.instanceToken}` },
                body: JSON.stringify({ type: 'terminated', exitCode: 0 }),
              });
              await t.text();
              if (t.status !== 202) throw new Error(`terminated: HTTP ${t.status}`);
              ended++;
            } catch {
              failures++;
            }
          })();
          inFlight.add(p);
          void p.then(() => inFlight.delete(p));
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const sample = async () => {
      for (let at = o.sampleEverySec; at <= o.durationSec; at += o.sampleEverySec) {
        await new Promise((res) => setTimeout(res, Math.max(0, started + at * 1000 - performance.now())));
        const s = await m.sizes.read();
        const list = await readP50(cp.url, cookie, api.runnerGroups, 1);
        const page = await readP50(cp.url, cookie, pagePath, 1);
        const kept = await counts(cp.url, cookie, groups.map((g) => g.id));
        const row: GrowthRow = {
          db: o.db,
          phase: 'churn',
          atSec: at,
          registered: kept.connected,
          ended: kept.ended,
          groupListP50Ms: list,
          instancePageP50Ms: page,
          dbSizeMB: mb(s.total),
          instancesMB: mb(s.instances),
          eventsMB: mb(s.events),
          rssMB: round(rssMB(cp.pid), 0),
        };
        rows.push(row);
        o.log(
          `churn ${o.db} +${at} s: ${row.registered} connected, ${row.ended} ended kept (${ended} ended so far), database ${row.dbSizeMB} MB (instances ${row.instancesMB}, events ${row.eventsMB}), RSS ${row.rssMB} MB`,
        );
      }
    };
    const heartbeats = heartbeatLoad(o.durationSec);
    await Promise.all([churn(), sample()]);
    const hb = await heartbeats;
    await Promise.all(inFlight);
    const steadyConnected = (await counts(cp.url, cookie, [steadyGroup!.id])).connected;
    const rounds = retentionLines(cp.output());
    const retention = {
      rounds: rounds.length,
      instancesDeleted: rounds.reduce((a, r) => a + r.instances, 0),
      longestStatementMs: rounds.length ? Math.max(...rounds.map((r) => r.longestStatementMs)) : null,
      longestVacuumMs: rounds.length ? Math.max(...rounds.map((r) => r.vacuumMs)) : null,
    };
    const notes = [
      `churn ${o.db}: ${o.perSec} runners/s registered, each ended (terminated) ${o.lifetimeSec} s later, for ${o.durationSec} s; ended instances kept ${o.retentionSec} s (PADDOCK_RETENTION_DAYS=${round(retentionDays, 6)}), pruned once a minute in batches of 500; events are kept one day by design (live-event replay), so the events table grows for a day under churn and is shown apart; meanwhile ${o.steadyInstances} steady instances heartbeat at ${o.heartbeatsPerSec}/s (open loop): ${hb.ratePerSec}/s answered, p50 ${hb.p50Ms} ms, p99 ${hb.p99Ms} ms, ${hb.errors} errors (just before the churn, same rate: p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms); retention rounds that deleted rows: ${retention.rounds}, ${retention.instancesDeleted} instances deleted, longest statement ${retention.longestStatementMs} ms, longest VACUUM ${retention.longestVacuumMs} ms; ${failures} churning runners failed to register or end; steady instances marked disconnected: ${o.steadyInstances - steadyConnected} of ${o.steadyInstances}; registered/ended columns count the churning groups only`,
    ];
    return { rows, heartbeats: hb, baseline, retention, notes };
  } finally {
    await m.stop();
  }
}

/** Connected and ended (terminated) instances over the given groups, from their instance lists. */
async function counts(baseUrl: string, cookie: string, groupIds: string[]): Promise<{ connected: number; ended: number }> {
  let connected = 0;
  let ended = 0;
  for (const id of groupIds) {
    const res = await fetch(`${baseUrl}${api.runnerGroups}/${id}/instances`, { headers: { cookie } });
    const body = (await res.json()) as Array<{ status: string }> | { items: Array<{ status: string }> };
    for (const i of Array.isArray(body) ? body : body.items) {
      if (i.status === 'connected') connected++;
      else if (i.status === 'terminated') ended++;
    }
  }
  return { connected, ended };
}
