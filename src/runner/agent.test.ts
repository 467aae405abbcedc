import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../contract';
import { tsxNodeArgs } from './node-args';
import { waitFor } from './testing/admin-api';
import { killAllRunners, type RunnerProcess, startRunner } from './testing/runner-process';
import { startTestServer, type TestServer, uniqueGroupName } from './testing/server';

// Real runner processes against a real control plane on loopback: heartbeat 1 s, offline after 3 s.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => killAllRunners());

async function groupWithKey(prefix: string) {
  const g = await server.admin.createGroup(uniqueGroupName(prefix));
  return { id: g.id, key: g.registrationKey };
}

async function instanceOf(groupId: string, runner: RunnerProcess): Promise<Instance> {
  const m = await runner.waitForLog(/Registered as instance (\S+);/);
  const id = m[1]!;
  return waitFor(async () => (await server.admin.instances(groupId)).find((i) => i.id === id), `instance ${id} listed`);
}

async function instanceNow(groupId: string, id: string): Promise<Instance> {
  const found = (await server.admin.instances(groupId)).find((i) => i.id === id);
  if (!found) throw new Error(`instance ${id} not listed`);
  return found;
}

/** Fails if the output holds the key, or anything shaped like a key or an instance token. */
function expectNoSecrets(output: string, key: string) {
  expect(output).not.toContain(key);
  expect(output).not.toMatch(/prk_[A-Za-z0-9]{8,}/);
  expect(output).not.toMatch(/pit_[A-Za-z0-9]{8,}/);
}

describe('runner agent against a real control plane', () => {
  it('registers and heartbeats: connected, heartbeat advancing, identity reported, no secret printed', async () => {
    const { id: groupId, key } = await groupWithKey('healthy');
    const runner = startRunner({ server: server.url, key, keyInArgs: true, name: 'alpha', version: '1.4.0' });
    const inst = await instanceOf(groupId, runner);
    expect(inst).toMatchObject({ name: 'alpha', platform: 'process', version: '1.4.0', status: 'connected', termination: null });
    const first = Date.parse(inst.lastHeartbeatAt);
    await waitFor(async () => Date.parse((await instanceNow(groupId, inst.id)).lastHeartbeatAt) > first + 1500, 'heartbeats to advance', 10_000);
    const group = await server.admin.group(groupId);
    expect(group).toMatchObject({ status: 'connected', connectedCount: 1, instanceCount: 1, versions: ['1.4.0'] });
    expect(runner.exit).toBeNull();
    expectNoSecrets(runner.output, key);
  });

  it('SIGKILL: disconnected after the offline window, cause "lost"', async () => {
    const { id: groupId, key } = await groupWithKey('sigkill');
    const runner = startRunner({ server: server.url, key });
    const inst = await instanceOf(groupId, runner);
    runner.killGroup();
    const killedAt = Date.now();
    const gone = await waitFor(async () => {
      const i = await instanceNow(groupId, inst.id);
      return i.status === 'disconnected' ? i : undefined;
    }, 'instance to be disconnected');
    // Not before the 3 s window has passed since the last heartbeat (which was at most ~1.1 s before the kill).
    expect(Date.now() - killedAt).toBeGreaterThan(1500);
    expect(gone.termination).toMatchObject({ exitCode: null, signal: null, reason: null, cause: 'lost' });
    expect((await server.admin.group(groupId)).status).toBe('disconnected');
  });

  it('SIGTERM: says goodbye, exits within 2 s, disconnected at once with signal 15', async () => {
    const { id: groupId, key } = await groupWithKey('sigterm');
    const runner = startRunner({ server: server.url, key });
    const inst = await instanceOf(groupId, runner);
    const workerPid = await runner.workerPid();
    const t0 = Date.now();
    runner.signal('SIGTERM');
    const exit = await runner.waitForExit(5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(exit).toEqual({ code: 0, signal: null });
    // Well inside the 3 s offline window: the goodbye did it, not the sweeper.
    const after = await waitFor(
      async () => {
        const i = await instanceNow(groupId, inst.id);
        return i.status !== 'connected' ? i : undefined;
      },
      'goodbye to be recorded',
      1000,
      50,
    );
    expect(after.status).toBe('disconnected');
    expect(after.termination).toMatchObject({ signal: 15, cause: 'sigterm' });
    expect(() => process.kill(workerPid, 0)).toThrow();
  });

  it('worker killed: reports exit 137 / signal 9, termination "killed", runner exits 137', async () => {
    const { id: groupId, key } = await groupWithKey('child-killed');
    const runner = startRunner({ server: server.url, key });
    const inst = await instanceOf(groupId, runner);
    process.kill(await runner.workerPid(), 'SIGKILL');
    expect(await runner.waitForExit()).toEqual({ code: 137, signal: null });
    const ended = await instanceNow(groupId, inst.id);
    expect(ended.status).toBe('terminated');
    expect(ended.termination).toMatchObject({ exitCode: 137, signal: 9, reason: 'Error', cause: 'killed' });
  });

  it('worker out of memory: OOMKilled, exit 137', async () => {
    const { id: groupId, key } = await groupWithKey('oom');
    const runner = startRunner({ server: server.url, key, args: ['--test-work-oom'] });
    const inst = await instanceOf(groupId, runner);
    expect(await runner.waitForExit()).toEqual({ code: 137, signal: null });
    expect((await instanceNow(groupId, inst.id)).termination).toMatchObject({ exitCode: 137, signal: null, reason: 'OOMKilled', cause: 'oom_killed' });
  });

  it('worker completes: Completed, exit 0', async () => {
    const { id: groupId, key } = await groupWithKey('completed');
    const runner = startRunner({ server: server.url, key, args: ['--test-work-exit', '0', '--test-work-seconds', '0.5'] });
    const inst = await instanceOf(groupId, runner);
    expect(await runner.waitForExit()).toEqual({ code: 0, signal: null });
    expect((await instanceNow(groupId, inst.id)).termination).toMatchObject({ exitCode: 0, reason: 'Completed', cause: 'completed' });
  });

  it('worker crashes with code 3: Error, exit 3', async () => {
    const { id: groupId, key } = await groupWithKey('crash');
    const runner = startRunner({ server: server.url, key, args: ['--test-work-exit', '3'] });
    const inst = await instanceOf(groupId, runner);
    expect(await runner.waitForExit()).toEqual({ code: 3, signal: null });
    expect((await instanceNow(groupId, inst.id)).termination).toMatchObject({ exitCode: 3, reason: 'Error', cause: 'crash' });
  });

  it('an unknown key is final: one clear line, exit 1, no retry', async () => {
    const key = `prk_${'A'.repeat(46)}`;
    const runner = startRunner({ server: server.url, key, keyInArgs: true });
    expect(await runner.waitForExit()).toEqual({ code: 1, signal: null });
    const refusals = runner.output.split('\n').filter((l) => /refused/.test(l));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/registration key revoked or unknown/);
    expect(runner.output).not.toMatch(/retrying in/);
    expectNoSecrets(runner.output, key);
  });

  it('keeps trying with backoff while the server cannot be reached, and says why', async () => {
    const closed = await closedPort();
    const runner = startRunner({ server: `http://127.0.0.1:${closed}`, key: `prk_${'B'.repeat(46)}` });
    await runner.waitForLog(
      new RegExp(`Registration failed \\(other\\): cannot reach 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\); retrying in [\\d.]+ s[\\s\\S]*Registration failed`),
    );
    expect(runner.exit).toBeNull();
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('runner command line', () => {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [...tsxNodeArgs(), cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });

  it.each([
    [[], /missing --server/],
    [['--server', 'http://127.0.0.1:1'], /missing --key/],
    [['--server', 'http://127.0.0.1:1', '--key', 'k', '--platform', 'vm'], /--platform must be one of/],
    [['--nope'], /unknown argument/],
  ])('%j: one-line error, exit 2', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('--help documents the options, the environment and the test-only switches', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const word of ['--server', '--key', '--name', '--platform', 'PADDOCK_SERVER_URL', 'PADDOCK_RUNNER_KEY', 'PADDOCK_RUNNER_NAME', '--test-fail-update', 'Test-only']) {
      expect(r.stdout).toContain(word);
    }
  });
});
