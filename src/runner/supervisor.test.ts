import { describe, expect, it } from 'vitest';
import { createLogger } from './log';
import { memoryLimitBytes, ownMemoryCgroup } from './cgroup';
import { fingerprint, startWorker } from './supervisor';

const quiet = createLogger({ out: () => {}, err: () => {} });
const env = { PATH: process.env.PATH ?? '' };

describe('fingerprint', () => {
  it.each([
    [0, null, false, { exitCode: 0, signal: null, reason: 'Completed' }],
    [3, null, false, { exitCode: 3, signal: null, reason: 'Error' }],
    [null, 'SIGKILL', false, { exitCode: 137, signal: null, reason: 'Error' }],
    [null, 'SIGTERM', false, { exitCode: null, signal: 15, reason: null }],
    [null, 'SIGSEGV', false, { exitCode: 139, signal: null, reason: 'Error' }],
    // A V8 heap abort is a crash, whatever the cgroup's counter did meanwhile.
    [null, 'SIGABRT', false, { exitCode: 134, signal: null, reason: 'Error' }],
    [null, 'SIGABRT', true, { exitCode: 134, signal: null, reason: 'Error' }],
    // OOMKilled only with the kernel's word: SIGKILL while the cgroup's oom_kill counter rose.
    [null, 'SIGKILL', true, { exitCode: 137, signal: null, reason: 'OOMKilled' }],
    [1, null, true, { exitCode: 1, signal: null, reason: 'Error' }],
  ] as const)('code %s signal %s oom %s', (code, signal, oom, expected) => {
    expect(fingerprint(code, signal, oom)).toEqual(expected);
  });
});

// Whether --test-work-oom can be proven here: the worker needs a memory limit the kernel enforces (its
// cgroup's, or one the supervisor makes: cgroup v1 as root). CI machines are root on cgroup v1.
const ownCgroup = ownMemoryCgroup();
const canLimitWorker = memoryLimitBytes(ownCgroup) !== null || (ownCgroup?.version === 1 && process.getuid?.() === 0);
if (!canLimitWorker) {
  if (process.env.CI === 'true') throw new Error('CI: no memory cgroup limit can be set for the worker here, so the kernel OOM kill cannot be proven');
  console.warn('\n!!! supervisor.test.ts: no memory cgroup limit can be set for the worker here (needs root on cgroup v1): the kernel OOM-kill test SKIPS\n');
}

describe('startWorker (real child processes)', () => {
  it('reports a clean exit as Completed', async () => {
    const w = startWorker({ mode: 'exit', exitCode: 0, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 0, signal: null, reason: 'Completed' });
  });

  it('reports another exit code as Error', async () => {
    const w = startWorker({ mode: 'exit', exitCode: 42, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 42, signal: null, reason: 'Error' });
  });

  it('reports a worker V8 aborted for its heap as a crash: 134 / Error, not OOMKilled', async () => {
    const w = startWorker({ mode: 'heap', memoryLimitMb: 32, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 134, signal: null, reason: 'Error' });
  });

  it.runIf(canLimitWorker || process.env.CI === 'true')('reports a worker the kernel killed past its cgroup memory limit as 137 / OOMKilled', async () => {
    const lines: string[] = [];
    const w = startWorker({ mode: 'oom', env }, createLogger({ out: (l) => lines.push(l), err: (l) => lines.push(l) }));
    await expect(w.exited).resolves.toEqual({ exitCode: 137, signal: null, reason: 'OOMKilled' });
    expect(lines.join('')).toMatch(/the worker fills native memory past its \d+ MiB cgroup limit/);
  });

  it('reports a SIGKILLed worker as 137 / Error, with no signal (PRODUCT.md §2)', async () => {
    const w = startWorker({ mode: 'idle', env }, quiet);
    process.kill(w.pid, 'SIGKILL');
    await expect(w.exited).resolves.toEqual({ exitCode: 137, signal: null, reason: 'Error' });
  });

  it('reports a worker stopped by someone else with SIGTERM as signal 15 alone', async () => {
    const w = startWorker({ mode: 'idle', env }, quiet);
    process.kill(w.pid, 'SIGTERM');
    await expect(w.exited).resolves.toEqual({ exitCode: null, signal: 15, reason: null });
  });

  it('does not report a worker it stopped on purpose', async () => {
    const w = startWorker({ mode: 'idle', env }, quiet);
    let reported = false;
    void w.exited.then(() => {
      reported = true;
    });
    await w.stop(2000);
    expect(() => process.kill(w.pid, 0)).toThrow();
    await Promise.resolve();
    expect(reported).toBe(false);
  });
});
