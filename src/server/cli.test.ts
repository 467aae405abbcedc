import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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

  it('tokens: creates (secret printed once), lists, revokes; the token works against the server until revoked', async () => {
    const dataDir = tempDir();
    expect((await cli(dataDir, ['users', 'add', 'vera', '--role', 'viewer', '--password-stdin'], 'vera-password\n')).status).toBe(0);
    const made = spawnCli(dataDir, ['tokens', 'create', 'nightly report', '--user', 'vera', '--scope', 'read']);
    expect(made.status, made.stderr).toBe(0);
    const secret = /\n\s+(pat_[0-9A-Za-z]{40})\n/.exec(made.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(made.stdout).toMatch(/Created read API token "nightly report" for "vera"/);
    expect(made.stdout).toContain('It will not be shown again');
    const id = /\(id ([0-9a-f-]{36})/.exec(made.stdout)?.[1];
    const listed = await cli(dataDir, ['tokens', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\tnightly report\tread\tvera\t${secret!.slice(0, 8)}\t`, 'm'));
    expect(listed.stdout).not.toContain(secret!.slice(8));
    expect((await cli(dataDir, ['tokens', 'list', '--user', 'admin'])).stdout.trim().split('\n')).toHaveLength(1);
    // the same name again, an unknown user and a time in the past are refused
    expect((await cli(dataDir, ['tokens', 'create', 'Nightly Report', '--user', 'vera', '--scope', 'read'])).status).toBe(1);
    const nobody = await cli(dataDir, ['tokens', 'create', 'x', '--user', 'nobody', '--scope', 'read']);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain('No user "nobody"');
    const past = await cli(dataDir, ['tokens', 'create', 'x', '--user', 'vera', '--scope', 'read', '--expires-at', '2020-01-01T00:00:00Z']);
    expect(past.status).toBe(1);
    expect(past.stderr).toContain('expiresAt must be in the future');

    const server = await startServer({ port: 0, dataDir, adminPassword: 'first-admin-pw', logger: memoryLogger(), distDir: '/nonexistent' });
    try {
      const res = await fetch(`${server.url}/api/v1/runner-groups`, { headers: { Authorization: `Bearer ${secret}` } });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
    expect((await cli(dataDir, ['tokens', 'list'])).stdout).toMatch(/\t127\.0\.0\.1$/m);
    expect((await cli(dataDir, ['tokens', 'revoke', id!])).status).toBe(0);
    expect((await cli(dataDir, ['tokens', 'revoke', id!])).status).toBe(1);
    const server2 = await startServer({ port: 0, dataDir, adminPassword: 'first-admin-pw', logger: memoryLogger(), distDir: '/nonexistent' });
    try {
      expect((await fetch(`${server2.url}/api/v1/runner-groups`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
    } finally {
      await server2.close();
    }
  }, 120_000);

  it('tokens: refuses missing or bad --user, --scope and names, and unknown flags, before touching the database', async () => {
    const dataDir = tempDir();
    for (const [args, message] of [
      [['tokens', 'create', 'x', '--scope', 'read'], /--user/],
      [['tokens', 'create', 'x', '--user', 'admin'], /--scope read or --scope write/],
      [['tokens', 'create', 'x', '--user', 'admin', '--scope', 'admin'], /--scope must be one of read, write/],
      [['tokens', 'create', '<b>', '--user', 'admin', '--scope', 'read'], /the token name may contain only/],
      [['tokens', 'create', 'x', '--user', 'admin', '--scope', 'read', '--expires-at', 'soon'], /--expires-at must be an ISO 8601/],
      [['tokens', 'create', '--user', 'admin', '--scope', 'read'], /needs a token name/],
      [['tokens', 'create', 'x', '--user', 'admin', '--scope', 'read', '--role', 'admin'], /unknown option "--role"/],
      [['tokens', 'revoke'], /needs a token id/],
      [['tokens', 'mint', 'x'], /Unknown command "tokens mint"/],
    ] as const) {
      const r = await cli(dataDir, [...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
  }, 60_000);

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
      const made = spawnCli(dataDir, ['tokens', 'create', 'late-ci', '--user', 'late', '--scope', 'read']);
      expect(made.status, made.stderr).toBe(0);
      const secret = /\n\s+(pat_[0-9A-Za-z]{40})\n/.exec(made.stdout)?.[1];
      const withToken = () => fetch(`${url}/api/v1/runner-groups`, { headers: { Authorization: `Bearer ${secret}` } });
      expect((await withToken()).status).toBe(200);
      expect((await cli(dataDir, ['tokens', 'list', '--user', 'late'])).stdout).toMatch(/\tlate-ci\tread\tlate\t/);
      expect((await cli(dataDir, ['tokens', 'create', 'late-ci', '--user', 'late', '--scope', 'read'])).stderr).toMatch(/already has an API token/);
      expect((await cli(dataDir, ['users', 'remove', 'late'])).status).toBe(0);
      await expect(signInTo(url, 'late', 'later-password')).rejects.toThrow(/401/);
      // removing the user took their token with it
      expect((await withToken()).status).toBe(401);
      expect((await cli(dataDir, ['tokens', 'list'])).stdout.trim().split('\n')).toHaveLength(1);
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
