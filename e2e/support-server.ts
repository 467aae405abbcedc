import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { freePort, waitForUrl } from '../bench/lib/processes';
import { api } from '../src/contract';

/** Not a secret: the admin of a throwaway data dir on loopback. */
export const ownAdminPassword = 'own-server-admin-password-not-secret';

/**
 * A control plane of a spec's own, in its own process, data dir and port, for the faults that the
 * shared webServer cannot suffer (SIGKILL, restart, down for a while) and for users made with the CLI.
 */
export interface OwnServer {
  url: string;
  port: number;
  dataDir: string;
  /** Everything the server printed (stdout and stderr) over all its starts. */
  output(): string;
  /** Sends a signal to the server process and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its data dir. */
  dispose(): Promise<void>;
}

/** The environment of a server child: this process's, minus anything that would configure it behind the spec's back. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k === 'PADDOCK_DIST_DIR' || (!k.startsWith('PADDOCK_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'),
    ),
  );
}

export interface OwnServerOptions {
  /** Extra environment, e.g. a short offline window. */
  env?: Record<string, string>;
  /** Users to create with `npm run paddock -- users add` before the first start. */
  users?: Array<{ name: string; role: 'admin' | 'viewer'; password: string }>;
}

export async function startOwnServer(options: OwnServerOptions = {}): Promise<OwnServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-e2e-own-'));
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: '',
    PADDOCK_DATA_DIR: dataDir,
    PADDOCK_PUBLIC_URL: url,
    PADDOCK_ADMIN_PASSWORD: ownAdminPassword,
    PADDOCK_RUNNER_VERSION: '1.4.0',
    ...options.env,
  };
  // The CLI opens the same PGlite data dir, so it runs before the server holds it.
  for (const u of options.users ?? []) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', 'users', 'add', u.name, '--role', u.role, '--password-stdin'], {
      env,
      input: `${u.password}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`users add ${u.name} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  let out = '';
  let child: ChildProcess | null = null;
  const server: OwnServer = {
    url,
    port,
    dataDir,
    output: () => out,
    async start() {
      const c = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout?.on('data', (d) => { out += d; });
      c.stderr?.on('data', (d) => { out += d; });
      await waitForUrl(`${url}${api.readyz}`, 90_000, () => c.exitCode === null && c.signalCode === null).catch((e: Error) => {
        throw new Error(`${e.message}:\n${out.slice(-2000)}`);
      });
    },
    async kill(signal) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    async dispose() {
      await server.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A real runner process dialling `url`, in its own process group (kill it with killProcessGroup). */
export function spawnRunner(url: string, key: string, name: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'src/runner/cli.ts', '--server', url, '--name', name, '--platform', 'process', '--runner-version', '1.4.0'],
    // The key travels in the environment, as the Docker image and the Helm chart pass it.
    { detached: true, stdio: 'ignore', env: { ...process.env, PADDOCK_RUNNER_KEY: key } },
  );
}

/** SIGKILLs a child's whole process group (a runner and its worker). */
export function killProcessGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Signs a browser context in to a server through its real API; the cookie lands in the context. */
export async function signIn(context: BrowserContext, url: string, username: string, password: string): Promise<void> {
  const res = await context.request.post(`${url}${api.session}`, {
    data: { username, password },
    headers: { 'x-requested-with': 'paddock', origin: url },
  });
  if (!res.ok()) throw new Error(`sign in as ${username} failed: HTTP ${res.status()}`);
}
