import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine, demuxLogs, imageForVersion, replacementContainerEnv, startDockerReplacement } from './docker';
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
