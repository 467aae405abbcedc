import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from '../../src/contract';
import { buildServerIfStale, serverBundle } from '../../scripts/build-server';
import { childEnv, freePort, repoRoot, testAdminPassword, waitForUrl } from '../../src/testing/processes';

/**
 * A control plane as `npm start` runs it (`node build/server/main.js`, compiled JavaScript), for the
 * figures whose RSS should be the product's: running the TypeScript through tsx adds ≈70 MiB.
 */
export interface BundledControlPlane {
  url: string;
  pid: number;
  dataDir: string;
  /** The last 200 kB of its stdout and stderr (JSON log lines). */
  output(): string;
  /** SIGTERM (then SIGKILL after 10 s); the data directory stays. */
  stop(): Promise<void>;
}

export interface BundledOptions {
  /** PostgreSQL URL; absent = embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  env?: Record<string, string>;
}

/** A temp data directory removed when the bench exits (or by the returned function). */
export function tempDataDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => {
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { dir, remove };
}

export async function startBundledControlPlane(o: BundledOptions): Promise<BundledControlPlane> {
  await buildServerIfStale(() => {});
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [serverBundle], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...childEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: o.databaseUrl ?? '',
      PADDOCK_DATA_DIR: o.dataDir,
      PADDOCK_PUBLIC_URL: url,
      PADDOCK_ADMIN_PASSWORD: testAdminPassword,
      ...o.env,
    },
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      alive = false;
      resolve();
    }),
  );
  const pid = child.pid!;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => kill('SIGKILL');
  process.on('exit', killOnExit);
  const stop = async () => {
    kill('SIGTERM');
    const force = setTimeout(() => kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    process.off('exit', killOnExit);
  };
  try {
    await waitForUrl(`${url}${api.readyz}`, 180_000, () => alive);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n--- server output ---\n${output.slice(-3000)}`);
  }
  return { url, pid, dataDir: o.dataDir, output: () => output, stop };
}
