import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Logger } from './log';
import { runnerFile, tsxNodeArgs } from './node-args';

/** How the worker ended, in the shape of a container's exit (and of the `terminated` event). */
export type ExitFingerprint =
  /** Exit code (128 + n when signal n killed it, 137 for SIGKILL) and reason, as a container reports them. */
  | { exitCode: number; signal: null; reason: 'Completed' | 'OOMKilled' | 'Error' }
  /** Stopped by SIGTERM: no exit code or reason, only the signal (PRODUCT.md §2). */
  | { exitCode: null; signal: 15; reason: null };

/**
 * Classifies a child's end in the rows of PRODUCT.md §2's table. Killed for memory (V8 heap limit, or
 * a cgroup OOM kill) is 137 / OOMKilled, like Docker reports it; SIGTERM is signal 15 alone; any other
 * signal is 128 + its number / Error (137 for SIGKILL); 0 is Completed; any other code is Error.
 */
export function fingerprint(code: number | null, signal: NodeJS.Signals | null, killedForMemory: boolean): ExitFingerprint {
  if (killedForMemory) return { exitCode: 137, signal: null, reason: 'OOMKilled' };
  if (signal === 'SIGTERM') return { exitCode: null, signal: 15, reason: null };
  const exitCode = signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1);
  return { exitCode, signal: null, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

/** The exit code a process reports for a fingerprint (143 for SIGTERM). */
export function processExitCode(fp: ExitFingerprint): number {
  return fp.exitCode ?? 128 + fp.signal;
}

/** Words V8 and the kernel print when a process dies for lack of memory. */
export function looksLikeOutOfMemory(stderrTail: string): boolean {
  return /heap out of memory|Reached heap limit|Out of memory: Killed process/i.test(stderrTail);
}

export interface WorkerSettings {
  mode: 'idle' | 'exit' | 'oom';
  exitCode?: number;
  delaySeconds?: number;
  /** V8 heap limit of the worker, in MB (its "memory limit"). */
  memoryLimitMb?: number;
  /** Environment of the worker; the agent passes one without its key and token. */
  env: NodeJS.ProcessEnv;
}

export interface Worker {
  readonly pid: number;
  /** Resolves when the worker ends by itself; stays pending when stop() ended it. */
  readonly exited: Promise<ExitFingerprint>;
  /** Ends the worker on purpose (SIGTERM, then SIGKILL after graceMs); its exit is not reported. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the worker program as a supervised child process. */
export function startWorker(settings: WorkerSettings, log: Logger): Worker {
  const before = cgroupOomKills();
  const child: ChildProcess = spawn(
    process.execPath,
    [...tsxNodeArgs(), `--max-old-space-size=${settings.memoryLimitMb ?? 256}`, runnerFile('./work.ts')],
    {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: {
        ...settings.env,
        PADDOCK_WORK_MODE: settings.mode,
        PADDOCK_WORK_EXIT_CODE: String(settings.exitCode ?? 0),
        PADDOCK_WORK_SECONDS: String(settings.delaySeconds ?? 0),
      },
    },
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8192);
  });
  let stopping = false;
  let closed = false;
  const closedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      log.error(`worker could not start: ${err.message}`);
      closed = true;
      resolve({ code: 127, signal: null });
    });
  });
  const exited = closedPromise.then(
    ({ code, signal }) =>
      new Promise<ExitFingerprint>((resolve) => {
        if (stopping) return; // an exit we caused is not the worker's end
        const oom = looksLikeOutOfMemory(stderrTail) || (signal === 'SIGKILL' && cgroupOomKills() > before);
        resolve(fingerprint(code, signal, oom));
      }),
  );
  return {
    pid: child.pid ?? -1,
    exited,
    async stop(graceMs = 1000) {
      stopping = true;
      if (closed) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closedPromise;
      clearTimeout(timer);
    },
  };
}

/** The cgroup v2 OOM-kill counter of this container, or 0 where there is none. */
function cgroupOomKills(): number {
  try {
    const events = readFileSync('/sys/fs/cgroup/memory.events', 'utf8');
    const m = /^oom_kill (\d+)$/m.exec(events);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
