import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LauncherLoss, type ProcessTable, watchLauncher } from './launcher-watch';

/** A process table the test edits: pid → [comm, parent]. */
function fakeTable(me: { ppid: number }, procs: Record<number, [string, number]>): ProcessTable {
  return {
    ppid: () => me.ppid,
    comm: (pid) => procs[pid]?.[0] ?? null,
    parentOf: (pid) => procs[pid]?.[1] ?? null,
    alive: (pid) => pid in procs,
  };
}

describe('watchLauncher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['npm → sh → runner, the shell dies (npm forwarded SIGTERM to it)', 'sh', (p: Record<number, unknown>, me: { ppid: number }) => {
      delete p[20];
      me.ppid = 1;
    }, 'stopped'],
    ['npm → sh → runner, npm is killed hard (the shell lives on)', 'sh', (p: Record<number, unknown>) => {
      delete p[10];
    }, 'killed'],
    ['npm → runner (exec), npm is killed hard', 'npm run runner', (p: Record<number, unknown>, me: { ppid: number }) => {
      delete p[20];
      me.ppid = 1;
    }, 'killed'],
  ] as const)('%s → %s', (_title, parentComm, kill, expected: LauncherLoss) => {
    vi.useFakeTimers();
    const me = { ppid: 20 };
    const procs: Record<number, [string, number]> = { 10: ['npm run runner', 5], 20: [parentComm, 10] };
    const losses: LauncherLoss[] = [];
    watchLauncher(fakeTable(me, procs), (how) => losses.push(how), 100);
    vi.advanceTimersByTime(1000);
    expect(losses).toEqual([]);
    kill(procs, me);
    vi.advanceTimersByTime(1000);
    expect(losses).toEqual([expected]);
  });

  it('an orphan (parent 1, e.g. PID 1 in a container) watches nothing', () => {
    vi.useFakeTimers();
    const losses: LauncherLoss[] = [];
    watchLauncher(fakeTable({ ppid: 1 }, {}), (how) => losses.push(how), 100);
    vi.advanceTimersByTime(1000);
    expect(losses).toEqual([]);
  });
});

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run runner` for real, in its own process group, against a port where nothing listens. */
function npmRunRunner(): { child: ChildProcess; output: () => string; groupGone: () => boolean } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PADDOCK_') || k.startsWith('npm_')) delete env[k];
  env.PADDOCK_RUNNER_KEY = 'prk_launcherwatchtest';
  const child = spawn('npm', ['run', '--silent', 'runner', '--', '--server', 'http://127.0.0.1:9', '--name', 'watched'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c;
  });
  const pgid = child.pid!;
  return {
    child,
    output: () => out,
    groupGone: () => {
      try {
        process.kill(-pgid, 0);
        return false;
      } catch {
        return true;
      }
    },
  };
}

describe('npm run runner (real npm, real runner)', () => {
  const started: ReturnType<typeof npmRunRunner>[] = [];
  afterEach(() => {
    for (const r of started.splice(0)) if (!r.groupGone()) process.kill(-r.child.pid!, 'SIGKILL');
  });

  it('SIGTERM to npm reaches the runner (the script execs it), which says goodbye', async () => {
    const r = npmRunRunner();
    started.push(r);
    await vi.waitFor(() => expect(r.output()).toContain('Starting runner watched'), { timeout: 30_000, interval: 100 });
    r.child.kill('SIGTERM');
    await vi.waitFor(() => expect(r.groupGone()).toBe(true), { timeout: 10_000, interval: 100 });
    expect(r.output()).toContain('SIGTERM received: saying goodbye');
  }, 60_000);

  it('kill -9 of npm takes the runner down with it, without a goodbye', async () => {
    const r = npmRunRunner();
    started.push(r);
    await vi.waitFor(() => expect(r.output()).toContain('Starting runner watched'), { timeout: 30_000, interval: 100 });
    r.child.kill('SIGKILL');
    await vi.waitFor(() => expect(r.groupGone()).toBe(true), { timeout: 10_000, interval: 100 });
    expect(r.output()).toContain('npm run runner was killed');
    expect(r.output()).not.toContain('saying goodbye');
  }, 60_000);
});
