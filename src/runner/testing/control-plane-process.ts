import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApi } from './admin-api';

const repoRoot = join(import.meta.dirname, '../../..');

/** A real control plane in a child process (`node --import tsx src/server/main.ts`), PGlite in a temp folder. */
export interface ControlPlaneProcess {
  url: string;
  port: number;
  admin: AdminApi;
  output(): string;
  stop(): Promise<void>;
}

/** A free loopback port (for a control plane that must start later on a port known now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the control plane as its own process, so runner-side tests never import server code (the
 * runner ⇸ server wall holds in tests too). Waits for "Paddock listening on <url>" and signs in.
 */
export async function startControlPlaneProcess(options: { port?: number; env?: Record<string, string> } = {}): Promise<ControlPlaneProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-cp-'));
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      PADDOCK_DATA_DIR: dataDir,
      DATABASE_URL: '',
      PADDOCK_ADMIN_PASSWORD: password,
      PADDOCK_DIST_DIR: join(dataDir, 'no-console'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const m = /Paddock listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`control plane exited with ${code} before listening:\n${output}`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  });
  const admin = await AdminApi.signIn(url, password);
  return {
    url,
    port: Number(new URL(url).port),
    admin,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
