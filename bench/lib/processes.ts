import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The repository root, so child processes run from there whatever the caller's cwd. */
export const repoRoot = new URL('../..', import.meta.url).pathname;

/** A child process in its own process group; stop() signals the whole group. */
export interface Child {
  child: ChildProcess;
  pid: number;
  output(): string;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();

/** SIGKILLs every child still running (servers, runners): an interrupted bench leaves nothing behind. */
export function killAllChildren(): void {
  for (const c of live) c.signal('SIGKILL');
}

/** Starts `node --import tsx <script> …args` from the repository root, in a new process group. */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  const keep = (d: Buffer) => {
    // Keep the tail only: a chatty server must not grow the bench's memory without bound.
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const signal = (s: NodeJS.Signals) => {
    if (done) return;
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  const handle: Child = {
    child,
    pid: child.pid!,
    output: () => out,
    signal,
    exited,
    async stop(graceMs = 5_000) {
      if (done) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Resolves with the first line of the child's stdout that matches, or rejects on exit/timeout. */
export function waitForLine(c: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} in:\n${c.output().slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const m = pattern.exec(buffer);
      if (m) finish(null, m);
    };
    const onExit = () => finish(new Error(`process exited before printing ${pattern}:\n${c.output().slice(-2000)}`));
    const finish = (err: Error | null, m?: RegExpExecArray) => {
      clearTimeout(timer);
      c.child.stdout?.off('data', onData);
      c.child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    c.child.stdout?.on('data', onData);
    c.child.on('exit', onExit);
  });
}

/** Polls until a URL answers 2xx, or rejects after the timeout (or when `alive` turns false). */
export async function waitForUrl(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`process exited while waiting for ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB (from /proc), or null when it cannot be read. */
export function rssMB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used, in seconds, from /proc; null when unreadable. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Samples a process while a load runs: its peak RSS, and the CPU it and the sampling process itself
 * (the load generator) used, as % of one core over the sampled wall time.
 */
export function sampleProcess(pid: number, everyMs = 500): { stop(): { peakRssMB: number | null; cpuPercent: number | null; selfCpuPercent: number } } {
  let peak: number | null = null;
  const take = () => {
    const v = rssMB(pid);
    if (v !== null) peak = Math.max(peak ?? 0, v);
  };
  const cpu0 = cpuSeconds(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const wall = (performance.now() - t0) / 1000;
      const cpu1 = cpuSeconds(pid);
      const self = process.cpuUsage(self0);
      return {
        peakRssMB: peak,
        cpuPercent: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / wall) * 100),
        selfCpuPercent: Math.round(((self.user + self.system) / 1e6 / wall) * 100),
      };
    },
  };
}
