// `npm run bench`: measures every figure of PRODUCT.md §9, prints figure | measured | target |
// reference, and writes bench/results/latest.json. Figures, never pass/fail.
//
//   npm run bench                      the real run (60 s of load per server, 20 trials, 5 kills)
//   npm run bench -- --quick           a short run while developing (→ bench/results/partial.tmp, git-ignored)
//   npm run bench -- --only heartbeat  some figures only: bundle, heartbeat, console, disconnect, live,
//                                      runner, footprint, growth, replicas, alerts, readload (heartbeats under read load)
//
// Environment: PADDOCK_BENCH_SECONDS (load duration), PADDOCK_BENCH_CONNECTIONS (load connections),
// PADDOCK_BENCH_OFFERED (heartbeats/s offered in the open-loop latency run, 2,000),
// PADDOCK_BENCH_INSTANCES (instances the heartbeats rotate over), PADDOCK_BENCH_DATABASE_URL (an
// existing PostgreSQL instead of a throwaway cluster). The runner figures need a Docker engine: the one
// scripts/with-docker.sh exported (PADDOCK_TEST_DOCKER_HOST), else a throwaway one (root and docker.io).
// For the read-load figure, PADDOCK_BENCH_SERVER_LOG=file keeps what its control plane printed and
// PADDOCK_BENCH_DEBUG=1 logs each step of its seeding. PADDOCK_BENCH_GROWTH_DB=pglite|postgres runs
// the growth figures on that database only (a partial run).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildConsole, measureBundle } from './bundle';
import { type ConsoleFigures, measureConsole } from './console';
import { type DisconnectFigures, measureDisconnect } from './disconnect';
import { type FootprintFigures, measureFootprint } from './footprint';
import { type ChurnRun, measureChurn, measureGrowth } from './growth';
import { type IngestRun, measureHello, measureIngest } from './heartbeat';
import { type LiveFigures, measureLive } from './live';
import { measureRunner, type RunnerFigures } from './runner';
import { measureReplicas } from './replicas';
import { type AlertFigures, measureAlerts } from './alerts';
import { measureUnderReadLoad } from './under-read-load';
import { startPostgres } from './lib/postgres';
import { killAllChildren, repoRoot } from '../src/testing/processes';
import { emptyResults, writeResults } from './lib/results';
import { fmt, kib, type Row, renderTable } from './lib/table';

const figures = ['bundle', 'heartbeat', 'console', 'disconnect', 'live', 'runner', 'footprint', 'growth', 'replicas', 'alerts', 'readload'] as const;
type Figure = (typeof figures)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: npm run bench [-- --quick] [-- --only bundle|heartbeat|console|disconnect|live|runner|alerts …] [-- --out file.json]');
  process.exit(0);
}
const only = (values.only ?? []).flatMap((v) => v.split(','));
for (const f of only) {
  if (!figures.includes(f as Figure)) {
    console.error(`unknown figure "${f}"; choose from ${figures.join(', ')}`);
    process.exit(2);
  }
}
const selected = new Set<Figure>(only.length ? (only as Figure[]) : figures);
const quick = values.quick;
const envNumber = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const settings = {
  loadSeconds: envNumber('PADDOCK_BENCH_SECONDS', quick ? 10 : 60),
  warmupSeconds: quick ? 2 : 5,
  connections: envNumber('PADDOCK_BENCH_CONNECTIONS', 32),
  ingestInstances: envNumber('PADDOCK_BENCH_INSTANCES', quick ? 500 : 2_000),
  offeredPerSec: envNumber('PADDOCK_BENCH_OFFERED', 2_000),
  groups: quick ? 200 : 1_000,
  instances: quick ? 1_000 : 10_000,
  trials: quick ? 5 : 20,
  disconnectRuns: quick ? 2 : 5,
  alertRuns: quick ? 2 : 5,
  liveRuns: quick ? 5 : 10,
  runnerRuns: quick ? 2 : 5,
  footprintIdleSeconds: quick ? 15 : 60,
  replicaCounts: [1, 2, 3],
  growthSteps: quick ? [200, 1_000, 2_000] : [1_000, 10_000, 50_000],
  growthEnded: quick ? 2_000 : 100_000,
  growthGroups: 20,
  growthReadSeconds: quick ? 1 : 3,
  churn: {
    perSec: quick ? 20 : 50,
    lifetimeSec: 10,
    retentionSec: quick ? 30 : 120,
    durationSec: quick ? 150 : 420,
    sampleEverySec: quick ? 30 : 60,
    steadyInstances: 1_000,
    heartbeatsPerSec: 500,
  },
  readLoad: { liveInstances: quick ? 2_000 : 10_000, endedInstances: quick ? 2_000 : 10_000, readers: 8 },
};
// A partial run, or one with other settings, must not overwrite the figures of a real one.
const overridden = ['PADDOCK_BENCH_SECONDS', 'PADDOCK_BENCH_CONNECTIONS', 'PADDOCK_BENCH_OFFERED', 'PADDOCK_BENCH_INSTANCES', 'PADDOCK_BENCH_GROWTH_DB'].some(
  (k) => process.env[k] !== undefined,
);
const partial = quick || only.length > 0 || overridden;
const outPath = values.out ?? join(repoRoot, 'bench/results', partial ? 'partial.tmp' : 'latest.json');

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const results = emptyResults(settings.groups, settings.instances);
const notes: string[] = [];
const failed = (what: string, e: unknown) => {
  const message = (e as Error).message?.split('\n').slice(0, 3).join(' ') ?? String(e);
  notes.push(`${what}: not measured (${message})`);
  log(`${what} failed: ${(e as Error).stack ?? message}`);
};

if (quick) notes.push('QUICK RUN: shorter load and fewer trials than the real figures');
notes.push(`settings: ${JSON.stringify(settings)}`);
// The figures are only as quiet as the machine: say how busy it was when the run began.
notes.push(`machine load average at the start ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min)`);

// The console is built once, into a temp dir the bench's servers serve (dist/ is left alone).
const consoleDir = mkdtempSync(join(tmpdir(), 'paddock-bench-console-'));
process.on('exit', () => {
  killAllChildren();
  rmSync(consoleDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
// Every control plane the kit starts from here on serves this build.
process.env.PADDOCK_DIST_DIR = consoleDir;
const needsConsole = selected.has('console') || selected.has('disconnect') || selected.has('live') || selected.has('footprint');

let bundleRunnersFiles = 0;
if (!selected.has('bundle') && needsConsole) {
  log('building the console…');
  await buildConsole(consoleDir);
}
if (selected.has('bundle')) {
  log('bundle: building the console and the floor with Vite…');
  try {
    const b = await measureBundle(consoleDir);
    results.bundle = { runnersPageJsGzipBytes: b.runnersPageJsGzipBytes, floorGzipBytes: b.floorGzipBytes };
    bundleRunnersFiles = b.runnersFiles.length;
    notes.push(...b.notes);
  } catch (e) {
    failed('bundle', e);
  }
}

let hello: IngestRun | null = null;
const ingestRuns: Record<'PGlite' | 'PostgreSQL', IngestRun | null> = { PGlite: null, PostgreSQL: null };
if (selected.has('heartbeat')) {
  const ingest = {
    durationMs: settings.loadSeconds * 1000,
    warmupMs: settings.warmupSeconds * 1000,
    connections: settings.connections,
    instances: settings.ingestInstances,
    offeredPerSec: settings.offeredPerSec,
    log,
  };
  notes.push(
    `heartbeat: load generator in the bench process (raw HTTP/1.1 on ${settings.connections} keep-alive sockets, loopback), server in its own process; per server a closed-loop run (rate = the most it sustains) then an open-loop run offering ${settings.offeredPerSec}/s (p50/p99 = latency at that load, from each request's scheduled time); errors = both runs; ${settings.warmupSeconds} s warm-up then ${settings.loadSeconds} s measured each; ${settings.ingestInstances} registered instances in rotation; RSS = server peak; on 2 cores the generator and the server share the machine, so the generator CPU is printed beside each run, and on PostgreSQL the database's own processes compete for the same cores`,
  );
  // The ceiling is measured before and after the two servers and the better run is kept: on a
  // shared 2-core machine one run alone can land in someone else's busy minute.
  const helloRuns: IngestRun[] = [];
  const measureCeiling = async (when: string) => {
    try {
      log(`heartbeat: bare Hono hello (${when}) for ${settings.loadSeconds} s…`);
      const run = await measureHello(ingest);
      helloRuns.push(run);
      notes.push(...run.notes.map((n) => `${n} (${when})`));
    } catch (e) {
      failed(`hello (${when})`, e);
    }
  };
  await measureCeiling('first');
  try {
    log(`heartbeat: PGlite for ${settings.loadSeconds} s…`);
    const r = await measureIngest('pglite', ingest);
    ingestRuns.PGlite = r;
    results.heartbeat.pglite = r.figures;
    notes.push(...r.notes);
  } catch (e) {
    failed('heartbeat on PGlite', e);
  }
  try {
    const pg = await startPostgres();
    try {
      log(`heartbeat: PostgreSQL ${pg.version} for ${settings.loadSeconds} s…`);
      const url = await pg.createDatabase(`paddock_bench_${Date.now()}`);
      const r = await measureIngest('postgres', { ...ingest, databaseUrl: url, databaseCpuSeconds: () => pg.cpuSeconds() });
      ingestRuns.PostgreSQL = r;
      results.heartbeat.postgres = r.figures;
      notes.push(`postgres: PostgreSQL ${pg.version}`, ...r.notes);
    } finally {
      pg.stop();
    }
  } catch (e) {
    failed('heartbeat on PostgreSQL', e);
  }
  await measureCeiling('last');
  hello = helloRuns.reduce<IngestRun | null>((best, r) => ((r.figures.ratePerSec ?? 0) > (best?.figures.ratePerSec ?? -1) ? r : best), null);
  results.heartbeat.helloRatePerSec = hello?.figures.ratePerSec ?? null;
  if (helloRuns.length === 2) notes.push(`hello: ${helloRuns.map((r) => `${r.figures.ratePerSec}/s`).join(' then ')}; the better is the reference`);
}

let consoleFigures: ConsoleFigures | null = null;
if (selected.has('console')) {
  log(`console: ${settings.groups} groups, ${settings.instances} instances in Chromium…`);
  try {
    consoleFigures = await measureConsole({ groups: settings.groups, instances: settings.instances, trials: settings.trials, log });
    const worst = (k: 'domNodes' | 'firstRenderMs' | 'filterMs') => {
      const a = consoleFigures!.runnersPage[k];
      const b = consoleFigures!.editDialog[k];
      return a === null || b === null ? null : Math.max(a, b);
    };
    results.console = { groups: settings.groups, instances: settings.instances, domNodes: worst('domNodes'), firstRenderMs: worst('firstRenderMs'), filterMs: worst('filterMs') };
    notes.push(
      `console: latest.json holds the worse of the Runners page and the Edit dialog; Runners page ${JSON.stringify(consoleFigures.runnersPage)}, Edit dialog ${JSON.stringify(consoleFigures.editDialog)}; reference with ${consoleFigures.reference.groups} groups / ${consoleFigures.reference.instances} instances: Runners page ${JSON.stringify(consoleFigures.reference.runnersPage)}, Edit dialog ${JSON.stringify(consoleFigures.reference.editDialog)}`,
      ...consoleFigures.notes,
    );
  } catch (e) {
    failed('console', e);
  }
}

let disconnect: DisconnectFigures | null = null;
if (selected.has('disconnect')) {
  log(`disconnect: ${settings.disconnectRuns} SIGTERM and ${settings.disconnectRuns} SIGKILL runs with the default offline window…`);
  try {
    disconnect = await measureDisconnect({ runs: settings.disconnectRuns, log });
    results.disconnect = { sigkillMs: disconnect.sigkillMs, sigtermMs: disconnect.sigtermMs };
    notes.push(...disconnect.notes);
  } catch (e) {
    failed('disconnect', e);
  }
}

let live: LiveFigures | null = null;
if (selected.has('live')) {
  log(`live: ${settings.liveRuns} renames…`);
  try {
    live = await measureLive({ runs: settings.liveRuns, log });
    results.live = { propagationMs: live.propagationMs };
    notes.push(...live.notes);
  } catch (e) {
    failed('live', e);
  }
}

let runner: RunnerFigures | null = null;
if (selected.has('runner')) {
  log(`runner: ${settings.runnerRuns} runner containers from the console's Docker command…`);
  try {
    runner = await measureRunner({ runs: settings.runnerRuns, log });
    results.runner = { startMs: runner.startMs, rssMB: runner.rssMB };
    notes.push(...runner.notes);
  } catch (e) {
    failed('runner', e);
  }
}

let footprint: FootprintFigures | null = null;
if (selected.has('footprint')) {
  try {
    footprint = await measureFootprint({ idleSeconds: settings.footprintIdleSeconds, consoleDir, log });
    results.footprint = {
      idleRssMB: footprint.first.idleRssMB,
      startMs: footprint.first.startMs,
      restartIdleRssMB: footprint.restart.idleRssMB,
      restartStartMs: footprint.restart.startMs,
      peakRssMB: Math.max(footprint.first.peakRssMB ?? 0, footprint.restart.peakRssMB ?? 0) || null,
    };
    notes.push(...footprint.notes);
  } catch (e) {
    failed('footprint', e);
  }
}

const churnRuns: Partial<Record<'pglite' | 'postgres', ChurnRun>> = {};
if (selected.has('growth')) {
  const dbs: Array<{ db: 'pglite' | 'postgres'; label: string }> = [
    { db: 'pglite' as const, label: 'PGlite' },
    { db: 'postgres' as const, label: 'PostgreSQL' },
  ].filter(({ db }) => (process.env.PADDOCK_BENCH_GROWTH_DB ?? db) === db);
  for (const { db, label } of dbs) {
    let pg: Awaited<ReturnType<typeof startPostgres>> | null = null;
    if (db === 'postgres') {
      try {
        pg = await startPostgres();
      } catch (e) {
        failed('growth on PostgreSQL', e);
        continue;
      }
    }
    try {
      try {
        log(`growth ${label}: ${settings.growthSteps.join(' / ')} registered, then ${settings.growthEnded} ended…`);
        const url = pg ? await pg.createDatabase(`paddock_growth_${Date.now()}`) : undefined;
        const g = await measureGrowth({
          db,
          databaseUrl: url,
          steps: settings.growthSteps,
          ended: settings.growthEnded,
          groups: settings.growthGroups,
          readSeconds: settings.growthReadSeconds,
          log,
        });
        results.growth.push(...g.rows);
        if (g.backlog) {
          const { note: _note, ...backlog } = g.backlog;
          results.retention.push(backlog);
        }
        notes.push(...g.notes);
      } catch (e) {
        failed(`growth on ${label}`, e);
      }
      try {
        log(`churn ${label}: ${settings.churn.perSec} runners/s for ${settings.churn.durationSec} s, ended kept ${settings.churn.retentionSec} s…`);
        const url = pg ? await pg.createDatabase(`paddock_churn_${Date.now()}`) : undefined;
        const c = await measureChurn({ db, databaseUrl: url, ...settings.churn, log });
        churnRuns[db] = c;
        results.growth.push(...c.rows);
        notes.push(...c.notes);
      } catch (e) {
        failed(`churn on ${label}`, e);
      }
    } finally {
      pg?.stop();
    }
  }
}

if (selected.has('replicas')) {
  try {
    const pg = await startPostgres();
    try {
      log(`replicas: ${settings.replicaCounts.join(', ')} control planes on PostgreSQL ${pg.version}, ${settings.loadSeconds} s per run…`);
      const r = await measureReplicas({
        counts: settings.replicaCounts,
        pg,
        durationMs: settings.loadSeconds * 1000,
        warmupMs: settings.warmupSeconds * 1000,
        connections: settings.connections,
        instances: settings.ingestInstances,
        offeredPerSec: settings.offeredPerSec,
        log,
      });
      results.replicas = r.rows;
      notes.push(...r.notes);
    } finally {
      pg.stop();
    }
  } catch (e) {
    failed('replicas', e);
  }
}

let alerts: AlertFigures | null = null;
if (selected.has('alerts')) {
  log(`alerts: ${settings.alertRuns} groups' last runners SIGKILLed → group.down webhook…`);
  try {
    alerts = await measureAlerts({ runs: settings.alertRuns, log });
    results.alerts = { latencyMs: alerts.latencyMs };
    notes.push(...alerts.notes);
  } catch (e) {
    failed('alerts', e);
  }
}

if (selected.has('readload')) {
  const r = settings.readLoad;
  log(`readload: ${r.liveInstances} live + ${r.endedInstances} ended instances, ${r.readers} readers, ${settings.offeredPerSec}/s heartbeats…`);
  try {
    const m = await measureUnderReadLoad({
      ...r,
      offeredPerSec: settings.offeredPerSec,
      // Each runner holds its own connection. On 32 sockets the offered rate would be capped at
      // 32 / latency (750/s at 43 ms) and the figure would measure the socket pool: enough sockets
      // that 2,000/s can still be sent at the target's 250 ms.
      connections: Math.max(settings.connections, settings.offeredPerSec / 4),
      warmupMs: Math.max(settings.warmupSeconds, 10) * 1000,
      durationMs: settings.loadSeconds * 1000,
      log,
    });
    results.heartbeat.underReadLoad = m.figures;
    notes.push(...m.notes);
  } catch (e) {
    failed('heartbeats under read load', e);
  }
}

results.at = new Date().toISOString();
results.notes = notes.join('; ');
writeResults(outPath, results);

// ---- the table ----
const h = results.heartbeat;
const helloRate = h.helloRatePerSec;
const pct = (rate: number | null) => (rate === null || !helloRate ? 'n/a' : `${Math.round((rate / helloRate) * 100)} % of hello`);
const ms = (v: number | null | undefined) => fmt(v, 'ms');
const mm = (m: { median: number | null; max: number | null } | undefined) =>
  m ? `${ms(m.median)} median, ${ms(m.max)} max` : 'n/a';
const cf = consoleFigures;
// 100,000 runners heartbeating every 5 s (PRODUCT.md §7's default) send 20,000 heartbeats a second.
const hundredThousandPerSec = 100_000 / 5;
const cores = (msPer1000: number | null) => (msPer1000 === null ? null : (msPer1000 * hundredThousandPerSec) / 1000 / 1000);
function coresFor(f: { cpuMsPer1000: number | null; databaseCpuMsPer1000: number | null }): string {
  const cp = cores(f.cpuMsPer1000);
  const db = cores(f.databaseCpuMsPer1000);
  const hello = helloCpuMsPer1000();
  return `100,000 runners at 5 s = 20,000/s → ${fmt(cp, 'cores', 1)} of control plane${db === null ? '' : ` + ${fmt(db, 'cores', 1)} of PostgreSQL (${fmt(f.databaseCpuMsPer1000, 'ms', 1)} per 1,000)`}; hello ${fmt(hello, 'ms', 1)} per 1,000`;
}
function helloCpuMsPer1000(): number | null {
  return hello?.figures.cpuMsPer1000 ?? null;
}
const ref = cf?.reference;
const rows: Row[] = [
  {
    figure: 'console JS, Runners page (gzip)',
    measured: kib(results.bundle.runnersPageJsGzipBytes),
    target: '≤ 150 KiB',
    reference: `floor ${kib(results.bundle.floorGzipBytes)} (react + react-dom)${bundleRunnersFiles ? `; ${bundleRunnersFiles} files` : ''}`,
  },
  {
    figure: `Runners page, ${settings.groups.toLocaleString('en-US')} groups: DOM elements`,
    measured: fmt(cf?.runnersPage.domNodes),
    target: '≤ 1,500',
    reference: `${fmt(ref?.runnersPage.domNodes)} with ${ref?.groups ?? 10} groups`,
  },
  {
    figure: 'Runners page: first render after data',
    measured: ms(cf?.runnersPage.firstRenderMs),
    target: '≤ 300 ms',
    reference: `${ms(ref?.runnersPage.firstRenderMs)} with ${ref?.groups ?? 10} groups`,
  },
  {
    figure: 'Runners page: filter keystroke → list',
    measured: ms(cf?.runnersPage.filterMs),
    target: '≤ 100 ms',
    reference: `${ms(ref?.runnersPage.filterMs)} with ${ref?.groups ?? 10} groups`,
  },
  {
    figure: `Edit dialog, ${settings.instances.toLocaleString('en-US')} instances: DOM elements`,
    measured: fmt(cf?.editDialog.domNodes),
    target: '≤ 1,500',
    reference: `${fmt(ref?.editDialog.domNodes)} with ${ref?.instances ?? 10} instances`,
  },
  {
    figure: 'Edit dialog: first render after data',
    measured: ms(cf?.editDialog.firstRenderMs),
    target: '≤ 300 ms',
    reference: `${ms(ref?.editDialog.firstRenderMs)} with ${ref?.instances ?? 10} instances`,
  },
  {
    figure: 'Edit dialog: filter keystroke → list',
    measured: ms(cf?.editDialog.filterMs),
    target: '≤ 100 ms',
    reference: `${ms(ref?.editDialog.filterMs)} with ${ref?.instances ?? 10} instances`,
  },
];
for (const [label, f] of [['PGlite', h.pglite], ['PostgreSQL', h.postgres]] as const) {
  const run = ingestRuns[label];
  const offered = run?.atTarget ? ` at ${settings.offeredPerSec.toLocaleString('en-US')}/s offered` : ' at saturation';
  const sat = (k: 'p50Ms' | 'p99Ms') => `${fmt(run?.saturation[k], 'ms', 2)} at saturation; hello ${fmt(hello?.figures[k], 'ms', 2)} at saturation`;
  rows.push(
    {
      figure: `heartbeat ingest, ${label}: rate (${settings.loadSeconds} s)`,
      measured: fmt(f.ratePerSec, '/s'),
      target: '≥ 2,000/s and ≥ 25 % of hello',
      reference: `hello ${fmt(helloRate, '/s')}; ${pct(f.ratePerSec)}`,
    },
    { figure: `heartbeat ingest, ${label}: p50${offered}`, measured: fmt(f.p50Ms, 'ms', 2), target: '—', reference: sat('p50Ms') },
    { figure: `heartbeat ingest, ${label}: p99${offered}`, measured: fmt(f.p99Ms, 'ms', 2), target: '≤ 50 ms', reference: sat('p99Ms') },
    { figure: `heartbeat ingest, ${label}: errors`, measured: fmt(f.errors), target: '0', reference: `hello ${fmt(hello?.figures.errors)}` },
    { figure: `heartbeat ingest, ${label}: server RSS`, measured: fmt(f.rssMB, 'MB'), target: '—', reference: `hello ${fmt(hello?.figures.rssMB, 'MB')}` },
    {
      figure: `heartbeat cost, ${label}: CPU per 1,000${offered}`,
      measured: fmt(f.cpuMsPer1000, 'ms', 1),
      target: 'printed; cores for 100,000 runners',
      reference: coresFor(f),
    },
  );
}
const rl = h.underReadLoad;
rows.push(
  {
    figure: `heartbeats under read load: p99 at ${fmt(rl.offeredPerSec)}/s offered`,
    measured: fmt(rl.p99Ms, 'ms', 1),
    target: '≤ 250 ms',
    reference: `${rl.readers} readers of a ${fmt(rl.listInstances)}-instance list: ${fmt(rl.readsPerSec, 'reads/s', 1)}, read p50 ${ms(rl.readP50Ms)}, ${kib(rl.readBytes)} a read`,
  },
  {
    figure: 'heartbeats under read load: live instances marked disconnected',
    measured: fmt(rl.markedDisconnected),
    target: '0',
    reference: `heartbeat p50 ${fmt(rl.p50Ms, 'ms', 1)}, ${fmt(rl.ratePerSec, '/s')} answered, ${fmt(rl.errors)} errors`,
  },
  {
    figure: 'disconnect shown: SIGKILL → red',
    measured: mm(results.disconnect.sigkillMs),
    target: '≤ 22,000 ms',
    reference: `API ${mm(disconnect?.reference.sigkillApiMs)}; offline window 20,000 ms`,
  },
  {
    figure: 'disconnect shown: SIGTERM → red',
    measured: mm(results.disconnect.sigtermMs),
    target: '≤ 2,000 ms',
    reference: `API ${mm(disconnect?.reference.sigtermApiMs)}; runner exit ${mm(disconnect?.reference.sigtermExitMs)}`,
  },
  {
    figure: 'live propagation: change → console',
    measured: mm(results.live.propagationMs),
    target: '≤ 1,000 ms',
    reference: `the change's own request ${mm(live?.reference.requestMs)}`,
  },
  {
    figure: 'runner start: process start → registered',
    measured: ms(results.runner.startMs),
    target: '≤ 1,500 ms',
    reference: runner ? `max ${ms(runner.reference.startMs.max)}; docker run → registered ${mm(runner.reference.dockerRunMs)}` : 'n/a',
  },
  {
    figure: 'runner RSS (the runner process)',
    measured: fmt(results.runner.rssMB, 'MiB', 1),
    target: '≤ 60 MiB',
    reference: runner ? `its worker ${fmt(runner.reference.workerRssMB.median, 'MiB', 1)}; both ${fmt(runner.reference.totalRssMB.median, 'MiB', 1)}` : 'n/a',
  },
  {
    figure: 'alert: last runner SIGKILLed → group.down webhook',
    measured: mm(results.alerts?.latencyMs),
    target: `≤ ${(alerts?.targetMs ?? 82_000).toLocaleString('en-US')} ms`,
    reference: `offline window ${alerts?.offlineAfterSeconds ?? 20} s + alert delay ${alerts?.alertAfterSeconds ?? 60} s + 2 s`,
  },
);

if (selected.has('footprint')) {
  const fp = results.footprint;
  rows.push({
    figure: `idle footprint: npm start on PGlite, RSS ${settings.footprintIdleSeconds} s after start, no load`,
    measured: `${fmt(fp.idleRssMB, 'MiB')} (first start)`,
    target: '≤ 300 MiB',
    reference: `restart ${fmt(fp.restartIdleRssMB, 'MiB')}; peak ${fmt(fp.peakRssMB, 'MiB')}; ready in ${fmt(fp.startMs, 'ms')} (first), ${fmt(fp.restartStartMs, 'ms')} (restart); round 1 ≈ 800 MiB`,
  });
}
const dbLabel = { pglite: 'PGlite', postgres: 'PostgreSQL' } as const;
for (const g of results.growth) {
  const count = (n: number) => n.toLocaleString('en-US');
  const first = results.growth.find((x) => x.db === g.db && x.phase === g.phase);
  if (g.phase === 'growth') {
    rows.push({
      figure: `growth, ${dbLabel[g.db]}: ${count(g.registered)} registered, ${count(g.ended)} ended${g.atSec === null ? '' : `, ${g.atSec} s later`}`,
      measured: `list ${ms(g.groupListP50Ms)}, page ${ms(g.instancePageP50Ms)}, db ${fmt(g.dbSizeMB, 'MB', 1)}, RSS ${fmt(g.rssMB, 'MiB')}`,
      target: 'printed (p50s)',
      reference:
        first && first !== g
          ? `at ${count(first.registered)}: list ${ms(first.groupListP50Ms)}, page ${ms(first.instancePageP50Ms)}, db ${fmt(first.dbSizeMB, 'MB', 1)}, RSS ${fmt(first.rssMB, 'MiB')}`
          : `instances ${fmt(g.instancesMB, 'MB', 1)}, events ${fmt(g.eventsMB, 'MB', 1)}`,
    });
  } else {
    const run = churnRuns[g.db];
    rows.push({
      figure: `churn, ${dbLabel[g.db]} +${g.atSec} s: ${count(g.ended)} ended kept`,
      measured: `db ${fmt(g.dbSizeMB, 'MB', 1)} (instances ${fmt(g.instancesMB, 'MB', 1)}, events ${fmt(g.eventsMB, 'MB', 1)})`,
      target: `instances flat after ${settings.churn.retentionSec + 60} s`,
      reference: `RSS ${fmt(g.rssMB, 'MiB')}; list ${ms(g.groupListP50Ms)}; heartbeats p99 ${ms(run?.heartbeats.p99Ms)} (${ms(run?.baseline.p99Ms)} before the churn), ${fmt(run?.heartbeats.errors)} errors; longest retention statement ${ms(run?.retention.longestStatementMs)}, VACUUM ${ms(run?.retention.longestVacuumMs)}`,
    });
  }
}

for (const r of results.retention) {
  rows.push({
    figure: `retention backlog, ${dbLabel[r.db]}: ${r.deleted.toLocaleString('en-US')} ended deleted, heartbeats at 500/s`,
    measured: `worst 5-s p99 ${ms(r.worstP99Ms)}, ${fmt(r.errors)} errors`,
    target: 'no stall; 0 errors',
    reference: `each 5 s: ${r.windowP99Ms.map((w) => ms(w)).join(', ')}; a restart alone, first 5 s: ${ms(r.restartOnlyP99Ms)}; p99 after ${ms(r.afterP99Ms)}; longest statement ${ms(r.longestStatementMs)}, VACUUM ${ms(r.vacuumMs)}; done in ${ms(r.durationMs)}`,
  });
}

const oneReplica = results.replicas.find((r) => r.count === 1);
for (const r of results.replicas) {
  const label = `${r.count} replica${r.count > 1 ? 's' : ''}`;
  rows.push(
    {
      figure: `replicas, ${label} on PostgreSQL: combined rate`,
      measured: fmt(r.ratePerSec, '/s'),
      target: 'printed (2 cores: no speed-up expected)',
      reference: r === oneReplica ? `one process, PostgreSQL: ${fmt(h.postgres.ratePerSec, '/s')} in the heartbeat figure` : `1 replica ${fmt(oneReplica?.ratePerSec, '/s')}`,
    },
    {
      figure: `replicas, ${label}: p99 at ${settings.offeredPerSec.toLocaleString('en-US')}/s, errors`,
      measured: `${ms(r.p99Ms)}, ${fmt(r.errors)} errors`,
      target: '0 errors',
      reference: `p99 at saturation ${ms(r.saturationP99Ms)}${r === oneReplica ? '' : `; 1 replica ${ms(oneReplica?.p99Ms)}`}`,
    },
    {
      figure: `replicas, ${label}: duties once`,
      measured: r.sweptOnce === null ? 'n/a' : r.sweptOnce ? 'each silent instance swept once' : 'NOT once',
      target: 'each duty done once; 0 live marked disconnected',
      reference: `${fmt(r.liveMarkedDisconnected)} live instances marked disconnected; RSS ${r.rssMB.map((x) => fmt(x, 'MiB')).join(', ')}`,
    },
  );
}

console.log(`\nPaddock benchmarks — ${results.at} — ${results.machine}\n`);
console.log(renderTable(rows));
console.log(`\nNotes: ${results.notes}`);
console.log(`\nWritten to ${outPath}`);
