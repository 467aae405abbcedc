import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, type GroupWithKey, type RegisterResponse } from '../../src/contract';
import { type Child, freePort, spawnNode, waitForUrl } from './processes';

/** A real control plane (`src/server/main.ts`) in its own process, on a free loopback port. */
export interface ControlPlane {
  url: string;
  process: Child;
  adminPassword: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** PostgreSQL URL; empty or absent = embedded PGlite in a fresh data dir. */
  databaseUrl?: string;
  /** Extra environment (e.g. PADDOCK_OFFLINE_AFTER_SECONDS); the defaults of PRODUCT.md §7 otherwise. */
  env?: Record<string, string>;
  /** Reuse a data dir (restart after a kill); a new temp dir otherwise. */
  dataDir?: string;
  port?: number;
}

let consoleBuild: string | undefined;

/** Where the bench built the console; every control plane started afterwards serves it. */
export function serveConsoleFrom(dir: string): void {
  consoleBuild = dir;
}

/** Not a secret: a throwaway admin of a throwaway data dir on loopback. */
export const benchAdminPassword = 'bench-admin-password-not-secret';

/** The bench's environment minus anything that would configure the server behind its back. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PADDOCK_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'),
  );
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'paddock-bench-data-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  // An interrupted bench still removes the data dirs it made.
  if (ownDir) process.on('exit', removeDir);
  const child = spawnNode('src/server/main.ts', [], {
    ...inheritedEnv(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? '',
    PADDOCK_DATA_DIR: dataDir,
    PADDOCK_PUBLIC_URL: url,
    PADDOCK_ADMIN_PASSWORD: benchAdminPassword,
    ...(consoleBuild ? { PADDOCK_DIST_DIR: consoleBuild } : {}),
    ...options.env,
  });
  let alive = true;
  void child.exited.then(() => {
    alive = false;
  });
  try {
    await waitForUrl(`${url}${api.readyz}`, 120_000, () => alive);
  } catch (e) {
    await child.stop();
    throw new Error(`${(e as Error).message}\n--- server output ---\n${child.output().slice(-3000)}`);
  }
  return {
    url,
    process: child,
    adminPassword: benchAdminPassword,
    dataDir,
    async stop() {
      await child.stop();
      if (ownDir) {
        process.off('exit', removeDir);
        removeDir();
      }
    },
  };
}

/** A signed-in console session against the API, with the CSRF headers every mutation needs. */
export class ApiSession {
  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
  ) {}

  static async signIn(baseUrl: string, username: string, password: string): Promise<ApiSession> {
    const res = await fetch(`${baseUrl}${api.session}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock', origin: baseUrl },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`sign in as ${username} failed: HTTP ${res.status} ${await res.text()}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return new ApiSession(baseUrl, cookie);
  }

  /** Sends a request; throws with the problem's text on a non-2xx answer. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookie, 'x-requested-with': 'paddock', origin: this.baseUrl };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  createGroup(name: string, isDefault = false): Promise<GroupWithKey> {
    return this.request<GroupWithKey>('POST', api.runnerGroups, { name, isDefault });
  }
}

/** Registers one instance through the runner protocol, as a runner process would. */
export async function registerInstance(baseUrl: string, key: string, name: string, version = '1.4.0', address = '10.20.30.40'): Promise<RegisterResponse> {
  const res = await fetch(`${baseUrl}${api.runnerRegister}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ name, platform: 'process', hostname: name, address, os: 'linux', arch: 'x64', version }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`register ${name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as RegisterResponse;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
