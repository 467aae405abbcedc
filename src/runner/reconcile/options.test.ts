import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from './kube-api';
import { parseReconcileOptions, reconcileHelpText } from './options';

const dir = mkdtempSync(join(tmpdir(), 'paddock-reconcile-options-'));
const keyFile = join(dir, 'key');
const tokenFile = join(dir, 'token');
writeFileSync(keyFile, 'prk_x\n');
writeFileSync(tokenFile, 't\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = ['--server', 'https://paddock.example.com', '--key-file', keyFile];

describe('reconcile options', () => {
  it('--help lists every option §11 names', () => {
    expect(parseReconcileOptions(['--help'], {})).toEqual({ kind: 'help' });
    for (const flag of ['--server', '--key-file', '--namespace', '--selector', '--kube-api', '--kube-token-file', 'PADDOCK_SERVER_URL', 'PADDOCK_RUNNER_KEY_FILE', 'KUBERNETES_SERVICE_HOST']) {
      expect(reconcileHelpText).toContain(flag);
    }
  });

  it('takes the server and key file from the environment, and the in-cluster configuration by default', () => {
    const parsed = parseReconcileOptions([], { PADDOCK_SERVER_URL: 'https://paddock.example.com/', PADDOCK_RUNNER_KEY_FILE: keyFile });
    expect(parsed).toEqual({
      kind: 'run',
      options: { kube: null, namespace: null, selector: null, serverUrl: 'https://paddock.example.com', keyFile, backoffCapSeconds: 30 },
    });
  });

  it("derives the selector app=<slug>-runner from its own pod's name <slug>-reconciler-<hash>-<id>", () => {
    const parsed = parseReconcileOptions(base, { HOSTNAME: 'prod-eu-reconciler-6d5f7c9b8-x2kqz' });
    expect(parsed.kind === 'run' && parsed.options.selector).toBe('app=prod-eu-runner');
    const given = parseReconcileOptions([...base, '--selector', 'app=ci-runner'], { HOSTNAME: 'prod-eu-reconciler-6d5f7c9b8-x2kqz' });
    expect(given.kind === 'run' && given.options.selector).toBe('app=ci-runner');
  });

  it('takes --kube-api with --kube-token-file; plain http only for loopback', () => {
    const ok = parseReconcileOptions([...base, '--kube-api', 'http://127.0.0.1:6443', '--kube-token-file', tokenFile], {});
    expect(ok.kind === 'run' && ok.options.kube).toEqual({ apiUrl: 'http://127.0.0.1:6443', tokenFile });
    expect(parseReconcileOptions([...base, '--kube-api', 'https://k8s.example.com', '--kube-token-file', tokenFile], {}).kind).toBe('run');
    const plain = parseReconcileOptions([...base, '--kube-api', 'http://10.0.0.1:6443', '--kube-token-file', tokenFile], {});
    expect(plain).toEqual({ kind: 'error', message: expect.stringMatching(/must use https/) });
    expect(parseReconcileOptions([...base, '--kube-api', 'http://127.0.0.1:6443'], {})).toEqual({ kind: 'error', message: expect.stringMatching(/needs --kube-token-file/) });
    expect(parseReconcileOptions([...base, '--kube-token-file', tokenFile], {})).toEqual({ kind: 'error', message: expect.stringMatching(/needs --kube-api/) });
  });

  it.each([
    [['--key', 'prk_abc'], /--key is refused/],
    [['--server', 'ftp://x', '--key-file', keyFile], /--server must be an http\(s\) URL/],
    [['--server', 'https://u:p@x.example.com', '--key-file', keyFile], /--server must be an http\(s\) URL without credentials/],
    [['--server', 'https://x.example.com'], /missing --key-file/],
    [['--key-file', keyFile], /missing --server/],
    [['--server', 'https://x.example.com', '--key-file', join(dir, 'nope')], /does not exist/],
    [[...base, '--namespace', 'Not_A_Namespace'], /--namespace must be/],
    [[...base, '--bogus'], /unknown argument/],
    [[...base, '--namespace'], /needs a value/],
    [[...base, '--test-backoff-seconds', '0'], /--test-backoff-seconds must be/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseReconcileOptions(argv as string[], {});
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
    // Never echoes a key.
    expect(parsed.kind === 'error' && parsed.message).not.toContain('prk_abc');
  });

  it('loopback means 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '[::1]', '::1', 'localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.1', '128.0.0.1', 'example.com', '::ffff:127.0.0.2', '0.0.0.0']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
