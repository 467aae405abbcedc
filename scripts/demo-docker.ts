// `npm run demo -- --docker`: the demo's fleet as real containers on the Docker engine DOCKER_HOST names
// (or /var/run/docker.sock), each started by the console's Docker command (PRODUCT.md §3) with
// --network host (the demo's control plane listens on loopback), a --name and the demo's label.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCommand, type GroupWithKey, type Update } from '../src/contract';
import { DockerEngine } from '../src/runner/docker';
import type { AdminApi } from '../src/testing/admin-api';
import { asRunHere, dockerClient } from '../src/testing/docker-engine';
import { waitFor } from '../src/testing/processes';

type Client = ReturnType<typeof dockerClient>;
type Say = (message: string) => void;

/** Every container the demo starts carries it, replacements included (they copy the user's labels). */
const demoLabel = 'paddock.demo=1';
const root = new URL('..', import.meta.url).pathname;

export interface DemoEngine {
  client: Client;
  /** The runner image's repository, with tags 1.4.0 and 1.5.0. */
  image: string;
  removeAll(): Promise<void>;
}

/**
 * The engine to run the fleet on, with the runner images (built from this checkout when missing), or
 * null after one line saying why the demo runs processes instead.
 */
export async function demoEngine(say: Say): Promise<DemoEngine | null> {
  const socket = DockerEngine.socketFromEnv(process.env);
  const engine = socket ? new DockerEngine(socket) : null;
  const reachable = engine
    ? await engine.call('GET', '/_ping', undefined, 5000).then(
        (r) => (r.status === 200 ? null : `it answered ${r.status}`),
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      )
    : `DOCKER_HOST=${process.env.DOCKER_HOST} is not a unix socket`;
  if (reachable !== null) {
    say(`--docker: no Docker engine reachable (${reachable}); the runners run as processes instead`);
    return null;
  }
  const client = dockerClient(`unix://${socket}`);
  const image = process.env.PADDOCK_DEMO_RUNNER_IMAGE || 'paddock-demo/runner';
  for (const version of ['1.4.0', '1.5.0']) {
    if ((await client.docker(['image', 'inspect', `${image}:${version}`])).code === 0) continue;
    if ((await client.docker(['image', 'inspect', 'node:20-bookworm-slim'])).code !== 0 && (await client.docker(['pull', 'node:20-bookworm-slim'])).code !== 0) {
      say('--docker: no registry for node:20-bookworm-slim; making it from this machine (scripts/docker-base-image.sh)');
      const r = await client.sh(`bash ${join(root, 'scripts/docker-base-image.sh')}`);
      if (r.code !== 0) throw new Error(`scripts/docker-base-image.sh failed: ${r.stderr.trim().slice(-500)}`);
    }
    say(`--docker: building ${image}:${version} from this checkout (deploy/docker/Dockerfile; a minute the first time)…`);
    const b = await client.sh(
      `cd ${root} && DOCKER_BUILDKIT=1 docker build --quiet --network host -f deploy/docker/Dockerfile --build-arg RUNNER_VERSION=${version} -t ${image}:${version} .`,
      900_000,
    );
    if (b.code !== 0) throw new Error(`docker build of ${image}:${version} failed: ${b.stderr.trim().slice(-800)}`);
  }
  const removeAll = () => client.removeLabelled(demoLabel);
  const left = (await client.ok(['ps', '-aq', '--filter', `label=${demoLabel}`])).split('\n').filter(Boolean);
  if (left.length) {
    say(`--docker: removing ${left.length} container(s) an earlier demo left`);
    await removeAll();
  }
  return { client, image, removeAll };
}

interface Groups {
  production: GroupWithKey;
  staging: GroupWithKey;
  edge: GroupWithKey;
  batch: GroupWithKey;
}

/**
 * The demo's timeline on containers. One runner per group that updates: a Docker update names its
 * replacement `paddock-runner-{version}`, one such container per engine.
 */
export async function dockerTimeline(
  e: DemoEngine,
  serverUrl: string,
  admin: AdminApi,
  g: Groups,
  say: Say,
  at: (s: number) => Promise<unknown>,
  startClock: () => void,
): Promise<Array<[GroupWithKey, Update]>> {
  const { client } = e;
  const run = async (name: string, group: GroupWithKey, opts: { args?: string[]; extra?: string[]; ends?: boolean } = {}) => {
    let command = asRunHere(
      dockerCommand({ groupName: group.name, serverUrl, registrationKey: group.registrationKey, runnerImage: e.image, runnerVersion: '1.4.0' }),
      client.socketPath,
      ['--name', name, '--label', demoLabel, ...(opts.extra ?? [])],
    );
    // A runner that ends by design is not brought back by a restart policy.
    if (opts.ends) command = command.replace('--restart unless-stopped', '--restart no');
    const r = await client.sh(`${command}${opts.args ? ` ${opts.args.join(' ')}` : ''}`);
    if (r.code !== 0) throw new Error(`docker run ${name} failed: ${r.stderr.trim().slice(0, 500)}`);
    return name;
  };

  say('starting 10 runner containers on version 1.4.0 (the console\'s Docker command, with --network host and a --name)');
  const names = await Promise.all([
    // production: one runner; its update to 1.5.0 succeeds.
    run('prod-1', g.production),
    // staging: the kernel OOM-kills one worker past its container's -m; one runner is stopped with docker
    // stop; an update rolls back because the replacement crashes before registering (test switch).
    run('staging-oom', g.staging, { extra: ['-m', '160m'], args: ['--test-work-oom', '--test-work-seconds', '8'], ends: true }),
    run('staging-stop', g.staging),
    run('staging-fail', g.staging, { args: ['--test-fail-update'] }),
    // edge-lab: both killed hard (docker kill): red, no exit recorded (lost).
    run('edge-1', g.edge),
    run('edge-2', g.edge),
    // batch: one stays; workers end by themselves (exit 0: Completed; V8 heap abort: Crash) or are
    // SIGKILLed (137 / Error).
    run('batch-steady', g.batch),
    run('batch-done', g.batch, { args: ['--test-work-exit', '0', '--test-work-seconds', '10'], ends: true }),
    run('batch-crash', g.batch, { args: ['--test-work-heap', '--test-work-seconds', '12'], ends: true }),
    run('batch-killed', g.batch),
  ]);
  await waitFor(
    async () => {
      const listed = (await Promise.all([g.production, g.staging, g.edge, g.batch].map((x) => admin.instances(x.id)))).flat();
      return names.every((n) => listed.some((i) => i.name === n)) || undefined;
    },
    'every container to register',
    120_000,
    500,
  );
  startClock();
  say('every group is green now; the timeline starts');

  await at(3);
  say('edge-lab: docker kill edge-1 and edge-2: red after the offline window, no exit recorded (lost)');
  await client.ok(['kill', 'edge-1', 'edge-2']);

  await at(5);
  say('staging: docker stop staging-stop (goodbye: disconnected at once, signal 15)');
  await client.ok(['stop', 'staging-stop']);

  await at(10);
  say("batch: batch-done's worker exits 0 about now (Completed); batch-crash's worker fills V8's heap at +12 s (Crash, 134)");
  // staging-oom's worker has met the kernel by now; staging-fail is then the group's only runner on 1.4.0.
  await waitFor(async () => (await admin.instances(g.staging.id)).find((i) => i.name === 'staging-oom' && i.termination), 'staging-oom to end', 60_000, 500).catch(() => {});
  say("staging: requesting an update to 1.5.0; staging-fail's replacement container crashes before registering, so it is removed and the update rolls back");
  const stagingUpdate = await admin.requestUpdate(g.staging.id);

  const settled = async (groupId: string, updateId: string) =>
    waitFor(
      async () => {
        const u = (await admin.updates(groupId)).find((x) => x.id === updateId);
        return u && u.state !== 'in_progress' ? u : undefined;
      },
      'update to finish',
      150_000,
      500,
    );
  // The failed replacement is removed before the update is reported failed: the name is free again.
  const staged = await settled(g.staging.id, stagingUpdate.id);
  await at(12);
  say('production: requesting an update to 1.5.0 (prod-1 creates paddock-runner-1.5.0 from its configuration, then exits 0)');
  const prodUpdate = await admin.requestUpdate(g.production.id);

  await at(16);
  const killed = await client.inspect<{ State: { Pid: number } }>('batch-killed');
  const worker = killed ? childrenOf(killed.State.Pid)[0] : undefined;
  if (worker) {
    say(`batch: SIGKILL batch-killed's worker (pid ${worker} on this host): 137 / Error`);
    try {
      process.kill(worker, 'SIGKILL');
    } catch {
      say('batch: that worker was already gone');
    }
  } else {
    say("batch: batch-killed's worker could not be found from this host (a remote engine?): docker exec batch-killed kill -9 <worker> does the same");
  }
  return [
    [g.staging, staged],
    [g.production, await settled(g.production.id, prodUpdate.id)],
  ];
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
