// Runner start and footprint (PRODUCT.md §9 round 2): the runner image (compiled JavaScript) started by the
// console's Docker command on a real engine — container process start → "Registered as instance" (both
// times from the engine's host clock: State.StartedAt and the runner's log line), and the runner process's
// RSS a few seconds after registering. Reference: `docker run` → registered, the worker's RSS, the two
// together. Needs an engine: the one with-docker.sh exported, else a throwaway one started through it
// (root, docker.io), else null with a note.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCommand } from '../src/contract';
import { asRunHere, dockerFromEnv, type TestDocker } from '../src/testing/docker-engine';
import { repoRoot, startControlPlane } from '../src/testing/processes';
import { rssMB } from './lib/sample';
import type { MedianMax } from './lib/results';
import { medianMax } from './lib/stats';

export interface RunnerFigures {
  startMs: number | null;
  rssMB: number | null;
  reference: { startMs: MedianMax; dockerRunMs: MedianMax; rssMB: MedianMax; workerRssMB: MedianMax; totalRssMB: MedianMax; runs: number };
  notes: string[];
}

export interface RunnerOptions {
  runs: number;
  log: (line: string) => void;
}

const nothing = (runs: number, note: string): RunnerFigures => {
  const none = { median: null, max: null };
  return { startMs: null, rssMB: null, reference: { startMs: none, dockerRunMs: none, rssMB: none, workerRssMB: none, totalRssMB: none, runs }, notes: [note] };
};

/** Measures with the engine with-docker.sh exported, or starts one through it; null figures and a note without. */
export async function measureRunner(o: RunnerOptions): Promise<RunnerFigures> {
  const engine = dockerFromEnv();
  if (engine) return measureIn(engine, o);
  if (process.getuid?.() !== 0) return nothing(o.runs, 'runner: not measured (no Docker engine given and not root, so none can be started here)');
  o.log('runner: starting a throwaway Docker engine and building the runner image (about a minute)…');
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-runner-'));
  try {
    const out = join(dir, 'figures.json');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', ['scripts/with-docker.sh', process.execPath, '--import', 'tsx', 'bench/runner.ts', out, String(o.runs)], {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, PADDOCK_TEST_DOCKER_IMAGES: 'runner', CI: '' },
      });
      child.on('exit', resolve);
    });
    try {
      return JSON.parse(readFileSync(out, 'utf8')) as RunnerFigures;
    } catch {
      return nothing(o.runs, `runner: not measured (the throwaway engine run exited ${code} without figures)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureIn(d: TestDocker, o: RunnerOptions): Promise<RunnerFigures> {
  const cp = await startControlPlane();
  const session = await cp.signIn();
  const starts: number[] = [];
  const dockerRuns: number[] = [];
  const rss: number[] = [];
  const workers: number[] = [];
  const totals: number[] = [];
  try {
    const group = await session.createGroup(`bench-runner-${Date.now().toString(36)}`);
    const command = asRunHere(
      dockerCommand({ groupName: group.name, serverUrl: cp.url, registrationKey: group.registrationKey, runnerImage: d.runnerImage, runnerVersion: '1.4.0' }),
      d.socketPath,
    );
    for (let i = 0; i < o.runs; i++) {
      const t0 = Date.now();
      const run = await d.sh(command);
      if (run.code !== 0) throw new Error(`docker run failed: ${run.stderr.slice(0, 300)}`);
      const id = run.stdout.trim();
      try {
        const registeredAt = await registeredTime(d, id);
        const dockerRunMs = Date.now() - t0;
        const c = await d.inspect(id);
        if (!c) throw new Error(`container ${id} vanished`);
        starts.push(registeredAt - Date.parse(c.State.StartedAt));
        dockerRuns.push(dockerRunMs);
        // Settled: a few heartbeats after registering, the worker started.
        await new Promise((r) => setTimeout(r, 3000));
        const runner = rssMB(c.State.Pid);
        const worker = childrenOf(c.State.Pid).map(rssMB).reduce<number>((a, b) => a + (b ?? 0), 0);
        if (runner !== null) {
          rss.push(runner);
          workers.push(worker);
          totals.push(runner + worker);
        }
        o.log(`runner: run ${i + 1}/${o.runs}: start → registered ${starts.at(-1)} ms, runner RSS ${runner?.toFixed(1)} MB, worker ${worker.toFixed(1)} MB`);
      } finally {
        await d.docker(['rm', '-f', id]);
      }
    }
  } finally {
    await cp.dispose();
  }
  const start = medianMax(starts);
  const memory = medianMax(rss.map((v) => Math.round(v * 10) / 10));
  return {
    startMs: start.median,
    rssMB: memory.median,
    reference: {
      startMs: start,
      dockerRunMs: medianMax(dockerRuns),
      rssMB: memory,
      workerRssMB: medianMax(workers.map((v) => Math.round(v * 10) / 10)),
      totalRssMB: medianMax(totals.map((v) => Math.round(v * 10) / 10)),
      runs: o.runs,
    },
    notes: [
      `runner: ${o.runs} containers of ${d.runnerImage}:1.4.0 (compiled JavaScript) from the console's Docker command with --network host; start = the container's State.StartedAt → the runner's "Registered as instance" log line (medians); RSS = the runner process 3 s after registering; its worker is a second Node process (reference)`,
    ],
  };
}

/** The time in the runner's "Registered as instance" log line (its own ISO timestamp), once it appears. */
async function registeredTime(d: TestDocker, id: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const logs = await d.docker(['logs', id]);
    const m = /^(\S+) INFO Registered as instance /m.exec(logs.stdout + logs.stderr);
    if (m) return Date.parse(m[1]!);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container ${id.slice(0, 12)} did not register within 60 s`);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// Run inside `scripts/with-docker.sh` by measureRunner: `bench/runner.ts <out.json> <runs>`.
if (process.argv[1]?.endsWith('bench/runner.ts') && process.argv[2]) {
  const engine = dockerFromEnv();
  const [out, runs] = [process.argv[2], Number(process.argv[3] ?? '5')];
  const log = (line: string) => console.log(`[bench runner] ${line}`);
  const figures = engine ? await measureIn(engine, { runs, log }) : nothing(runs, 'runner: not measured (the throwaway engine did not start)');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(out, JSON.stringify(figures));
}
