import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Update } from '../contract';
import { hostname } from 'node:os';
import { type AdminApi, uniqueGroupName } from '../testing/admin-api';
import { type ControlPlane, killAllRunners, type RunnerOptions, type RunnerProcess, startControlPlane, startRunner, waitFor } from '../testing/processes';
import { FakeDocker } from './testing/fake-docker';

// The latest runner version is 1.5.0; every runner here starts on 1.4.0.
let server: ControlPlane;
let admin: AdminApi;
beforeAll(async () => {
  server = await startControlPlane({
    dataDir: 'memory',
    env: {
      PADDOCK_RUNNER_VERSION: '1.5.0',
      PADDOCK_HEARTBEAT_SECONDS: '1',
      // A roomier offline window than the 3 s of the other runner tests: nothing here waits for it, and a loaded machine must not flap.
      PADDOCK_OFFLINE_AFTER_SECONDS: '6',
      PADDOCK_UPDATE_DEADLINE_SECONDS: '60',
    },
  });
  admin = await server.signIn();
});
afterAll(async () => {
  await server?.dispose();
});
// Tests run concurrently (each has its own group); every runner is killed when its test ends.
afterAll(() => killAllRunners());

/** Starts a runner process that is killed (with its process group, replacements included) when the test ends. */
function runner(ctx: TestContext, opts: RunnerOptions): RunnerProcess {
  const r = startRunner(opts);
  ctx.onTestFinished(() => r.killGroup());
  return r;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function registeredId(r: RunnerProcess): Promise<string> {
  return (await r.waitForOutput(/Registered as instance (\S+);/))[1]!;
}

async function updateSettles(groupId: string, updateId: string, timeoutMs = 20_000): Promise<Update> {
  return waitFor(
    async () => {
      const u = (await admin.updates(groupId)).find((x) => x.id === updateId);
      return u && u.state !== 'in_progress' ? u : undefined;
    },
    `update ${updateId} to finish`,
    timeoutMs,
    200,
  );
}

describe('updates carried out by real runner processes', () => {
  it.concurrent('succeeds even after the key was rotated: the replacement keeps the name build-1 on 1.5.0, the old one exits 0', async (ctx) => {
    const g = await admin.createGroup(uniqueGroupName('update-ok'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, name: 'build-1', version: '1.4.0' });
    const oldId = await registeredId(r);
    await waitFor(async () => (await admin.group(g.id)).connectedCount === 1, 'runner connected');
    // A rotated key must not block the update: the replacement registers with the old instance's token.
    await admin.rotateKey(g.id);

    const update = await admin.requestUpdate(g.id);
    expect(update).toMatchObject({ targetVersion: '1.5.0', state: 'in_progress' });
    await r.waitForOutput(
      new RegExp(`Creating new container with name: paddock-runner-1\\.5\\.0 and configuration from container with id: ${oldId} \\(a process here; it registers as build-1\\)`),
    );
    expect(await r.waitForExit()).toEqual({ code: 0, signal: null });

    const done = await updateSettles(g.id, update.id);
    expect(done.state).toBe('succeeded');
    const group = await admin.group(g.id);
    expect(group).toMatchObject({ status: 'connected', connectedCount: 1, versions: ['1.5.0'] });
    const instances = await admin.instances(g.id);
    const old = instances.find((i) => i.id === oldId)!;
    expect(old.status).toBe('terminated');
    expect(old.termination).toMatchObject({ exitCode: 0, reason: 'Replaced', cause: 'replaced' });
    const fresh = instances.find((i) => i.id !== oldId)!;
    // On the process platform the replacement keeps the instance's name, so a group's instances stay apart.
    expect(fresh).toMatchObject({ name: 'build-1', version: '1.5.0', status: 'connected', platform: 'process' });
    // The replacement lives on after its parent exited, in the same process group, logging to the same output.
    expect(r.output()).toMatch(new RegExp(`Registered as instance ${fresh.id};`));
    expect(r.output()).not.toContain(g.registrationKey);
    expect(r.output()).not.toMatch(/pit_[A-Za-z0-9]{8,}|prk_[A-Za-z0-9]{8,}/);
  });

  it.concurrent('fails: the replacement crashes before registering, the update is rolled back and the group stays on 1.4.0', async (ctx) => {
    const g = await admin.createGroup(uniqueGroupName('update-fail'));
    const r = runner(ctx, { server: server.url, key: g.registrationKey, version: '1.4.0', args: ['--test-fail-update'] });
    const id = await registeredId(r);
    await waitFor(async () => (await admin.group(g.id)).connectedCount === 1, 'runner connected');

    const update = await admin.requestUpdate(g.id, '1.5.0');
    // No --name: the instance is named after the host, and so is its replacement.
    await r.waitForOutput(new RegExp(`Creating new container with name: paddock-runner-1\\.5\\.0 and configuration .*it registers as ${escapeRegExp(hostname())}\\)`));
    const done = await updateSettles(g.id, update.id);
    expect(done.state).toBe('rolled_back');
    expect(done.reason).toContain(`replacement ${hostname()} on 1.5.0 exited with code 1 before registering`);

    expect(r.exit).toBeNull();
    const at = Date.now();
    await waitFor(async () => {
      const inst = (await admin.instances(g.id)).find((i) => i.id === id)!;
      return inst.status === 'connected' && Date.parse(inst.lastHeartbeatAt) > at;
    }, 'the old runner to keep heartbeating');
    expect(await admin.group(g.id)).toMatchObject({ status: 'connected', connectedCount: 1, versions: ['1.4.0'], activeUpdate: null });
  });

  it.concurrent('rollback: when one runner update hangs, the runner that already updated is returned to 1.4.0', async (ctx) => {
    const g = await admin.createGroup(uniqueGroupName('rollback'));
    const good = runner(ctx, { server: server.url, key: g.registrationKey, name: 'good', version: '1.4.0' });
    const bad = runner(ctx, { server: server.url, key: g.registrationKey, name: 'bad', version: '1.4.0', args: ['--test-hang-update', '--update-timeout-seconds', '4'] });
    await Promise.all([registeredId(good), registeredId(bad)]);
    await waitFor(async () => (await admin.group(g.id)).connectedCount === 2, 'both runners connected');

    const update = await admin.requestUpdate(g.id);
    // The good runner's replacement registers on 1.5.0, while the bad one's hangs until its 4 s timeout ...
    await good.waitForOutput(/Creating new container with name: paddock-runner-1\.5\.0 and configuration .*it registers as good\)/);
    expect(await good.waitForExit()).toEqual({ code: 0, signal: null });
    const done = await updateSettles(g.id, update.id);
    expect(done.state).toBe('rolled_back');
    expect(done.reason).toMatch(/replacement bad on 1\.5\.0 did not register within 4 s/);
    // ... and is then told to return: it starts its 1.4.0 replacement, still named good, from its own configuration.
    await good.waitForOutput(/Rollback \S+: 1\.5\.0 -> 1\.4\.0/, 20_000);
    await good.waitForOutput(/Rollback \S+: 1\.5\.0 -> 1\.4\.0[\s\S]*Creating new container with name: paddock-runner-1\.4\.0 and configuration from container with id: \S+ \(a process here; it registers as good\)/);
    await waitFor(
      async () => {
        const group = await admin.group(g.id);
        return group.connectedCount === 2 && group.versions.length === 1 && group.versions[0] === '1.4.0' ? group : undefined;
      },
      'the group to be back on 1.4.0 with two connected runners',
      20_000,
      200,
    );
    expect(bad.exit).toBeNull();
    const connected = (await admin.instances(g.id)).filter((i) => i.status === 'connected').map((i) => i.name);
    expect(connected.sort()).toEqual(['bad', 'good']);
  });

  it.concurrent('docker platform: creates container paddock-runner-1.5.0 from its own configuration through the Engine API', async (ctx) => {
    const fake = await FakeDocker.start();
    ctx.onTestFinished(() => fake.close());
    const g = await admin.createGroup(uniqueGroupName('update-docker'));
    const dockerHost = `unix://${fake.socketPath}`;
    // The runner's own container, as `docker run` from the console's Docker tab would have made it.
    const self = fake.seed({
      Id: hostname(),
      Name: '/eager_runner',
      Config: {
        Image: 'ghcr.io/paddock/runner:1.4.0',
        Env: [`PADDOCK_SERVER_URL=${server.url}`, `PADDOCK_RUNNER_KEY=${g.registrationKey}`, 'PADDOCK_RUNNER_PLATFORM=docker', 'PADDOCK_AGENT_VERSION=1.4.0', `DOCKER_HOST=${dockerHost}`],
        Cmd: null,
        Labels: { 'dev.paddock.group': g.name },
      },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' }, Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
    });
    const r = runner(ctx, { server: server.url, key: g.registrationKey, version: '1.4.0', env: { PADDOCK_RUNNER_PLATFORM: 'docker', DOCKER_HOST: dockerHost } });
    const oldId = await registeredId(r);
    await waitFor(async () => (await admin.group(g.id)).connectedCount === 1, 'runner connected');

    const update = await admin.requestUpdate(g.id);
    await r.waitForOutput(new RegExp(`Creating new container with name: paddock-runner-1\\.5\\.0 and configuration from container with id: ${self.Id}`));
    expect(await r.waitForExit()).toEqual({ code: 0, signal: null });
    expect((await updateSettles(g.id, update.id)).state).toBe('succeeded');

    expect(fake.calls).toContainEqual(expect.objectContaining({ method: 'POST', path: '/images/create?fromImage=ghcr.io%2Fpaddock%2Frunner&tag=1.5.0' }));
    const created = fake.find('paddock-runner-1.5.0')!;
    expect(created.Config).toMatchObject({ Image: 'ghcr.io/paddock/runner:1.5.0', Labels: { 'dev.paddock.group': g.name } });
    expect(created.HostConfig).toEqual({ RestartPolicy: { Name: 'unless-stopped' }, Binds: ['/var/run/docker.sock:/var/run/docker.sock'] });
    // The old container will not be restarted on the old version by its restart policy.
    expect(self.HostConfig.RestartPolicy).toEqual({ Name: 'no' });
    expect(created.Config.Env).toEqual(
      expect.arrayContaining(['PADDOCK_AGENT_VERSION=1.5.0', 'PADDOCK_RUNNER_NAME=paddock-runner-1.5.0', `PADDOCK_REPLACES_INSTANCE_ID=${oldId}`]),
    );
    const fresh = (await admin.instances(g.id)).find((i) => i.id !== oldId)!;
    expect(fresh).toMatchObject({ name: 'paddock-runner-1.5.0', platform: 'docker', version: '1.5.0', status: 'connected' });
  });
});
