import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../src/contract';
import { checkerFor } from '../src/testing/openapi-check';
import { childEnv, type ControlPlane, repoRoot, startControlPlane } from '../src/testing/processes';

/** The fenced blocks of README.md's "Automation" section, with their info strings. */
function automationBlocks(): Array<{ lang: string; code: string }> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Automation\n');
  expect(start, 'README.md has an "Automation" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
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
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane({
      adminPassword: 'readme-admin-password-not-secret',
      env: {
        // Runners start on 1.4.0 (the agent's default), so "update to the latest" has something to do.
        PADDOCK_RUNNER_VERSION: '1.5.0',
        PADDOCK_HEARTBEAT_SECONDS: '1',
        PADDOCK_LOG_LEVEL: 'debug',
      },
      readyTimeoutMs: 90_000,
    });
  }, 120_000);

  afterAll(async () => {
    await cp?.dispose();
  });

  it('runs as written with only a token: create a group, read its install template, request an update, list instances', async () => {
    const blocks = automationBlocks().filter((b) => b.lang === 'bash');
    expect(blocks).toHaveLength(2);
    const [mint, calls] = blocks as unknown as [{ code: string }, { code: string }];
    // The token travels in the environment: the commands never spell one out.
    expect(calls.code).not.toMatch(/pat_[0-9A-Za-z]/);
    expect(calls.code).toContain('"Authorization: Bearer $PADDOCK_TOKEN"');

    // The CLI line, as written, against the control plane that holds the data directory.
    const minted = await runBash(mint.code, childEnv({ PADDOCK_DATA_DIR: cp.dataDir }), 60_000);
    expect(minted.code, minted.stderr).toBe(0);
    const secret = /\n\s+(pat_[0-9A-Za-z]{40})\n/.exec(minted.stdout)?.[1];
    expect(secret, minted.stdout).toBeDefined();

    const run = await runBash(calls.code, childEnv({ PADDOCK_URL: cp.url, PADDOCK_TOKEN: secret! }), 120_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^docker run -d [\s\S]*-e PADDOCK_RUNNER_KEY=<registration-key>/m);
    const update = JSON.parse(/^\{"state".*$/m.exec(run.stdout)![0]);
    expect(update).toEqual({ state: 'in_progress', targetVersion: '1.5.0', fromVersions: ['1.4.0'] });
    expect(run.stdout).toMatch(/^try-1\t(connected|disconnected|terminated)\t1\.[45]\.0$/m);

    // Everything the script did is on record as the token's.
    const audit = await fetch(`${cp.url}${api.auditEvents}`, { headers: { Authorization: `Bearer ${secret}` } });
    await (await checkerFor(cp.url)).assertResponse('GET', api.auditEvents, audit);
    const actions = ((await audit.json()).items as Array<{ actor: string; action: string }>)
      .filter((e) => e.actor === 'admin (token automation)')
      .map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['group.created', 'update.requested']));
    // The secret reached no log line of the control plane.
    expect(cp.output()).not.toContain(secret!.slice(4));
  }, 240_000);
});
