// How costs grow with what the database holds (PRODUCT.md §9 round 2, issue 19): 1,000 / 10,000 /
// 50,000 registered instances, then 100,000 ended ones kept — group list and instance page p50,
// database size, server RSS. Then a steady churn of runners (register, live a while, end) with a short
// retention window: the database stops growing once the window has passed, and heartbeats are answered
// while old rows are deleted.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { api } from '../src/contract';
import { pgliteStartParams } from '../src/server/store/db';
import { benchAdminPassword, type ControlPlane, inParallel, registerInstance, startControlPlane } from './lib/control-plane';
import { type LoadResult, runLoad } from './lib/load';
import { rssMB } from './lib/processes';
import { round } from './lib/stats';

export type GrowthDb = 'pglite' | 'postgres';

/** One row of `growth[]` in latest.json. */
export interface GrowthRow {
  db: GrowthDb;
  /** `growth`: a step of the ladder; `churn`: a sample during the steady churn. */
  phase: 'growth' | 'churn';
  /** Churn: seconds since it began; null for growth rows. */
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
    body: JSON.stringify({ username: 'admin', password: benchAdminPassword }),
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
    // Up to connections − 1 requests past the count repeat a token: an instance already ended stays so.
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

/** A control plane whose database size the bench can read while it runs. */
async function startMeasured(o: { db: GrowthDb; databaseUrl?: string; env: Record<string, string> }): Promise<{ cp: ControlPlane; sizes: SizeProbe }> {
  if (o.db === 'postgres') {
    const cp = await startControlPlane({ databaseUrl: o.databaseUrl, env: o.env });
    return { cp, sizes: await postgresSizes(o.databaseUrl!) };
  }
  const first = await startControlPlane({ env: o.env });
  const dataDir = first.dataDir;
  // Keep the directory: stop() removes the ones it made, so this control plane is stopped by signal.
  await first.process.stop();
  const sizes = await pgliteSizes(dataDir);
  const cp = await startControlPlane({ env: o.env, dataDir });
  const stop = cp.stop;
  cp.stop = async () => {
    await stop();
    await first.stop();
  };
  return { cp, sizes };
}

/** Grows one control plane through the steps, then adds the ended instances; a row after each. */
export async function measureGrowth(o: GrowthOptions): Promise<{ rows: GrowthRow[]; notes: string[] }> {
  const notes: string[] = [];
  const rows: GrowthRow[] = [];
  // Registered instances stay connected without heartbeats (their cost is the heartbeat figure's):
  // the offline window is a day here.
  const { cp, sizes } = await startMeasured({ db: o.db, databaseUrl: o.databaseUrl, env: { PADDOCK_OFFLINE_AFTER_SECONDS: '86400' } });
  try {
    const cookie = await signInCookie(cp.url);
    const groups = await createGroups(cp.url, cookie, o.groups, 'Growth');
    const pagePath = `${api.runnerGroups}/${groups[0]!.id}/instances?limit=100`;
    const measure = async (registered: number, ended: number) => {
      const groupListP50Ms = await readP50(cp.url, cookie, api.runnerGroups, o.readSeconds);
      const instancePageP50Ms = await readP50(cp.url, cookie, pagePath, o.readSeconds);
      const s = await sizes.read();
      const row: GrowthRow = {
        db: o.db,
        phase: 'growth',
        atSec: null,
        registered,
        ended,
        groupListP50Ms,
        instancePageP50Ms,
        dbSizeMB: mb(s.total),
        instancesMB: mb(s.instances),
        eventsMB: mb(s.events),
        rssMB: round(rssMB(cp.process.pid), 0),
      };
      rows.push(row);
      o.log(
        `growth ${o.db}: ${registered} registered, ${ended} ended: group list p50 ${row.groupListP50Ms} ms, instance page p50 ${row.instancePageP50Ms} ms, database ${row.dbSizeMB} MB (instances ${row.instancesMB}, events ${row.eventsMB}), RSS ${row.rssMB} MB`,
      );
    };
    let have = 0;
    for (const step of o.steps) {
      const t0 = performance.now();
      await registerMany(cp.url, groups, have, step, 'live');
      o.log(`growth ${o.db}: registered ${step - have} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      have = step;
      await measure(have, 0);
    }
    if (o.ended > 0) {
      const t0 = performance.now();
      // In chunks, so the bench holds a bounded number of tokens.
      for (let done = 0; done < o.ended; done += 10_000) {
        const n = Math.min(10_000, o.ended - done);
        await terminateAll(cp.url, await registerMany(cp.url, groups, done, done + n, 'ended'));
      }
      o.log(`growth ${o.db}: registered and ended ${o.ended} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      await measure(have, o.ended);
    }
    const page = await fetch(`${cp.url}${pagePath}`, { headers: { cookie } });
    const body = (await page.json()) as unknown;
    const paged = !Array.isArray(body);
    const listed = Array.isArray(body) ? body.length : null;
    notes.push(
      `growth ${o.db}: ${o.groups} groups, instances spread evenly; registered instances stay connected without heartbeats (offline window 1 day here: heartbeat cost is the heartbeat figure's); group list = GET ${api.runnerGroups}, instance page = GET …/instances?limit=100 of one group${paged ? '' : ` (no paging on this commit: the whole list, ${listed} instances at the last step)`}; p50 of sequential GETs over ${o.readSeconds} s; database = ${o.db === 'postgres' ? 'pg_database_size' : "the files of PGlite's database directory"}, instances/events = table + indexes + TOAST; RSS = control-plane process`,
    );
    return { rows, notes };
  } finally {
    await sizes.close();
    await cp.stop();
  }
}

/**
 * A steady churn: `perSec` runners register, each ends (`terminated`) `lifetimeSec` later, with a
 * retention window of `retentionSec`; meanwhile steady instances heartbeat at a fixed rate.
 */
export async function measureChurn(o: ChurnOptions): Promise<ChurnRun> {
  const retentionDays = o.retentionSec / 86_400;
  const { cp, sizes } = await startMeasured({
    db: o.db,
    databaseUrl: o.databaseUrl,
    // The default offline window (20 s): a stalled heartbeat would show as a steady instance marked
    // disconnected. Churning runners end before it (lifetime < 20 s), so they need no heartbeats.
    env: { PADDOCK_RETENTION_DAYS: String(retentionDays) },
  });
  try {
    const cookie = await signInCookie(cp.url);
    const [steadyGroup, ...groups] = await createGroups(cp.url, cookie, 5, 'Churn');
    const steady = await registerMany(cp.url, [steadyGroup!], 0, o.steadyInstances, 'steady');
    const pagePath = `${api.runnerGroups}/${groups[0]!.id}/instances?limit=100`;
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
        const s = await sizes.read();
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
          rssMB: round(rssMB(cp.process.pid), 0),
        };
        rows.push(row);
        o.log(
          `churn ${o.db} +${at} s: ${row.registered} connected, ${row.ended} ended kept (${ended} ended so far), database ${row.dbSizeMB} MB (instances ${row.instancesMB}, events ${row.eventsMB}), RSS ${row.rssMB} MB`,
        );
      }
    };
    const body = JSON.stringify({ version: '1.4.0' });
    const heartbeats = runLoad({
      baseUrl: cp.url,
      connections: 16,
      warmupMs: 0,
      durationMs: o.durationSec * 1000,
      maxRequests: 50_000_000,
      offeredPerSec: o.heartbeatsPerSec,
      build: (i) => ({
        path: api.runnerHeartbeat,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${steady[i % steady.length]}` },
        body,
      }),
    });
    await Promise.all([churn(), sample()]);
    const hb = await heartbeats;
    await Promise.all(inFlight);
    const steadyConnected = (await counts(cp.url, cookie, [steadyGroup!.id])).connected;
    const notes = [
      `churn ${o.db}: ${o.perSec} runners/s registered, each ended (terminated) ${o.lifetimeSec} s later, for ${o.durationSec} s; ended instances kept ${o.retentionSec} s (PADDOCK_RETENTION_DAYS=${round(retentionDays, 6)}), pruned once a minute in batches of 500; events are kept one day by design (live-event replay), so the events table grows for a day under churn and is shown apart; meanwhile ${o.steadyInstances} steady instances heartbeat at ${o.heartbeatsPerSec}/s (open loop): ${hb.ratePerSec}/s answered, p50 ${hb.p50Ms} ms, p99 ${hb.p99Ms} ms, ${hb.errors} errors; ${failures} churning runners failed to register or end; steady instances marked disconnected: ${o.steadyInstances - steadyConnected} of ${o.steadyInstances}; registered/ended columns count the churning groups only`,
    ];
    return { rows, heartbeats: hb, notes };
  } finally {
    await sizes.close();
    await cp.stop();
  }
}

/** Connected and ended instances over the given groups, from the API's group list counts. */
async function counts(baseUrl: string, cookie: string, groupIds: string[]): Promise<{ connected: number; ended: number }> {
  const res = await fetch(`${baseUrl}${api.runnerGroups}`, { headers: { cookie } });
  const list = (await res.json()) as Array<{ id: string; instanceCount: number; connectedCount: number }>;
  let connected = 0;
  let total = 0;
  for (const g of list) {
    if (!groupIds.includes(g.id)) continue;
    connected += g.connectedCount;
    total += g.instanceCount;
  }
  return { connected, ended: total - connected };
}
