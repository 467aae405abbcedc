import { afterEach, describe, expect, it } from 'vitest';
import {
  type ContainerInspect,
  DockerEngine,
  demuxLogs,
  endOfPreviousRun,
  findOwnContainer,
  imageForVersion,
  ownContainerIdCandidates,
  pullError,
  replacementContainerEnv,
  startDockerReplacement,
  userConfig,
} from './docker';
import { createLogger } from './log';
import type { ReplacementSpec } from './replacement';
import { FakeDocker } from './testing/fake-docker';

const spec: ReplacementSpec = {
  targetVersion: '1.5.0',
  oldInstanceId: 'i-old',
  oldName: 'eager_runner',
  oldToken: 'pit_secret',
  key: 'prk_x',
  argv: [],
  startFailure: null,
  timeoutMs: 5000,
};

describe('docker helpers', () => {
  it.each([
    ['ghcr.io/paddock/runner:1.4.0', 'ghcr.io/paddock/runner:1.5.0'],
    ['ghcr.io/paddock/runner', 'ghcr.io/paddock/runner:1.5.0'],
    ['registry.local:5000/runner:1.4.0', 'registry.local:5000/runner:1.5.0'],
    ['registry.local:5000/runner', 'registry.local:5000/runner:1.5.0'],
    ['ghcr.io/paddock/runner:1.4.0@sha256:abc', 'ghcr.io/paddock/runner:1.5.0'],
  ])('image %s → %s', (image, expected) => {
    expect(imageForVersion(image, '1.5.0')).toBe(expected);
  });

  it('hands over version, name and the old identity in the environment, replacing stale values', () => {
    expect(
      replacementContainerEnv(['PADDOCK_SERVER_URL=https://p', 'PADDOCK_AGENT_VERSION=1.4.0', 'PADDOCK_REPLACES_TOKEN=old', 'A=b=c'], spec),
    ).toEqual([
      'PADDOCK_SERVER_URL=https://p',
      'A=b=c',
      'PADDOCK_AGENT_VERSION=1.5.0',
      'PADDOCK_RUNNER_NAME=paddock-runner-1.5.0',
      'PADDOCK_REPLACES_INSTANCE_ID=i-old',
      'PADDOCK_REPLACES_TOKEN=pit_secret',
    ]);
  });

  it('reads multiplexed and raw (TTY) container logs', () => {
    const frame = (stream: number, text: string) => {
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([h, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n')]))).toBe('a\nb\n');
    expect(demuxLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
  });
});

const id = 'c0ffee'.padEnd(64, '0');
const other = 'beef'.padEnd(64, '1');

describe('finding its own container', () => {
  it('reads the id from the mounts the engine makes (any network, any hostname), then from the cgroup', () => {
    const mountinfo = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      `89 72 254:0 /var/lib/docker/containers/${id}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
      `90 72 254:0 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
    ].join('\n');
    expect(ownContainerIdCandidates(mountinfo, `4:memory:/docker/${other}\n0::/`)).toEqual([id, other]);
    expect(ownContainerIdCandidates('', `0::/system.slice/docker-${other}.scope`)).toEqual([other]);
    expect(ownContainerIdCandidates('', '4:memory:/process_api/acd9235c5070f3094b70e9b555e4e244\n0::/')).toEqual([]);
  });

  it('asks the engine for each candidate, the hostname last; says what it tried when none is known', async () => {
    const fake = await FakeDocker.start();
    try {
      const engine = new DockerEngine(fake.socketPath);
      fake.seed({ Id: id, Name: '/eager_runner', Config: { Image: 'r:1.4.0', Env: [], Cmd: null } });
      const files: Record<string, string> = { '/proc/self/mountinfo': `1 2 0:1 /data/containers/${id}/hostname /etc/hostname rw - ext4 x rw`, '/proc/self/cgroup': '' };
      await expect(findOwnContainer(engine, 'vm', (f) => files[f] ?? '')).resolves.toMatchObject({ Id: id, Name: '/eager_runner' });
      // Under --network host the hostname is the machine's: not a container, and the error says what was tried.
      await expect(findOwnContainer(engine, 'vm', () => '')).rejects.toThrow(/cannot find this runner's own container through the Docker engine at .* \(tried vm\)/);
    } finally {
      await fake.close();
    }
  });
});

describe('the replacement keeps what the user gave the old container, not what its image set', () => {
  const self: ContainerInspect = {
    Id: id,
    Config: {
      Image: 'ghcr.io/paddock/runner:1.4.0',
      Hostname: id.slice(0, 12),
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'PADDOCK_AGENT_VERSION=1.4.0', 'PADDOCK_SERVER_URL=https://p', 'PADDOCK_RUNNER_KEY=k'],
      Labels: { 'org.opencontainers.image.version': '1.4.0', 'paddock.runner-group': 'prod' },
      Cmd: null,
      Entrypoint: ['node', '/opt/paddock/cli.mjs'],
      User: 'node',
      Tty: false,
    },
    HostConfig: { NetworkMode: 'default' },
  };
  const image = {
    Image: '',
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'PADDOCK_AGENT_VERSION=1.4.0', 'PADDOCK_SERVER_URL=', 'PADDOCK_RUNNER_KEY='],
    Labels: { 'org.opencontainers.image.version': '1.4.0' },
    Cmd: null,
    Entrypoint: ['node', '/opt/paddock/cli.mjs'],
    User: 'node',
  };

  it('drops the image defaults and the engine-made hostname', () => {
    expect(userConfig(self, image, null)).toEqual({
      Image: 'ghcr.io/paddock/runner:1.4.0',
      Env: ['PADDOCK_SERVER_URL=https://p', 'PADDOCK_RUNNER_KEY=k'],
      Labels: { 'paddock.runner-group': 'prod' },
      Tty: false,
    });
  });

  it('keeps a chosen --hostname, arguments and entrypoint; everything when the image is unknown', () => {
    const custom = { ...self, Config: { ...self.Config, Hostname: 'builder', Cmd: ['--test-fail-update'] } };
    expect(userConfig(custom, image, null)).toMatchObject({ Hostname: 'builder', Cmd: ['--test-fail-update'] });
    // Under --network host the engine's default is the machine's name; a chosen one differs from it.
    const hostNet = { ...custom, HostConfig: { NetworkMode: 'host' } };
    expect(userConfig(hostNet, image, 'builder').Hostname).toBeUndefined();
    expect(userConfig(hostNet, image, 'vm').Hostname).toBe('builder');
    expect(userConfig(self, null, null)).toMatchObject({ Env: self.Config.Env, Labels: self.Config.Labels, Entrypoint: self.Config.Entrypoint });
  });

  it('finds the error a pull reports inside its 200 progress stream', () => {
    expect(pullError('{"status":"Pulling from paddock/runner"}\n{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n')).toBe('manifest unknown');
    expect(pullError('{"status":"Pulling from paddock/runner"}\n{"status":"Downloaded newer image"}\n')).toBeNull();
  });
});

describe("how a container's previous run ended, from the engine's events", () => {
  const at = (s: number) => s * 1e9;
  const ev = (action: 'start' | 'die' | 'oom', s: number, exitCode: number | null = null) => ({ action, timeNano: at(s), exitCode });

  it.each([
    ['SIGKILLed (docker kill, kill -9): 137 / Error', [ev('start', 1), ev('die', 5, 137), ev('start', 6)], { exitCode: 137, signal: null, reason: 'Error' }],
    ['the kernel killed for the memory limit: 137 / OOMKilled', [ev('start', 1), ev('oom', 4), ev('die', 4, 137), ev('start', 6)], { exitCode: 137, signal: null, reason: 'OOMKilled', oom: true }],
    ['an unhandled SIGTERM: signal 15 alone', [ev('start', 1), ev('die', 5, 143), ev('start', 6)], { exitCode: null, signal: 15, reason: null }],
    ['the runner exited with its worker\'s code', [ev('start', 1), ev('die', 5, 3), ev('start', 6)], { exitCode: 3, reason: 'Error' }],
    ['an exit 0', [ev('start', 1), ev('die', 5, 0), ev('start', 6)], { exitCode: 0, reason: 'Completed' }],
  ] as const)('%s', (_, events, expected) => {
    expect(endOfPreviousRun(events, 6000)).toMatchObject({ ...expected, at: new Date(5000 - (expected.reason === 'OOMKilled' ? 1000 : 0)).toISOString() });
  });

  it('an oom of an earlier run does not make the last one OOMKilled; a first run has no previous end', () => {
    const events = [ev('start', 1), ev('oom', 2), ev('die', 2, 137), ev('start', 3), ev('die', 5, 137), ev('start', 6)];
    expect(endOfPreviousRun(events, 6000)).toMatchObject({ exitCode: 137, reason: 'Error', oom: false });
    expect(endOfPreviousRun([ev('start', 6)], 6000)).toBeNull();
    // Events of the current run (after its start) are not the previous run's.
    expect(endOfPreviousRun([ev('start', 1), ev('die', 7, 137)], 1500)).toBeNull();
  });
});

describe('startDockerReplacement against a fake engine', () => {
  let fake: FakeDocker | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('finds paddock-runner-{version} already running: logs so, creates nothing, waits for its registration', async () => {
    fake = await FakeDocker.start();
    fake.seed({ Id: 'self0123456789', Name: '/happy_runner', Config: { Image: 'ghcr.io/paddock/runner:1.4.0', Env: [], Cmd: null } });
    fake.seed({
      Id: 'abcdef0123456789',
      Name: '/paddock-runner-1.5.0',
      Config: { Image: 'ghcr.io/paddock/runner:1.5.0', Env: [], Cmd: null },
      logs: '2026-01-01T00:00:00.000Z INFO Registered as instance i-new; heartbeat every 5 s\n',
    });
    const lines: string[] = [];
    const log = createLogger({ out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const r = await startDockerReplacement(spec, new DockerEngine(fake.socketPath), 'self0123456789', log);
    expect(lines.join('')).toMatch(/Found existing container with name: paddock-runner-1\.5\.0 already running with id: abcdef0123456789/);
    await expect(r.outcome).resolves.toEqual({ kind: 'registered', instanceId: 'i-new' });
    expect(fake.calls.some((c) => c.path.startsWith('/containers/create'))).toBe(false);
  });

  it('a replacement container that stops before registering is an exit', async () => {
    fake = await FakeDocker.start();
    fake.seed({ Id: 'self0123456789', Name: '/self', Config: { Image: 'ghcr.io/paddock/runner:1.4.0', Env: [], Cmd: null } });
    fake.seed({
      Id: 'dead0123456789',
      Name: '/paddock-runner-1.5.0',
      Config: { Image: 'ghcr.io/paddock/runner:1.5.0', Env: [], Cmd: null },
      State: { Running: false, Status: 'exited', ExitCode: 1 },
    });
    const log = createLogger({ out: () => {}, err: () => {} });
    // A stopped container with the name is removed and created again; the new one (no server here) fails.
    const r = await startDockerReplacement(spec, new DockerEngine(fake.socketPath), 'self0123456789', log);
    expect(fake.calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
    await expect(r.outcome).resolves.toMatchObject({ kind: 'exited', code: 2 });
  });
});
