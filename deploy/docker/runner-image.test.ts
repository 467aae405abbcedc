import { hostname } from 'node:os';
import { describe, expect, it, type TestContext } from 'vitest';
import { groupSlug, type Update } from '../../src/contract';
import { waitFor } from '../../src/testing/processes';
import { testDocker } from '../../src/testing/docker-engine';
import { escapeRegExp, expectNoSecrets, type Group, nameOf, runnerHarness } from './runner-harness';

// The runner image on a real Docker engine (PRODUCT.md §10, issue 14): the console's Docker command run as
// the console renders it — plus --network host and the image built for this run — against a real control
// plane on loopback; updates through the control plane's API. Containers of a test carry its group's label
// and are removed when it ends. `paddock-runner-{version}` is one name per engine, so each test updates to a
// version of its own (with-docker.sh tags the runner image 1.5.1–1.5.6; the demo's test uses 1.5.0) and
// the tests run at once.
const docker = testDocker('deploy/docker/runner-image.test.ts');
const d = docker!;

const h = runnerHarness(docker);
const { newGroup, runConsoleCommand, logs, instanceNamed, settled, containerOf } = h;

describe.skipIf(!docker)('the runner image on a real Docker engine', { timeout: 180_000, concurrent: true }, () => {
  it.for([
    ['--network host', [], '1.5.1'],
    ['--network host and --hostname', ['--hostname', 'runner-box'], '1.5.2'],
  ] as [string, string[], string][])('the console command (%s): registers with platform docker and its container name; an Update replaces it with paddock-runner-{version} from its configuration', async ([, extra, v], ctx) => {
    const g = await newGroup(ctx, 'docker-update');
    const id = await runConsoleCommand(g, { extra });
    const old = await containerOf(id);
    const oldInstance = await instanceNamed(g.id, nameOf(old));
    expect(oldInstance).toMatchObject({ platform: 'docker', version: '1.4.0' });
    expect(await logs(id)).toMatch(new RegExp(`Running in container ${escapeRegExp(nameOf(old))} \\(id ${id.slice(0, 12)}\\)`));

    const update = await h.server.admin.requestUpdate(g.id, v);
    expect(update.targetVersion).toBe(v);
    const fresh = await instanceNamed(g.id, `paddock-runner-${v}`);
    expect(fresh).toMatchObject({ platform: 'docker', version: v });
    expect((await settled(g.id, update.id)).state).toBe('succeeded');

    // The old container cleared its restart policy and exited 0; its instance was replaced by the update.
    const after = await waitFor(async () => {
      const c = await containerOf(id);
      return c.State.Running ? undefined : c;
    }, 'the old container to exit');
    expect(after.State.ExitCode).toBe(0);
    expect(after.HostConfig.RestartPolicy.Name).toBe('no');
    const ended = (await h.server.admin.instances(g.id)).find((i) => i.id === oldInstance.id)!;
    expect(ended.termination).toMatchObject({ exitCode: 0, reason: 'Replaced', cause: 'replaced' });
    const oldLogs = await logs(id);
    expect(oldLogs).toContain(`Creating new container with name: paddock-runner-${v} and configuration from container with id: ${id}`);

    // The replacement: the old one's configuration on <repo>:{version}, without the old image's defaults.
    const next = await containerOf(`paddock-runner-${v}`);
    expect(next.State.Running).toBe(true);
    expect(next.Config.Image).toBe(`${d.runnerImage}:${v}`);
    expect(next.Config.Labels).toMatchObject({ 'paddock.runner-group': groupSlug(g.name), 'org.opencontainers.image.version': v });
    expect(next.HostConfig).toMatchObject({ NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' }, Binds: old.HostConfig.Binds, GroupAdd: old.HostConfig.GroupAdd });
    expect(next.Config.Env).toEqual(expect.arrayContaining([`PADDOCK_SERVER_URL=${h.server.url}`, `PADDOCK_AGENT_VERSION=${v}`, `PADDOCK_RUNNER_NAME=paddock-runner-${v}`]));
    if (extra.includes('--hostname')) expect(next.Config.Hostname).toBe('runner-box');
    const nextLogs = await logs(`paddock-runner-${v}`);
    expect(nextLogs).toMatch(new RegExp(`Registered as instance ${fresh.id};`));
    expectNoSecrets(oldLogs + nextLogs, g.key);
  });

  it('a replacement container killed whole is restarted by its policy: it reports its last run, then registers anew with the key', async (ctx) => {
    const g = await newGroup(ctx, 'docker-restarted');
    await runConsoleCommand(g);
    await waitFor(async () => (await h.server.admin.instances(g.id)).find((i) => i.status === 'connected'), 'the runner to register', 60_000, 250);
    const update = await h.server.admin.requestUpdate(g.id, '1.5.3');
    const replaced = await instanceNamed(g.id, 'paddock-runner-1.5.3');
    expect((await settled(g.id, update.id)).state).toBe('succeeded');

    const next = await containerOf('paddock-runner-1.5.3');
    process.kill(next.State.Pid, 'SIGKILL');
    const ended = await instanceNamed(g.id, 'paddock-runner-1.5.3', 'terminated');
    expect(ended.id).toBe(replaced.id);
    expect(ended.termination).toMatchObject({ exitCode: 137, reason: 'Error', cause: 'killed' });
    // Its environment still names the instance it replaced on its first run; that hand-over is spent.
    const again = await instanceNamed(g.id, 'paddock-runner-1.5.3');
    expect(again).toMatchObject({ version: '1.5.3', platform: 'docker' });
    expect(again.id).not.toBe(replaced.id);
    const out = await logs('paddock-runner-1.5.3');
    expect(out).toContain('This container was restarted: registering anew with the registration key');
    expectNoSecrets(out, g.key);
  });

  it('a replacement already running under that name is used: "Found existing container…", nothing created', async (ctx) => {
    const g = await newGroup(ctx, 'docker-found');
    const id = await runConsoleCommand(g);
    const oldInstance = await instanceNamed(g.id, nameOf(await containerOf(id)));
    // As if an earlier attempt had started it: this group's runner on 1.5.4 under the replacement's name.
    const socketGroup = (await d.sh(`stat -c '%g' ${d.socketPath}`)).stdout.trim();
    const existing = await d.ok(['run', '-d', '--name', 'paddock-runner-1.5.4', '--network', 'host', '-v', `${d.socketPath}:/var/run/docker.sock`, '--group-add', socketGroup,
      '-e', `PADDOCK_SERVER_URL=${h.server.url}`, '-e', `PADDOCK_RUNNER_KEY=${g.key}`, '--label', g.label, `${d.runnerImage}:1.5.4`]);
    await instanceNamed(g.id, 'paddock-runner-1.5.4');

    await h.server.admin.requestUpdate(g.id, '1.5.4');
    await waitFor(async () => !(await containerOf(id)).State.Running, 'the old container to exit', 60_000, 250);
    expect(await logs(id)).toContain(`Found existing container with name: paddock-runner-1.5.4 already running with id: ${existing}`);
    expect(await logs(id)).not.toContain('Creating new container');
    expect((await containerOf('paddock-runner-1.5.4')).Id).toBe(existing);
    expect((await containerOf(id)).State.ExitCode).toBe(0);
    const ended = await instanceNamed(g.id, oldInstance.name, 'terminated');
    expect(ended.termination).toMatchObject({ cause: 'replaced' });
  });

  it('a replacement that fails before registering is removed and the group rolls back, the old runner carrying on', async (ctx) => {
    const g = await newGroup(ctx, 'docker-fail');
    // The test switch after the image: the replacement this runner starts crashes before registering.
    const id = await runConsoleCommand(g, { args: ['--test-fail-update'] });
    const oldInstance = await instanceNamed(g.id, nameOf(await containerOf(id)));
    const update = await h.server.admin.requestUpdate(g.id, '1.5.5');
    const done = await settled(g.id, update.id);
    expect(done.state).toBe('rolled_back');
    expect(done.reason).toContain('replacement paddock-runner-1.5.5 exited with code 1 before registering');
    expect(await d.inspect('paddock-runner-1.5.5')).toBeNull();
    const old = await containerOf(id);
    expect(old.State.Running).toBe(true);
    expect(old.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(await logs(id)).toContain('Creating new container with name: paddock-runner-1.5.5');
    expect((await h.server.admin.instances(g.id)).find((i) => i.id === oldInstance.id)).toMatchObject({ status: 'connected', version: '1.4.0' });
  });
});

describe.skipIf(!docker)('bad input: the update rolls back with the reason in one line, and no container is left half-made', { timeout: 180_000, concurrent: true }, () => {
  /** Runs the group's runner, requests an update, and returns the rolled-back update and the runner's failure line. */
  async function failedUpdate(g: Group, id: string, targetVersion: string): Promise<{ update: Update; said: string }> {
    await waitFor(async () => (await h.server.admin.instances(g.id)).find((i) => i.status === 'connected'), 'the runner to register', 60_000, 250);
    const update = await h.server.admin.requestUpdate(g.id, targetVersion);
    const done = await settled(g.id, update.id);
    expect(done.state).toBe('rolled_back');
    const lines = (await logs(id)).split('\n').filter((l) => / failed: /.test(l));
    expect(lines).toHaveLength(1);
    const said = /ERROR Update \S+ failed: (.*); staying on 1\.4\.0$/.exec(lines[0]!)?.[1] ?? '';
    // What the runner said is what the group's rolled-back update shows.
    expect(said).not.toBe('');
    expect(done.reason).toContain(said);
    expect((await containerOf(id)).State.Running).toBe(true);
    return { update: done, said };
  }

  it('an image that is not on the host and cannot be pulled', async (ctx) => {
    const g = await newGroup(ctx, 'docker-no-image');
    const id = await runConsoleCommand(g);
    const { said } = await failedUpdate(g, id, '1.6.0');
    expect(said).toMatch(new RegExp(`^could not start the replacement on 1\\.6\\.0: image ${escapeRegExp(d.runnerImage)}:1\\.6\\.0 is not on this host and could not be pulled: `));
    expect(await d.inspect('paddock-runner-1.6.0')).toBeNull();
  });

  it('a container of another kind already named paddock-runner-1.5.6 (left untouched)', async (ctx) => {
    const g = await newGroup(ctx, 'docker-conflict');
    const foreign = await d.ok(['create', '--name', 'paddock-runner-1.5.6', '--label', g.label, 'node:20-bookworm-slim']);
    const id = await runConsoleCommand(g);
    const { said } = await failedUpdate(g, id, '1.5.6');
    expect(said).toContain(`a container named paddock-runner-1.5.6 already exists (id ${foreign.slice(0, 12)}, created, image node:20-bookworm-slim) and is not this group's runner`);
    expect(said).toContain('docker rm paddock-runner-1.5.6');
    expect((await containerOf('paddock-runner-1.5.6')).Id).toBe(foreign);
  });

  it('no Docker socket mounted', async (ctx) => {
    const g = await newGroup(ctx, 'docker-no-socket');
    const id = await runConsoleCommand(g, {
      edit: (c) => c.replace(/ \\\n {2}-v \S+:\/var\/run\/docker\.sock/, '').replace(/ \\\n {2}--group-add "[^"]*"/, ''),
    });
    const { said } = await failedUpdate(g, id, '1.5.7');
    // Without the engine it cannot know its container's name: under --network host the hostname is the machine's.
    expect((await h.server.admin.instances(g.id)).map((i) => i.name)).toEqual([hostname()]);
    expect(said).toContain('no Docker socket at /var/run/docker.sock: mount it (-v /var/run/docker.sock:/var/run/docker.sock)');
    expect(await logs(id)).toContain('No Docker socket at /var/run/docker.sock');
    expect(await d.inspect('paddock-runner-1.5.7')).toBeNull();
  });

  it('a Docker socket nobody answers on', async (ctx) => {
    const g = await newGroup(ctx, 'docker-dead-socket');
    const dead = await deadSocket(ctx);
    const id = await runConsoleCommand(g, { edit: (c) => c.replaceAll(d.socketPath, dead) });
    const { said } = await failedUpdate(g, id, '1.5.8');
    expect(said).toContain('cannot reach the Docker engine at /var/run/docker.sock (ECONNREFUSED)');
    expect(await d.inspect('paddock-runner-1.5.8')).toBeNull();
  });
});

/** A unix socket file with no listener (its process was killed): connecting is refused. */
async function deadSocket(ctx: TestContext): Promise<string> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync('/tmp/paddock-dead-socket-');
  ctx.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = `${dir}/docker.sock`;
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => { require('fs').chmodSync(${JSON.stringify(path)}, 0o666); console.log('up'); })`]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return path;
}
