import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { api, Instance } from '../contract';
import { waitFor } from './testing/admin-api';
import { killAllRunners, type RunnerProcess, type RunnerProcessOptions, startRunner } from './testing/runner-process';
import { startTestServer, type TestServer, uniqueGroupName } from './testing/server';

// Stop and Forget from the console, honoured by a real runner process against a real control plane
// on loopback (heartbeat 1 s, offline after 3 s).
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  killAllRunners();
  await server?.close();
});

function runner(ctx: TestContext, opts: RunnerProcessOptions): RunnerProcess {
  const r = startRunner(opts);
  ctx.onTestFinished(() => r.killGroup());
  return r;
}

async function registered(r: RunnerProcess): Promise<string> {
  return (await r.waitForLog(/Registered as instance (\S+);/))[1]!;
}

async function instance(groupId: string, id: string): Promise<Instance | null> {
  const res = await server.admin.request('GET', api.instance(groupId, id));
  return res.status === 200 ? Instance.parse(res.body) : null;
}

/** Whether a process still runs (a zombie counts as ended). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('Stop and Forget honoured by a real runner', () => {
  it.concurrent('Stop: the runner says goodbye, stops its worker, exits 0 and does not come back; the instance ends as a clean exit', async (ctx) => {
    const g = await server.admin.createGroup(uniqueGroupName('stop'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, name: 'to-stop' });
    const id = await registered(r);
    const workerPid = await r.workerPid();
    const res = await server.admin.request('POST', api.instanceStop(g.id, id));
    expect(res.status).toBe(202);
    expect(await r.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(r.output).toMatch(/Stop requested from the console: saying goodbye and exiting/);
    expect(isAlive(workerPid)).toBe(false);
    const ended = await instance(g.id, id);
    expect(ended).toMatchObject({ status: 'terminated', termination: { exitCode: 0, signal: null, reason: 'Stopped', cause: 'completed' } });
    // Ended by its goodbye, not by the sweeper: the record's time is before any offline window could pass.
    expect(Date.parse(ended!.termination!.at) - Date.parse(ended!.stopRequestedAt!)).toBeLessThan(3000);
    // It did not come back: the group's only instance is the one that ended, none connected.
    expect((await server.admin.instances(g.id)).map((i) => [i.name, i.status])).toEqual([['to-stop', 'terminated']]);
    expect(await server.admin.group(g.id)).toMatchObject({ connectedCount: 0, health: 'down' });
  });

  it.concurrent('Forget: a disconnected runner that comes back gets 410, logs one line and exits 1 without retrying', async (ctx) => {
    const g = await server.admin.createGroup(uniqueGroupName('forget'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, name: 'to-forget' });
    const id = await registered(r);
    // Frozen (as a paused VM would be) until the control plane marks it disconnected.
    process.kill(r.pid, 'SIGSTOP');
    try {
      await waitFor(async () => (await instance(g.id, id))?.status === 'disconnected', 'the runner to be disconnected', 15_000);
      expect((await server.admin.request('DELETE', api.instance(g.id, id))).status).toBe(204);
    } finally {
      process.kill(r.pid, 'SIGCONT');
    }
    expect(await r.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    const refusals = r.output.split('\n').filter((l) => /refused/.test(l));
    expect(refusals).toEqual([expect.stringMatching(/Heartbeat refused: this instance was forgotten in the console \(410: instance forgotten/)]);
    expect(r.output).not.toMatch(/retrying in/);
    expect(await server.admin.instances(g.id)).toEqual([]);
  });
});
