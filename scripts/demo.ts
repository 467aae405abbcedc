// `npm run demo`: Paddock on a throwaway embedded database with groups of real runner processes that,
// within the first minute, show every state the console knows: a group waiting for its first runner,
// green and red groups, an update that succeeds and one that rolls back, and every way a runner ends
// (PRODUCT.md §2: completed, OOMKilled, killed inside the guest, SIGTERM, crash, replaced, lost).
// Ctrl-C stops everything. `--no-build` skips building the console (the API still serves it if built).
// `--docker` runs the fleet as real containers on the Docker engine DOCKER_HOST names (or
// /var/run/docker.sock) when one is reachable, and says so in one line and runs processes when not.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/server';
import { buildConsoleIfStale } from './build-console';
import { AdminApi } from '../src/testing/admin-api';
import { type RunnerProcess, startRunner, waitFor } from '../src/testing/processes';
import type { GroupWithKey, Update } from '../src/contract';
import { type DemoEngine, demoEngine, dockerTimeline } from './demo-docker';

const port = Number.parseInt(process.env.PORT ?? '8080', 10);
const adminPassword = process.env.PADDOCK_ADMIN_PASSWORD || randomBytes(12).toString('base64url');
const dataDir = mkdtempSync(join(tmpdir(), 'paddock-demo-'));
const heartbeatSeconds = 2;
const offlineAfterSeconds = 8;
let t0 = Date.now();
const runners: RunnerProcess[] = [];
let server: { url: string; close(): Promise<void> } | null = null;
let engine: DemoEngine | null = null;
let stopping = false;

function say(message: string) {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(3);
  process.stdout.write(`\x1b[1m[demo +${s}s]\x1b[0m ${message}\n`);
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping every runner and the control plane…');
    for (const r of runners) r.killGroup();
    await engine?.removeAll().catch(() => {});
    await server?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** Resolves at a moment of the timeline (seconds after every runner registered). */
const at = (secondsFromStart: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + secondsFromStart * 1000 - Date.now())));

async function main() {
  if (!process.argv.includes('--no-build')) {
    await buildConsoleIfStale(say).catch((err: unknown) => say(`console build failed (${String(err)}); the API still runs`));
  }
  if (process.argv.includes('--docker')) engine = await demoEngine(say);
  say('starting Paddock on a throwaway embedded database…');
  const s = await startServer({
    host: '127.0.0.1',
    port,
    dataDir,
    databaseUrl: '',
    adminPassword,
    runnerVersion: '1.5.0',
    heartbeatSeconds,
    offlineAfterSeconds,
    updateDeadlineSeconds: 120,
    // The console's Docker tab then shows the image the fleet runs.
    ...(engine ? { runnerImage: engine.image } : {}),
  });
  server = s;
  const admin = await AdminApi.signIn(s.url, adminPassword);
  process.stdout.write(
    `\n  Paddock demo: ${s.url}\n  Sign in as \x1b[1madmin\x1b[0m with password \x1b[1m${adminPassword}\x1b[0m\n` +
      `  Runners heartbeat every ${heartbeatSeconds} s and count as disconnected ${offlineAfterSeconds} s after the last one.\n\n`,
  );

  const production = await admin.createGroup('production', true);
  const staging = await admin.createGroup('staging');
  const edge = await admin.createGroup('edge-lab');
  const batch = await admin.createGroup('batch');
  const fresh = await admin.createGroup('new-team');
  say('created groups production (default), staging, edge-lab, batch and new-team (no runner: "Waiting for first runner")');
  const updates = engine
    ? await dockerTimeline(engine, s.url, admin, { production, staging, edge, batch }, say, at, () => {
        t0 = Date.now();
      })
    : await processTimeline(s.url, admin, { production, staging, edge, batch });
  for (const [g, u] of updates) say(`${g.name} update: ${u.state}${u.reason ? ` (${u.reason})` : ''}`);
  for (const g of [production, staging, edge, batch, fresh]) {
    const group = await admin.group(g.id);
    say(`${group.name}: ${group.status}, ${group.connectedCount} of ${group.instanceCount} connected, versions ${group.versions.join(', ') || '-'}`);
    for (const i of await admin.instances(g.id)) {
      const how = i.termination
        ? ` · ${i.termination.cause} (exit ${i.termination.exitCode ?? '-'}, signal ${i.termination.signal ?? '-'}, ${i.termination.reason ?? '-'})`
        : i.status === 'disconnected'
          ? ' · lost (no exit recorded)'
          : '';
      say(`    ${i.name.padEnd(22)} ${i.version.padEnd(7)} ${i.status}${how}`);
    }
  }
  say(`all states shown. Open ${s.url} (admin / ${adminPassword}); Ctrl-C stops everything.`);
}

/** The demo's timeline on runner processes (the default). */
async function processTimeline(
  serverUrl: string,
  admin: AdminApi,
  { production, staging, edge, batch }: Record<'production' | 'staging' | 'edge' | 'batch', GroupWithKey>,
): Promise<Array<[GroupWithKey, Update]>> {
  const spawn = (name: string, key: string, args: string[] = []) => {
    const r = startRunner({ server: serverUrl, key, name, version: '1.4.0', args, echo: name });
    runners.push(r);
    return r;
  };
  const registered = (r: RunnerProcess) => r.waitForOutput(/Registered as instance (\S+);/, 30_000);

  say('starting 12 runner processes on version 1.4.0');

  // production: three healthy runners; their update to 1.5.0 succeeds.
  const prod = ['prod-1', 'prod-2', 'prod-3'].map((n) => spawn(n, production.registrationKey));
  // staging: the kernel OOM-kills one worker past its memory limit (a 128 MiB cgroup of its own: root on
  // cgroup v1; elsewhere it ends as a crash), one runner is stopped with SIGTERM, and an update rolls back
  // because one runner's replacement hangs (test switch) while the other's succeeds and is sent back.
  spawn('staging-oom', staging.registrationKey, ['--test-work-oom', '--test-work-seconds', '8']);
  const stagingStop = spawn('staging-stop', staging.registrationKey);
  const stagingOk = spawn('staging-ok', staging.registrationKey);
  spawn('staging-hang', staging.registrationKey, ['--test-hang-update', '--update-timeout-seconds', '12']);
  // edge-lab: both runners are killed hard, so the group turns red ("lost").
  const edgeRunners = ['edge-1', 'edge-2'].map((n) => spawn(n, edge.registrationKey));
  // batch: one runner stays; the others' workers end by themselves (exit 0: Completed; V8 aborts one for
  // its heap, 134: Crash) or are SIGKILLed inside the host (137 / Error: Killed inside the guest).
  const batchRunners = [
    spawn('batch-steady', batch.registrationKey),
    spawn('batch-done', batch.registrationKey, ['--test-work-exit', '0', '--test-work-seconds', '10']),
    spawn('batch-crash', batch.registrationKey, ['--test-work-heap', '--test-work-seconds', '12']),
  ];
  const batchKilled = spawn('batch-killed', batch.registrationKey);
  batchRunners.push(batchKilled);
  await Promise.all([...prod, stagingOk, stagingStop, ...edgeRunners, ...batchRunners].map(registered));
  t0 = Date.now();
  say('every group is green now; the timeline starts');

  await at(3);
  say('edge-lab: SIGKILL both runners (and their workers): red after the offline window, no exit recorded (lost)');
  for (const r of edgeRunners) r.killGroup();

  await at(5);
  say('production: requesting an update to 1.5.0 (each runner starts its replacement on 1.5.0 under its own name, then exits 0)');
  const prodUpdate = await admin.requestUpdate(production.id);

  await at(8);
  say('staging: SIGTERM to staging-stop (goodbye: ended at once, signal 15)');
  stagingStop.signal('SIGTERM');

  await at(10);
  say("batch: batch-done's worker exits 0 about now (Completed); batch-crash's worker fills V8's heap at +12 s (Crash, 134)");

  await at(14);
  say('staging: requesting an update to 1.5.0; staging-hang will not come up, so it rolls back');
  const stagingUpdate = await admin.requestUpdate(staging.id);

  await at(16);
  const workerPid = await batchKilled.workerPid();
  say(`batch: SIGKILL batch-killed's worker (pid ${workerPid}): 137 / Error, killed inside the guest`);
  try {
    process.kill(workerPid, 'SIGKILL');
  } catch {
    say('batch: that worker was already gone');
  }

  const settled = async (groupId: string, updateId: string) =>
    waitFor(
      async () => {
        const u = (await admin.updates(groupId)).find((x) => x.id === updateId);
        return u && u.state !== 'in_progress' ? u : undefined;
      },
      'update to finish',
      150_000,
      500,
    );
  const [p, st] = await Promise.all([settled(production.id, prodUpdate.id), settled(staging.id, stagingUpdate.id)]);
  // Let the rollback command bring the updated staging runner back before the summary.
  await waitFor(async () => (await admin.group(staging.id)).versions.join() === '1.4.0', 'staging back on 1.4.0', 60_000, 500).catch(() => {});
  return [
    [production, p],
    [staging, st],
  ];
}

main().catch(async (err: unknown) => {
  say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
});
