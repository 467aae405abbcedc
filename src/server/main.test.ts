import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './testing/db';
import { signInTo } from './testing/sse';

const dataDir = mkdtempSync(join(tmpdir(), 'paddock-main-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PADDOCK_DATA_DIR: dataDir, DATABASE_URL: '', PADDOCK_ADMIN_PASSWORD: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const url = await waitFor(() => /^Paddock listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1], {
    timeoutMs: 60_000,
    what: 'the listening line',
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await waitFor(() => child.exitCode !== null, { timeoutMs: 15_000, what: 'a clean exit' });
    return child.exitCode;
  };
  return { url, output: () => out, stop };
}

describe('node --import tsx src/server/main.ts', () => {
  it('prints a generated admin password once, on the first start only, and stops cleanly on SIGTERM', async () => {
    const first = await start({});
    const password = /generated password:\s+(\S+)/.exec(first.output())?.[1];
    expect(password).toMatch(/^[0-9A-Za-z]{24}$/);
    await signInTo(first.url, 'admin', password!);
    expect(await first.stop()).toBe(0);

    const second = await start({ PORT: '0' });
    expect(second.output()).not.toContain('generated password');
    await signInTo(second.url, 'admin', password!);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('refuses a bad setting with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      env: { ...process.env, PADDOCK_DATA_DIR: dataDir, PADDOCK_HEARTBEAT_SECONDS: 'soon' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('PADDOCK_HEARTBEAT_SECONDS must be a positive number');
  }, 60_000);
});
