import { describe, expect, it } from 'vitest';
import { createLogger } from './log';
import { fingerprint, looksLikeOutOfMemory, startWorker } from './supervisor';

const quiet = createLogger({ out: () => {}, err: () => {} });
const env = { PATH: process.env.PATH ?? '' };

describe('fingerprint', () => {
  it.each([
    [0, null, false, { exitCode: 0, signal: null, reason: 'Completed' }],
    [3, null, false, { exitCode: 3, signal: null, reason: 'Error' }],
    [null, 'SIGKILL', false, { exitCode: 137, signal: null, reason: 'Error' }],
    [null, 'SIGTERM', false, { exitCode: null, signal: 15, reason: null }],
    [null, 'SIGSEGV', false, { exitCode: 139, signal: null, reason: 'Error' }],
    [null, 'SIGABRT', true, { exitCode: 137, signal: null, reason: 'OOMKilled' }],
    [null, 'SIGKILL', true, { exitCode: 137, signal: null, reason: 'OOMKilled' }],
  ] as const)('code %s signal %s oom %s', (code, signal, oom, expected) => {
    expect(fingerprint(code, signal, oom)).toEqual(expected);
  });

  it('recognises V8 and kernel out-of-memory messages', () => {
    expect(looksLikeOutOfMemory('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory')).toBe(true);
    expect(looksLikeOutOfMemory('Segmentation fault')).toBe(false);
  });
});

describe('startWorker (real child processes)', () => {
  it('reports a clean exit as Completed', async () => {
    const w = startWorker({ mode: 'exit', exitCode: 0, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 0, signal: null, reason: 'Completed' });
  });

  it('reports another exit code as Error', async () => {
    const w = startWorker({ mode: 'exit', exitCode: 42, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 42, signal: null, reason: 'Error' });
  });

  it('reports a worker that ran out of memory as OOMKilled with 137', async () => {
    const w = startWorker({ mode: 'oom', memoryLimitMb: 32, env }, quiet);
    await expect(w.exited).resolves.toEqual({ exitCode: 137, signal: null, reason: 'OOMKilled' });
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
