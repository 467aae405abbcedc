// Idle footprint of the embedded default (PRODUCT.md §9 round 2, §14): the process `npm start` runs,
// on PGlite, RSS a fixed time after it answers readyz, with no load. Measured twice: the first start on
// an empty data directory (PGlite's initdb included) and a restart on the same directory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../src/contract';
import { childEnv, freePort, repoRoot, testAdminPassword, waitForUrl } from '../src/testing/processes';
import { cpuSeconds, rssMB } from './lib/sample';
import { round } from './lib/stats';

export interface FootprintOptions {
  /** Seconds after readiness at which RSS is read (PRODUCT.md §9: 60). */
  idleSeconds: number;
  /** A built console to serve (PADDOCK_DIST_DIR), so `npm start` leaves dist/ alone. */
  consoleDir?: string;
  log: (line: string) => void;
}

/** One start of the server, idle. */
export interface IdleStart {
  /** Spawn → readyz answers 200. */
  startMs: number;
  /** RSS `idleSeconds` after readiness. */
  idleRssMB: number | null;
  /** Highest RSS seen from spawn to the reading (VmHWM). */
  peakRssMB: number | null;
  /** RSS at readiness, then every 10 s. */
  series: Array<{ atSec: number; rssMB: number | null }>;
  /** Anonymous (heap, WASM memory) vs file-backed (the node binary, libraries) share of the RSS. */
  anonMB: number | null;
  /** CPU the server used while idle, ms per second (its timers: sweeper, heartbeat batcher). */
  idleCpuMsPerSec: number | null;
  /** Other processes in the server's process group (tsx's esbuild service, say) and their RSS. */
  others: Array<{ command: string; rssMB: number | null }>;
}

export interface FootprintFigures {
  first: IdleStart;
  restart: IdleStart;
  /** The script `npm start` runs (from package.json), for the notes. */
  command: string;
  notes: string[];
}

/** package.json's `start` script, which the bench runs through `sh -c` as npm would (npm itself aside). */
export function startScript(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts.start!;
}

function statusKB(pid: number, field: string): number | null {
  try {
    const v = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return v === undefined ? null : Number(v);
  } catch {
    return null;
  }
}

function anonMB(pid: number): number | null {
  try {
    const v = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return v === undefined ? null : Number(v) / 1024;
  } catch {
    return null;
  }
}

/** Processes in a process group other than its leader (from /proc). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function idleStart(script: string, dataDir: string, o: FootprintOptions): Promise<IdleStart> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  // The script ends in `exec node …`: the shell's pid becomes the server's.
  const child: ChildProcess = spawn('sh', ['-c', script], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...childEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_PUBLIC_URL: url,
      PADDOCK_ADMIN_PASSWORD: testAdminPassword,
      ...(o.consoleDir ? { PADDOCK_DIST_DIR: o.consoleDir } : {}),
    },
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      alive = false;
      resolve();
    }),
  );
  const pid = child.pid!;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => kill('SIGKILL');
  process.on('exit', killOnExit);
  try {
    try {
      await waitForUrl(`${url}${api.readyz}`, 180_000, () => alive);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server output ---\n${output.slice(-3000)}`);
    }
    const startMs = Math.round(performance.now() - t0);
    const readyAt = performance.now();
    const cpu0 = cpuSeconds(pid);
    const series: IdleStart['series'] = [];
    for (let at = 0; at < o.idleSeconds; at += 10) {
      series.push({ atSec: at, rssMB: round(rssMB(pid), 0) });
      await sleep(Math.max(0, readyAt + Math.min(at + 10, o.idleSeconds) * 1000 - performance.now()));
    }
    const idle = rssMB(pid);
    const cpu1 = cpuSeconds(pid);
    const idleSec = (performance.now() - readyAt) / 1000;
    series.push({ atSec: o.idleSeconds, rssMB: round(idle, 0) });
    const hwm = statusKB(pid, 'VmHWM');
    const others = groupMembers(pid).map((p) => {
      let command = '?';
      try {
        command = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 80);
      } catch {
        // gone
      }
      return { command, rssMB: round(rssMB(p), 0) };
    });
    const result: IdleStart = {
      startMs,
      idleRssMB: round(idle, 0),
      peakRssMB: hwm === null ? null : round(hwm / 1024, 0),
      series,
      anonMB: round(anonMB(pid), 0),
      idleCpuMsPerSec: cpu0 === null || cpu1 === null ? null : round(((cpu1 - cpu0) * 1000) / idleSec, 1),
      others,
    };
    o.log(
      `footprint: ready in ${startMs} ms; RSS ${result.series.map((s) => `${s.rssMB}@${s.atSec}s`).join(' ')}; peak ${result.peakRssMB} MB; idle CPU ${result.idleCpuMsPerSec} ms/s${others.length ? `; also ${others.map((x) => `${x.command} ${x.rssMB} MB`).join(', ')}` : ''}`,
    );
    return result;
  } finally {
    kill('SIGTERM');
    const force = setTimeout(() => kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    process.off('exit', killOnExit);
  }
}

/** The idle RSS of `npm start`'s server process on PGlite: a first start, then a restart. */
export async function measureFootprint(o: FootprintOptions): Promise<FootprintFigures> {
  const script = startScript();
  // A stale server bundle is rebuilt by the first start; build it first so startMs is the start alone.
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: { ...childEnv(), PADDOCK_DIST_DIR: o.consoleDir ?? join(repoRoot, 'dist') },
    stdio: 'ignore',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-bench-footprint-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.on('exit', removeDir);
  try {
    o.log(`footprint: first start on an empty data directory, ${o.idleSeconds} s idle…`);
    const first = await idleStart(script, dataDir, o);
    o.log(`footprint: restart on the same data directory, ${o.idleSeconds} s idle…`);
    const restart = await idleStart(script, dataDir, o);
    const command = script;
    const describe = (label: string, s: IdleStart) =>
      `${label}: ready in ${s.startMs} ms, RSS ${s.series.map((x) => `${x.rssMB} MB at ${x.atSec} s`).join(', ')}, peak ${s.peakRssMB} MB, ${s.anonMB} MB anonymous, idle CPU ${s.idleCpuMsPerSec} ms/s${s.others.length ? `; beside it ${s.others.map((x) => `${x.command} (${x.rssMB} MB)`).join(', ')}` : ''}`;
    return {
      first,
      restart,
      command,
      notes: [
        `footprint: the server process of npm start (${command}, run with sh -c), embedded PGlite on disk, console served from a prebuilt directory (PADDOCK_DIST_DIR, so no build at start), no requests but readyz; RSS read ${o.idleSeconds} s after readyz first answered; npm's own process (≈60 MB) is not the control plane and is not counted`,
        describe('footprint first start (empty data directory)', first),
        describe('footprint restart', restart),
      ],
    };
  } finally {
    process.off('exit', removeDir);
    removeDir();
  }
}
