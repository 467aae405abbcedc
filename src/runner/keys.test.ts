import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../contract';
import { waitFor } from './testing/admin-api';
import { killAllRunners, type RunnerProcess, startRunner } from './testing/runner-process';
import { startTestServer, type TestServer, uniqueGroupName } from './testing/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => killAllRunners());

async function registered(groupId: string, runner: RunnerProcess): Promise<Instance> {
  const id = (await runner.waitForLog(/Registered as instance (\S+);/))[1]!;
  return waitFor(async () => (await server.admin.instances(groupId)).find((i) => i.id === id), `instance ${id} listed`);
}

async function heartbeatOf(groupId: string, id: string): Promise<number> {
  const inst = (await server.admin.instances(groupId)).find((i) => i.id === id);
  return Date.parse(inst!.lastHeartbeatAt);
}

describe('registration keys and group deletion', () => {
  it('key rotated: the running runner keeps working, a new one with the old key is refused, the new key works', async () => {
    const g = await server.admin.createGroup(uniqueGroupName('rotate'));
    const oldKey = g.registrationKey;
    const running = startRunner({ server: server.url, key: oldKey, name: 'before-rotation' });
    const inst = await registered(g.id, running);

    const rotated = await server.admin.rotateKey(g.id);
    expect(rotated.registrationKey).not.toBe(oldKey);
    const at = await heartbeatOf(g.id, inst.id);
    await waitFor(async () => (await heartbeatOf(g.id, inst.id)) > at + 1500, 'heartbeats after the rotation', 10_000);
    expect(running.exit).toBeNull();

    const late = startRunner({ server: server.url, key: oldKey, name: 'old-key' });
    expect(await late.waitForExit()).toEqual({ code: 1, signal: null });
    expect(late.output).toMatch(/registration key revoked or unknown/);
    expect(late.output).not.toContain(oldKey);

    const fresh = startRunner({ server: server.url, key: rotated.registrationKey, name: 'new-key' });
    await registered(g.id, fresh);
    const instances = await server.admin.instances(g.id);
    expect(instances.filter((i) => i.status === 'connected').map((i) => i.name).sort()).toEqual(['before-rotation', 'new-key']);
  });

  it('group deleted: its runner gets 410 on the next heartbeat, logs one line and exits 1 without retrying', async () => {
    const g = await server.admin.createGroup(uniqueGroupName('deleted'));
    const runner = startRunner({ server: server.url, key: g.registrationKey });
    await registered(g.id, runner);
    const workerPid = await runner.workerPid();
    await server.admin.deleteGroup(g.id);
    expect(await runner.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    const lines = runner.output.split('\n').filter((l) => /refused/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/deleted/);
    expect(runner.output).not.toMatch(/Heartbeat failed/);
    expect(() => process.kill(workerPid, 0)).toThrow();
  });
});
