import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsxNodeArgs } from './node-args';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** Runs the real runner command line and collects its exit code and output. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsxNodeArgs(), cli, ...args], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('runner command line', () => {
  it.concurrent.each([
    [[], /missing --server/],
    [['--server', 'http://127.0.0.1:1'], /missing the registration key: set PADDOCK_RUNNER_KEY or give --key-file/],
    [['--server', 'http://127.0.0.1:1', '--key', 'prk_secret-looking-value', '--platform', 'vm'], /^paddock-runner: --key is refused: .*set PADDOCK_RUNNER_KEY or give --key-file <path>$/m],
    [['--nope'], /unknown argument/],
  ])('%j: one-line error, exit 2', async (args, message) => {
    const r = await run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it.concurrent('--help documents the options, the environment and the test-only switches', async () => {
    const r = await run(['--help']);
    expect(r.status).toBe(0);
    for (const word of ['--server', '--key-file', '--name', '--platform', 'PADDOCK_SERVER_URL', 'PADDOCK_RUNNER_KEY', 'PADDOCK_RUNNER_NAME', '--test-fail-update', 'Test-only']) {
      expect(r.stdout).toContain(word);
    }
  });
});
