// Disconnect shown: a real runner process SIGKILLed or SIGTERMed → its group red in an open console,
// with the control plane's defaults (heartbeat 5 s, offline after 20 s). Reference: the same moment
// seen through the API (polled every 50 ms), in the same run.
import { type RunnerProcess, startRunner } from '../src/testing/processes';
import type { MedianMax } from './lib/results';
import { openStage, type Stage } from './lib/stage';
import { medianMax } from './lib/stats';

export interface DisconnectFigures {
  sigkillMs: MedianMax;
  sigtermMs: MedianMax;
  reference: { sigkillApiMs: MedianMax; sigtermApiMs: MedianMax; sigtermExitMs: MedianMax; offlineAfterSeconds: number };
  notes: string[];
}

export interface DisconnectOptions {
  runs: number;
  log: (line: string) => void;
}

const offlineAfterSeconds = 20;

function launchRunner(stage: Stage, key: string, name: string): RunnerProcess {
  return startRunner({ server: stage.cp.url, key, name, platform: 'process', version: '1.4.0' });
}

/** Resolves with Date.now() once the API reports the group disconnected. */
async function apiSeesRed(stage: Stage, groupId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const g = await stage.session.group(groupId);
    if (g.status === 'disconnected') return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the API did not report ${groupId} disconnected within ${timeoutMs} ms`);
}

interface Prepared {
  name: string;
  groupId: string;
  runner: RunnerProcess;
}

async function prepare(stage: Stage, name: string): Promise<Prepared> {
  const group = await stage.session.createGroup(name);
  // Round 2's group labels (PRODUCT.md §2): "Healthy · 1 of 1" while its runner lives, "Down · …" (red) once it is gone.
  const connected = await stage.watch(name, 'Healthy · 1 of 1', 60_000);
  const runner = launchRunner(stage, group.registrationKey, `${name.toLowerCase().replace(/ /g, '-')}-runner`);
  try {
    await connected();
  } catch (e) {
    runner.killGroup();
    throw new Error(`${name} never showed connected: ${(e as Error).message}\n${runner.output().slice(-1500)}`);
  }
  return { name, groupId: group.id, runner };
}

/** Kills one prepared runner and measures until the console (and the API) show its group red. */
async function killAndWatch(stage: Stage, p: Prepared, signal: 'SIGKILL' | 'SIGTERM') {
  const red = await stage.watch(p.name, 'Down · ', 60_000);
  const t0 = Date.now();
  const api = apiSeesRed(stage, p.groupId, 60_000);
  // SIGKILL takes the runner's whole process group, as a host dying would; SIGTERM goes to the
  // runner itself, as `docker stop` or a pod deletion would, and it stops its worker.
  if (signal === 'SIGKILL') p.runner.killGroup();
  else p.runner.signal('SIGTERM');
  const exit = p.runner.exited.then(() => Date.now());
  const [shown, apiAt, exitAt] = await Promise.all([red(), api, exit]);
  p.runner.killGroup();
  return { consoleMs: shown - t0, apiMs: apiAt - t0, exitMs: exitAt - t0 };
}

export async function measureDisconnect(o: DisconnectOptions): Promise<DisconnectFigures> {
  const notes: string[] = [];
  const stage = await openStage();
  const runners: RunnerProcess[] = [];
  try {
    // SIGTERM: one at a time.
    const term: { consoleMs: number; apiMs: number; exitMs: number }[] = [];
    for (let i = 1; i <= o.runs; i++) {
      const p = await prepare(stage, `Term run ${String(i).padStart(2, '0')}`);
      runners.push(p.runner);
      const r = await killAndWatch(stage, p, 'SIGTERM');
      o.log(`SIGTERM run ${i}: console ${r.consoleMs} ms, API ${r.apiMs} ms, runner exited after ${r.exitMs} ms`);
      term.push(r);
    }

    // SIGKILL: all runners connected first, then killed 1.3 s apart so they fall at different
    // phases of the 5 s heartbeat and the 1 s sweep; each is timed on its own.
    const prepared: Prepared[] = [];
    for (let i = 1; i <= o.runs; i++) {
      const p = await prepare(stage, `Kill run ${String(i).padStart(2, '0')}`);
      runners.push(p.runner);
      prepared.push(p);
    }
    // Past the start-up grace (one offline window after start) so the figure is the steady state.
    const graceLeft = stage.readyAt + (offlineAfterSeconds + 1) * 1000 - Date.now();
    if (graceLeft > 0) await new Promise((r) => setTimeout(r, graceLeft));
    const kills = prepared.map(async (p, i) => {
      await new Promise((r) => setTimeout(r, i * 1300));
      const r = await killAndWatch(stage, p, 'SIGKILL');
      o.log(`SIGKILL run ${i + 1}: console ${r.consoleMs} ms, API ${r.apiMs} ms`);
      return r;
    });
    const kill = await Promise.all(kills);

    notes.push(
      `disconnect: defaults (heartbeat ${5} s, offline after ${offlineAfterSeconds} s), ${o.runs} runs each; SIGKILL to the runner's process group, ${o.runs} runners on ${o.runs} groups killed 1.3 s apart; SIGTERM to the runner process, one at a time; reference = the API polled every 50 ms`,
    );
    return {
      sigkillMs: medianMax(kill.map((r) => r.consoleMs)),
      sigtermMs: medianMax(term.map((r) => r.consoleMs)),
      reference: {
        sigkillApiMs: medianMax(kill.map((r) => r.apiMs)),
        sigtermApiMs: medianMax(term.map((r) => r.apiMs)),
        sigtermExitMs: medianMax(term.map((r) => r.exitMs)),
        offlineAfterSeconds,
      },
      notes,
    };
  } finally {
    for (const r of runners) r.killGroup();
    await stage.close();
  }
}
