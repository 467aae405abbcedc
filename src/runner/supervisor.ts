import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { limitedChildCgroup, memoryLimitBytes, oomKills, ownMemoryCgroup } from './cgroup';
import type { Logger } from './log';
import { siblingEntry } from './node-args';

/** How the worker ended, in the shape of a container's exit (and of the `terminated` event). */
export type ExitFingerprint =
  /** Exit code (128 + n when signal n killed it, 137 for SIGKILL) and reason, as a container reports them. */
  | { exitCode: number; signal: null; reason: 'Completed' | 'OOMKilled' | 'Error' }
  /** Stopped by SIGTERM: no exit code or reason, only the signal (PRODUCT.md §2). */
  | { exitCode: null; signal: 15; reason: null };

/**
 * Classifies a child's end in the rows of PRODUCT.md §2's table. OOMKilled is the kernel's word, never a
 * guess: a SIGKILL while the memory cgroup's oom_kill counter rose (`cgroupOomKill`). A V8 heap abort is a
 * crash (SIGABRT: 134 / Error). SIGTERM is signal 15 alone; any other signal is 128 + its number / Error
 * (137 for SIGKILL); 0 is Completed; any other code is Error.
 */
export function fingerprint(code: number | null, signal: NodeJS.Signals | null, cgroupOomKill: boolean): ExitFingerprint {
  if (signal === 'SIGKILL' && cgroupOomKill) return { exitCode: 137, signal: null, reason: 'OOMKilled' };
  if (signal === 'SIGTERM') return { exitCode: null, signal: 15, reason: null };
  const exitCode = signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1);
  return { exitCode, signal: null, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

/** The exit code a process reports for a fingerprint (143 for SIGTERM). */
export function processExitCode(fp: ExitFingerprint): number {
  return fp.exitCode ?? 128 + fp.signal;
}

/**
 * What the worker does: idle (a real worker would poll for jobs), or a test mode — exit with a code, `oom`
 * (native memory past its cgroup's limit, so that the kernel kills it), `heap` (V8's heap until V8 aborts).
 */
export type WorkMode = 'idle' | 'exit' | 'oom' | 'heap';

export interface WorkerSettings {
  mode: WorkMode;
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

/** A memory limit for `--test-work-oom` where the worker has none: enough for Node, soon full of buffers. */
const oomTestLimitBytes = 128 * 1024 * 1024;
let cgroupSeq = 0;

/** Starts the worker program as a supervised child process. */
export function startWorker(settings: WorkerSettings, log: Logger): Worker {
  const own = ownMemoryCgroup();
  // --test-work-oom needs a limit for the kernel to enforce. A container's -m is one; a plain process
  // usually has none, so the worker gets a cgroup of its own with one where this process may make it.
  const limited =
    settings.mode === 'oom' && memoryLimitBytes(own) === null ? limitedChildCgroup(own, `paddock-worker-${process.pid}-${++cgroupSeq}`, oomTestLimitBytes) : null;
  const watched = limited ?? own;
  const limit = memoryLimitBytes(watched);
  if (settings.mode === 'oom') {
    log.warn(
      limit === null
        ? 'test switch: no memory limit applies to the worker (no cgroup limit, and none could be made); it gives up at 1 GiB with exit 1'
        : `test switch: the worker fills native memory past its ${Math.round(limit / 2 ** 20)} MiB cgroup limit${limited ? ` (${limited.dir})` : ''}`,
    );
  }
  const before = oomKills(watched);
  const work = siblingEntry('work');
  const child: ChildProcess = spawn(
    process.execPath,
    [...work.nodeArgs, `--max-old-space-size=${settings.memoryLimitMb ?? 256}`, work.script],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...settings.env,
        PADDOCK_WORK_MODE: settings.mode,
        PADDOCK_WORK_EXIT_CODE: String(settings.exitCode ?? 0),
        PADDOCK_WORK_SECONDS: String(settings.delaySeconds ?? 0),
        // Where the oom mode stops by itself if nothing killed it: past the limit, or 1 GiB without one.
        PADDOCK_WORK_OOM_CAP_MB: String(limit === null ? 1024 : Math.ceil(limit / 2 ** 20) + 256),
      },
    },
  );
  if (limited && child.pid !== undefined) {
    try {
      limited.add(child.pid);
    } catch (err) {
      log.warn(`test switch: could not move the worker into ${limited.dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let stopping = false;
  let closed = false;
  const closedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null; oom: boolean }>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      const oom = oomKills(watched) > before;
      limited?.remove();
      resolve({ code, signal, oom });
    });
    child.on('error', (err) => {
      log.error(`worker could not start: ${err.message}`);
      closed = true;
      limited?.remove();
      resolve({ code: 127, signal: null, oom: false });
    });
  });
  const exited = closedPromise.then(
    ({ code, signal, oom }) =>
      new Promise<ExitFingerprint>((resolve) => {
        if (stopping) return; // an exit we caused is not the worker's end
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
