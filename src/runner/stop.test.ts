import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { type AdminApi, type AdminApiError, uniqueGroupName } from '../testing/admin-api';
import { type ControlPlane, killAllRunners, type RunnerOptions, type RunnerProcess, startControlPlane, startRunner, waitFor } from '../testing/processes';
import { FakeDocker } from './testing/fake-docker';

// Stop and Forget from the console, honoured by real runner processes against a real control plane
// process on loopback (heartbeat 1 s, offline after 3 s).
let server: ControlPlane;
let admin: AdminApi;
beforeAll(async () => {
  server = await startControlPlane({ dataDir: 'memory', env: { PADDOCK_HEARTBEAT_SECONDS: '1', PADDOCK_OFFLINE_AFTER_SECONDS: '3' } });
  admin = await server.signIn();
});
afterAll(async () => {
  killAllRunners();
  await server?.dispose();
});

function runner(ctx: TestContext, opts: RunnerOptions): RunnerProcess {
  const r = startRunner(opts);
  ctx.onTestFinished(() => r.killGroup());
  return r;
}

async function registered(r: RunnerProcess): Promise<string> {
  return (await r.waitForOutput(/Registered as instance (\S+);/))[1]!;
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
    const g = await admin.createGroup(uniqueGroupName('stop'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, name: 'to-stop' });
    const id = await registered(r);
    const workerPid = await r.workerPid();
    const asked = await admin.stopInstance(g.id, id);
    expect(asked).toMatchObject({ id, status: 'connected', stopRequestedAt: expect.any(String) });
    expect(await r.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(r.output()).toMatch(/Stop requested from the console: saying goodbye and exiting/);
    expect(isAlive(workerPid)).toBe(false);
    const ended = await admin.instance(g.id, id);
    expect(ended).toMatchObject({ status: 'terminated', termination: { exitCode: 0, signal: null, reason: 'Stopped', cause: 'completed' } });
    // Ended by its goodbye, not by the sweeper: well within one offline window of the request.
    expect(Date.parse(ended.termination!.at) - Date.parse(ended.stopRequestedAt!)).toBeLessThan(3000);
    // It did not come back: the group's only instance is the one that ended, none connected.
    expect((await admin.instances(g.id)).map((i) => [i.name, i.status])).toEqual([['to-stop', 'terminated']]);
    expect(await admin.group(g.id)).toMatchObject({ connectedCount: 0, health: 'down' });
  });

  it.concurrent('Stop on Docker: the runner clears its container\'s restart policy before it exits 0, so the engine does not start it again', async (ctx) => {
    const fake = await FakeDocker.start();
    ctx.onTestFinished(() => fake.close());
    const g = await admin.createGroup(uniqueGroupName('stop-docker'));
    // The runner's own container, as `docker run --restart unless-stopped` would have made it.
    const self = fake.seed({
      Id: hostname(),
      Name: '/eager_runner',
      Config: { Image: 'ghcr.io/paddock/runner:1.4.0', Env: [], Cmd: null },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
    });
    const r = runner(ctx, {
      server: server.url,
      key: g.registrationKey,
      name: 'docker-to-stop',
      env: { PADDOCK_RUNNER_PLATFORM: 'docker', DOCKER_HOST: `unix://${fake.socketPath}` },
    });
    const id = await registered(r);
    await admin.stopInstance(g.id, id);
    expect(await r.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(self.HostConfig.RestartPolicy).toEqual({ Name: 'no' });
    expect(r.output()).toMatch(/Stop requested from the console[\s\S]*Cleared this container's restart policy, so that it stays stopped/);
    expect(await admin.instance(g.id, id)).toMatchObject({ status: 'terminated', termination: { exitCode: 0, reason: 'Stopped', cause: 'completed' } });
  });

  it.concurrent('Forget: a disconnected runner that comes back gets 410, logs one line and exits 1 without retrying', async (ctx) => {
    const g = await admin.createGroup(uniqueGroupName('forget'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, name: 'to-forget' });
    const id = await registered(r);
    // While it is connected, Forget is refused.
    await expect(admin.forgetInstance(g.id, id)).rejects.toMatchObject({ status: 409 } satisfies Partial<AdminApiError>);
    // Frozen (as a paused VM would be) until the control plane marks it disconnected.
    r.signal('SIGSTOP');
    try {
      await waitFor(async () => (await admin.instance(g.id, id)).status === 'disconnected', 'the runner to be disconnected', 15_000);
      await admin.forgetInstance(g.id, id);
    } finally {
      r.signal('SIGCONT');
    }
    expect(await r.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    const refusals = r.output().split('\n').filter((l) => /refused/.test(l));
    expect(refusals).toEqual([expect.stringMatching(/Heartbeat refused: this instance was forgotten in the console \(410: instance forgotten/)]);
    expect(r.output()).not.toMatch(/retrying in/);
    expect(await admin.instances(g.id)).toEqual([]);
  });
});
