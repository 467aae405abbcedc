import { describe, expect, it } from 'vitest';
import { defaultRunnerVersion } from '../contract';
import { parseRunnerOptions, replacementArgs, replacementName } from './options';

const key = 'prk_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN123456';

describe('parseRunnerOptions', () => {
  it('reads flags, with defaults for the rest', () => {
    const r = parseRunnerOptions(['--server', 'http://127.0.0.1:8080/', '--key', key, '--name', 'r1'], {});
    expect(r).toEqual({
      kind: 'run',
      options: expect.objectContaining({ serverUrl: 'http://127.0.0.1:8080', key, name: 'r1', platform: 'process', version: defaultRunnerVersion, updateTimeoutSeconds: 300 }),
    });
  });

  it('falls back to the environment the Docker image and Helm chart set', () => {
    const r = parseRunnerOptions([], {
      PADDOCK_SERVER_URL: 'https://paddock.example.com',
      PADDOCK_RUNNER_KEY: key,
      PADDOCK_RUNNER_NAME: 'pod-1',
      PADDOCK_AGENT_VERSION: '1.5.0',
    });
    expect(r.kind === 'run' && r.options).toMatchObject({ serverUrl: 'https://paddock.example.com', key, name: 'pod-1', version: '1.5.0' });
  });

  it("ignores the control plane's PADDOCK_RUNNER_VERSION (the latest version), not its own", () => {
    const r = parseRunnerOptions(['--server', 'http://h', '--key', key], { PADDOCK_RUNNER_VERSION: '9.9.9' });
    expect(r.kind === 'run' && r.options.version).toBe(defaultRunnerVersion);
  });

  it('prefers flags over the environment, and accepts --flag=value', () => {
    const r = parseRunnerOptions(['--server=http://127.0.0.1:1', '--platform=docker'], { PADDOCK_SERVER_URL: 'http://other', PADDOCK_RUNNER_KEY: key });
    expect(r.kind === 'run' && r.options).toMatchObject({ serverUrl: 'http://127.0.0.1:1', platform: 'docker' });
  });

  it('reads the test switches', () => {
    const r = parseRunnerOptions(
      ['--server', 'http://h', '--key', key, '--test-fail-update', '--test-work-exit', '3', '--test-work-seconds', '0.5', '--test-heartbeat-seconds', '1'],
      {},
    );
    expect(r.kind === 'run' && r.options.test).toEqual({ failUpdate: true, hangUpdate: false, workExit: 3, workOom: false, workHeap: false, workSeconds: 0.5, heartbeatSeconds: 1 });
  });

  it.each([
    [[], /missing --server/],
    [['--server', 'http://h'], /missing --key/],
    [['--server', 'ftp://h', '--key', key], /http\(s\) URL/],
    [['--server', 'not a url', '--key', key], /http\(s\) URL/],
    [['--server', 'http://u:p@h', '--key', key], /credentials/],
    [['--server', 'http://h', '--key', key, '--platform', 'vm'], /--platform must be one of/],
    [['--server', 'http://h', '--key', key, '--runner-version', 'latest'], /--runner-version/],
    [['--server', 'http://h', '--key', key, '--bogus'], /unknown argument "--bogus"/],
    [['--server', 'http://h', '--key'], /--key needs a value/],
    [['--server', 'http://h', '--key', key, '--test-work-exit', '300'], /--test-work-exit must be an integer from 0 to 255/],
    [['--server', 'http://h', '--key', key, '--test-work-exit', '1.5'], /--test-work-exit/],
    [['--server', 'http://h', '--key', key, '--update-timeout-seconds', '-1'], /--update-timeout-seconds/],
    [['--server', 'http://h', '--key', key, '--test-fail-update', '--test-hang-update'], /exclude each other/],
    [['--server', 'http://h', '--key', key, '--test-work-oom', '--test-work-heap'], /--test-work-oom and --test-work-heap exclude each other/],
    [['--server', 'http://h', '--key', key, '--test-work-heap', '--test-work-exit', '0'], /--test-work-heap and --test-work-exit exclude each other/],
    [['--server', 'http://h', '--key', 'has space'], /not a registration key/],
  ])('rejects %j', (argv, message) => {
    const r = parseRunnerOptions(argv, {});
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toMatch(message);
  });

  it('never echoes the key in an error', () => {
    const bad = `${key} x`;
    const r = parseRunnerOptions(['--server', 'http://h', '--key', bad], {});
    expect(r.kind === 'error' && r.message).not.toContain(key);
  });

  it('answers --help', () => {
    expect(parseRunnerOptions(['--help'], {})).toEqual({ kind: 'help' });
  });
});

describe('replacementArgs', () => {
  it('drops the key and name, and sets the target version', () => {
    expect(replacementArgs(['--server', 'http://h', '--key', key, '--name', 'a', '--runner-version', '1.4.0', '--test-fail-update'], '1.5.0')).toEqual([
      '--server',
      'http://h',
      '--test-fail-update',
      '--runner-version',
      '1.5.0',
    ]);
    expect(replacementArgs([`--key=${key}`, '--server=http://h'], '2.0.0')).toEqual(['--server=http://h', '--runner-version', '2.0.0']);
  });

  it('names the replacement after its version', () => {
    expect(replacementName('1.5.0')).toBe('paddock-runner-1.5.0');
  });
});
