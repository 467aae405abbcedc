import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, waitForUrl } from '../bench/lib/processes';
import { api } from '../src/contract';
import { openApiChecker } from '../src/server/testing/openapi-check';

/** The fenced blocks of README.md's "Automation" section, with their info strings. */
function automationBlocks(): Array<{ lang: string; code: string }> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Automation\n');
  expect(start, 'README.md has an "Automation" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

/** This process's environment minus anything that would configure a child behind the test's back. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PADDOCK_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'));
}

/** Runs a bash script in its own process group; answers its output once it exits, then ends whatever it left running. */
function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const endGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // nothing left
      }
    };
    const timer = setTimeout(() => {
      endGroup();
      reject(new Error(`the README's commands did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      endGroup(); // the runner it started in the background
      resolve({ code, stdout, stderr });
    });
  });
}

describe("README's Automation section", () => {
  let server: ChildProcess | null = null;
  let serverOutput = '';
  let url = '';
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paddock-readme-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: repoRoot,
      env: {
        ...cleanEnv(),
        PORT: String(port),
        HOST: '127.0.0.1',
        PADDOCK_DATA_DIR: dataDir,
        PADDOCK_PUBLIC_URL: url,
        PADDOCK_ADMIN_PASSWORD: 'readme-admin-password-not-secret',
        // Runners start on 1.4.0 (the agent's default), so "update to the latest" has something to do.
        PADDOCK_RUNNER_VERSION: '1.5.0',
        PADDOCK_HEARTBEAT_SECONDS: '1',
        PADDOCK_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d) => {
      serverOutput += d;
    });
    server.stderr?.on('data', (d) => {
      serverOutput += d;
    });
    await waitForUrl(`${url}${api.readyz}`, 90_000, () => server?.exitCode === null);
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs as written with only a token: create a group, read its install template, request an update, list instances', async () => {
    const blocks = automationBlocks().filter((b) => b.lang === 'bash');
    expect(blocks).toHaveLength(2);
    const [mint, calls] = blocks as unknown as [{ code: string }, { code: string }];
    // The token travels in the environment: the commands never spell one out.
    expect(calls.code).not.toMatch(/pat_[0-9A-Za-z]/);
    expect(calls.code).toContain('"Authorization: Bearer $PADDOCK_TOKEN"');

    // The CLI line, as written, against the control plane that holds the data directory.
    const minted = await runBash(mint.code, { ...cleanEnv(), PADDOCK_DATA_DIR: dataDir }, 60_000);
    expect(minted.code, minted.stderr).toBe(0);
    const secret = /\n\s+(pat_[0-9A-Za-z]{40})\n/.exec(minted.stdout)?.[1];
    expect(secret, minted.stdout).toBeDefined();

    const run = await runBash(calls.code, { ...cleanEnv(), PADDOCK_URL: url, PADDOCK_TOKEN: secret! }, 120_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^docker run -d [\s\S]*-e PADDOCK_RUNNER_KEY=<registration-key>/m);
    const update = JSON.parse(/^\{"state".*$/m.exec(run.stdout)![0]);
    expect(update).toEqual({ state: 'in_progress', targetVersion: '1.5.0', fromVersions: ['1.4.0'] });
    expect(run.stdout).toMatch(/^try-1\t(connected|disconnected|terminated)\t1\.[45]\.0$/m);

    // Everything the script did is on record as the token's.
    const audit = await fetch(`${url}${api.auditEvents}`, { headers: { Authorization: `Bearer ${secret}` } });
    await openApiChecker().assertResponse('GET', api.auditEvents, audit);
    const actions = ((await audit.json()).items as Array<{ actor: string; action: string }>)
      .filter((e) => e.actor === 'admin (token automation)')
      .map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['group.created', 'update.requested']));
    // The secret reached no log line of the control plane.
    expect(serverOutput).not.toContain(secret!.slice(4));
  }, 240_000);
});
