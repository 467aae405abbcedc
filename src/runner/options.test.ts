import { describe, expect, it } from 'vitest';
import { defaultRunnerVersion } from '../contract';
import { keyFlagRefused, parseRunnerOptions, replacementArgs, replacementName } from './options';

const key = 'prk_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN123456';

describe('parseRunnerOptions', () => {
  it('reads flags, with defaults for the rest', () => {
    const r = parseRunnerOptions(['--server', 'http://127.0.0.1:8080/', '--name', 'r1'], { PADDOCK_RUNNER_KEY: key });
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
    const r = parseRunnerOptions(['--server', 'http://h'], { PADDOCK_RUNNER_VERSION: '9.9.9', PADDOCK_RUNNER_KEY: key });
    expect(r.kind === 'run' && r.options.version).toBe(defaultRunnerVersion);
  });

  it('prefers flags over the environment, and accepts --flag=value', () => {
    const r = parseRunnerOptions(['--server=http://127.0.0.1:1', '--platform=docker'], { PADDOCK_SERVER_URL: 'http://other', PADDOCK_RUNNER_KEY: key });
    expect(r.kind === 'run' && r.options).toMatchObject({ serverUrl: 'http://127.0.0.1:1', platform: 'docker' });
  });

  it('reads the test switches', () => {
    const r = parseRunnerOptions(
      ['--server', 'http://h', '--test-fail-update', '--test-work-exit', '3', '--test-work-seconds', '0.5', '--test-heartbeat-seconds', '1'],
      { PADDOCK_RUNNER_KEY: key },
    );
    expect(r.kind === 'run' && r.options.test).toEqual({ failUpdate: true, hangUpdate: false, workExit: 3, workOom: false, workHeap: false, workSeconds: 0.5, heartbeatSeconds: 1 });
  });

  it.each([
    [[], /missing --server/],
    [['--server', 'http://h'], /missing the registration key: set PADDOCK_RUNNER_KEY or give --key-file/, {}],
    [['--server', 'ftp://h'], /http\(s\) URL/],
    [['--server', 'not a url'], /http\(s\) URL/],
    [['--server', 'http://u:p@h'], /credentials/],
    [['--server', 'http://h', '--platform', 'vm'], /--platform must be one of/],
    [['--server', 'http://h', '--runner-version', 'latest'], /--runner-version/],
    [['--server', 'http://h', '--bogus'], /unknown argument "--bogus"/],
    [['--server', 'http://h', '--key-file'], /--key-file needs a value/],
    [['--server', 'http://h', '--test-work-exit', '300'], /--test-work-exit must be an integer from 0 to 255/],
    [['--server', 'http://h', '--test-work-exit', '1.5'], /--test-work-exit/],
    [['--server', 'http://h', '--update-timeout-seconds', '-1'], /--update-timeout-seconds/],
    [['--server', 'http://h', '--test-fail-update', '--test-hang-update'], /exclude each other/],
    [['--server', 'http://h', '--test-work-oom', '--test-work-heap'], /--test-work-oom and --test-work-heap exclude each other/],
    [['--server', 'http://h', '--test-work-heap', '--test-work-exit', '0'], /--test-work-heap and --test-work-exit exclude each other/],
    [['--server', 'http://h'], /not one \(whitespace or too long\)/, { PADDOCK_RUNNER_KEY: 'has space' }],
  ])('rejects %j', (argv, message, env: Record<string, string> = { PADDOCK_RUNNER_KEY: key }) => {
    const r = parseRunnerOptions(argv, env);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message).toMatch(message);
  });

  it.each([
    [['--server', 'http://h', '--key', key]],
    [['--server', 'http://h', `--key=${key}`]],
    [['--key', key, '--server', 'http://h']],
  ])('refuses --key on the command line, pointing to PADDOCK_RUNNER_KEY and --key-file, without echoing the key: %j', (argv) => {
    const r = parseRunnerOptions(argv, { PADDOCK_RUNNER_KEY: key });
    expect(r).toEqual({ kind: 'error', message: keyFlagRefused });
    expect(keyFlagRefused).toMatch(/PADDOCK_RUNNER_KEY/);
    expect(keyFlagRefused).toMatch(/--key-file/);
    expect(keyFlagRefused).not.toContain(key);
  });

  it('reads the key from --key-file (trimmed), before the environment; an unreadable or empty file is an error', () => {
    const files: Record<string, string> = { '/run/key': `${key}\n`, '/run/empty': '\n' };
    const read = (path: string) => {
      if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[path]!;
    };
    const r = parseRunnerOptions(['--server', 'http://h', '--key-file', '/run/key'], { PADDOCK_RUNNER_KEY: 'prk_other' }, read);
    expect(r.kind === 'run' && r.options.key).toBe(key);
    expect(parseRunnerOptions(['--server', 'http://h', '--key-file', '/run/missing'], {}, read)).toEqual({
      kind: 'error',
      message: '--key-file: cannot read /run/missing (ENOENT)',
    });
    expect(parseRunnerOptions(['--server', 'http://h', '--key-file=/run/empty'], {}, read)).toEqual({ kind: 'error', message: '--key-file: /run/empty is empty' });
  });

  it('never echoes the key in an error', () => {
    const bad = `${key} x`;
    const r = parseRunnerOptions(['--server', 'http://h'], { PADDOCK_RUNNER_KEY: bad });
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
