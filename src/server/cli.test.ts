import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli';
import { memoryLogger } from './logger';
import { childEnv, ProcessExitedError, runPaddockCli, startControlPlane } from '../testing/processes';
import { startServer } from './server';
import { signInTo } from './testing/sse';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'paddock-cli-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the CLI in this process (fast); `spawnCli` runs it as `npm run paddock` would. */
async function cli(dataDir: string, args: string[], input?: string) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    out: (s) => {
      stdout += `${s}\n`;
    },
    err: (s) => {
      stderr += `${s}\n`;
    },
    env: { ...process.env, PADDOCK_DATA_DIR: dataDir, DATABASE_URL: '' },
    stdin: async () => (input ?? '').replace(/\n$/, ''),
  });
  return { status, stdout, stderr };
}

function spawnCli(dataDir: string, args: string[], input?: string) {
  return runPaddockCli(args, { env: childEnv({ PADDOCK_DATA_DIR: dataDir, DATABASE_URL: '' }), input });
}

describe('npm run paddock -- users', () => {
  it('adds, lists, resets and removes users; they sign in; the first admin still appears', async () => {
    const dataDir = tempDir();
    const added = spawnCli(dataDir, ['users', 'add', 'vera', '--role', 'viewer']);
    expect(added.status).toBe(0);
    const generated = /\n\s+(\S{24})\n/.exec(added.stdout)?.[1];
    expect(generated).toBeDefined();
    expect((await cli(dataDir, ['users', 'add', 'olga', '--role', 'admin', '--password-stdin'], 'olga-password\n')).status).toBe(0);
    expect((await cli(dataDir, ['users', 'add', 'VERA', '--role', 'viewer'])).status).toBe(1); // names are unique ignoring case
    expect((await cli(dataDir, ['users', 'add', 'x', '--role', 'root'])).status).toBe(2);
    const listed = await cli(dataDir, ['users', 'list']);
    expect(listed.stdout).toMatch(/vera\tviewer/);
    expect(listed.stdout).toMatch(/olga\tadmin/);

    const server = await startServer({ port: 0, dataDir, adminPassword: 'first-admin-pw', logger: memoryLogger(), distDir: '/nonexistent' });
    try {
      await signInTo(server.url, 'vera', generated!);
      await signInTo(server.url, 'olga', 'olga-password');
      await signInTo(server.url, 'admin', 'first-admin-pw');
    } finally {
      await server.close();
    }
    expect((await cli(dataDir, ['users', 'reset-password', 'vera', '--password-stdin'], 'new-vera-password\n')).status).toBe(0);
    expect((await cli(dataDir, ['users', 'remove', 'olga'])).status).toBe(0);
    expect((await cli(dataDir, ['users', 'remove', 'olga'])).status).toBe(1);
    const server2 = await startServer({ port: 0, dataDir, adminPassword: 'first-admin-pw', logger: memoryLogger(), distDir: '/nonexistent' });
    try {
      await signInTo(server2.url, 'vera', 'new-vera-password');
      await expect(signInTo(server2.url, 'olga', 'olga-password')).rejects.toThrow(/401/);
    } finally {
      await server2.close();
    }
  }, 120_000);

  it('--help prints the usage on stdout and exits 0, however it is asked', async () => {
    const dataDir = tempDir();
    for (const args of [['--help'], ['users', '--help'], ['users', 'add', '--help'], ['-h'], ['help']]) {
      const r = await cli(dataDir, args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('users add <name> --role viewer|admin');
    }
  }, 60_000);

  it('refuses unknown commands, unknown flags and a missing --role value instead of guessing; takes --role=admin', async () => {
    const dataDir = tempDir();
    const frob = await cli(dataDir, ['users', 'frob', 'x']);
    expect(frob.status).toBe(2);
    expect(frob.stderr).toContain('Unknown command "users frob"');
    for (const args of [
      ['users', 'add', 'x', '--rol', 'admin'],
      ['users', 'add', 'x', '--role'],
      ['users', 'add', 'x', 'y'],
      ['users', 'remove', 'x', '--force'],
      ['users', 'list', '--role', 'admin'],
    ]) {
      expect((await cli(dataDir, args)).status, args.join(' ')).toBe(2);
    }
    expect((await cli(dataDir, ['users', 'list'])).stdout).not.toMatch(/^x\t/m);
    expect((await cli(dataDir, ['users', 'add', 'olga', '--role=admin'])).status).toBe(0);
    expect((await cli(dataDir, ['users', 'list'])).stdout).toMatch(/olga\tadmin/);
  }, 60_000);

  it('works while a server holds the embedded database, by asking that server', async () => {
    const dataDir = tempDir();
    const server = await startControlPlane({ dataDir, adminPassword: 'x-password' });
    try {
      const { url } = server;
      expect(statSync(join(dataDir, 'server.json')).mode & 0o077).toBe(0);
      const r = spawnCli(dataDir, ['users', 'add', 'late', '--role', 'viewer']);
      expect(r.status, r.stderr).toBe(0);
      const password = /\n\s+(\S{24})\n/.exec(r.stdout)?.[1];
      await signInTo(url, 'late', password!);
      expect((await cli(dataDir, ['users', 'list'])).stdout).toMatch(/late\tviewer/);
      expect((await cli(dataDir, ['users', 'add', 'late', '--role', 'viewer'])).status).toBe(1);
      expect((await cli(dataDir, ['users', 'reset-password', 'late', '--password-stdin'], 'later-password\n')).status).toBe(0);
      await signInTo(url, 'late', 'later-password');
      expect((await cli(dataDir, ['users', 'remove', 'late'])).status).toBe(0);
      await expect(signInTo(url, 'late', 'later-password')).rejects.toThrow(/401/);
      // the local endpoint wants the secret from server.json
      const forged = await fetch(`${url}/api/v1/local/users`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer plc_guess' },
        body: JSON.stringify({ command: 'list' }),
      });
      expect(forged.status).toBe(401);
      const second = await startControlPlane({ dataDir }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(ProcessExitedError);
      expect((second as ProcessExitedError).exit.code).toBe(1);
      expect((second as ProcessExitedError).output).toMatch(/another control plane \(pid \d+\) is using/);
    } finally {
      await server.dispose();
    }
  }, 120_000);
});
