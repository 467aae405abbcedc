// The one process kit shared by server and runner tests, e2e, the demo and the bench: a control plane
// and runners in processes of their own, started from their entry points (never imported, so that
// the kit and whoever uses it sit on neither side of the server ⇸ runner wall), plus the waits they need.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { api } from '../contract';
import { AdminApi } from './admin-api';

/** The repository root: children run from here whatever the caller's working directory. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** tsx resolved absolutely, so a child runs TypeScript from any working directory. */
const tsxImport = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** How a process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process ended while something was still waiting for it; carries its exit and what it printed. */
export class ProcessExitedError extends Error {
  constructor(
    readonly exit: ExitStatus,
    readonly output: string,
    waitingFor: string,
  ) {
    super(`process exited (code ${exit.code}, signal ${exit.signal}) before ${waitingFor}; its output:\n${output.slice(-3000)}`);
  }
}

export interface SpawnNodeOptions {
  /** The child's whole environment (see `childEnv`). */
  env: NodeJS.ProcessEnv;
  /** Keep only this many trailing characters of output: a long-lived chatty child must not grow the caller's memory. */
  outputLimit?: number;
  /** Echo the child's lines to this process's stderr with this prefix (the demo shows its runners this way). */
  echo?: string;
}

/** Every child started here (kept after it exits: a runner's replacement lives on in its process group). */
const started = new Set<NodeProcess>();
/** Data dirs the kit made and has not removed yet. */
const ownDirs = new Set<string>();
let exitHookInstalled = false;

function cleanUpOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached children outlive their parent: whatever ends this process ends them too, and removes the dirs.
  process.on('exit', () => {
    killAllChildren();
    for (const d of ownDirs) rmSync(d, { recursive: true, force: true });
  });
}

/**
 * `node --import tsx <script> …args` from the repository root, in a process group of its own, so that
 * the process and everything it starts (a runner's worker, its replacement) can be signalled together.
 */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Set once the process has exited. */
  exit: ExitStatus | null = null;
  readonly exited: Promise<ExitStatus>;
  private out = '';
  /** Resolves when stdout and stderr have closed. */
  private readonly drained: Promise<unknown>;

  constructor(script: string, args: string[], options: SpawnNodeOptions) {
    this.child = spawn(process.execPath, ['--import', tsxImport, join(repoRoot, script), ...args], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
    });
    this.pid = this.child.pid!;
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.out += text;
      if (options.outputLimit !== undefined && this.out.length > options.outputLimit) this.out = this.out.slice(-options.outputLimit);
      if (!options.echo) return;
      // Whole lines only, so that a prefix never lands in the middle of one.
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line) process.stderr.write(`[${options.echo}] ${line}\n`);
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.drained = Promise.all([this.child.stdout!, this.child.stderr!].map((s) => new Promise((r) => s.once('close', r))));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    started.add(this);
    cleanUpOnExit();
  }

  /** Everything the process printed on stdout and stderr (the tail only, with an `outputLimit`). */
  output(): string {
    return this.out;
  }

  /** Signals the process alone (its worker, if any, is left to notice). */
  signal(signal: NodeJS.Signals): void {
    if (this.exit !== null) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Signals the whole process group: the process, its worker and any replacement it started. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** SIGKILLs the whole process group. */
  killGroup(): void {
    this.signalGroup('SIGKILL');
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves once the process has exited. */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.exit) return this.exit;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.killGroup(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until the output (since the start) matches, and returns the match; fails early if the process exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.match(pattern);
      if (m) return m;
      if (this.exit) {
        await this.drain();
        const late = this.out.match(pattern);
        if (late) return late;
        throw new ProcessExitedError(this.exit, this.out, `printing ${pattern}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in:\n${this.out.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** Waits for the process to exit (and for what it printed last to be read), failing after timeoutMs. */
  async waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms; output:\n${this.out.slice(-3000)}`)), timeoutMs);
    });
    try {
      const exit = await Promise.race([this.exited, timeout]);
      await this.drain();
      return exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** 'exit' can come before the last output is read; a child it started (a worker, a replacement) may hold the pipes open, so do not wait for ever. */
  private async drain(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drained, new Promise((r) => (timer = setTimeout(r, 1_000)))]);
    clearTimeout(timer);
  }
}

/** Starts `node --import tsx <script>` (a path from the repository root); see NodeProcess. */
export function spawnNode(script: string, args: string[], options: SpawnNodeOptions): NodeProcess {
  return new NodeProcess(script, args, options);
}

/** SIGKILLs the process group of every child the kit started. */
export function killAllChildren(): void {
  for (const p of started) p.killGroup();
  started.clear();
}

/**
 * This process's environment without anything that would configure a control plane or a runner behind
 * the caller's back (PADDOCK_*, DATABASE_URL, PORT, HOST), plus `extra`. PADDOCK_DIST_DIR stays: it
 * says where a built console is, which every control plane of a run may serve.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'PADDOCK_DIST_DIR' || (!k.startsWith('PADDOCK_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST')) env[k] = v;
  }
  return { ...env, ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** Polls until a URL answers 2xx; fails after the timeout, or at once when `alive` turns false. */
export async function waitForUrl(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`process exited while waiting for ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Not a secret: the first admin of a throwaway data dir on loopback. */
export const testAdminPassword = 'kit-admin-password-not-secret';

export interface ControlPlaneOptions {
  /** PostgreSQL connection string; empty or absent = embedded PGlite. */
  databaseUrl?: string;
  /** PGlite's directory, or `memory`; absent = a fresh temp dir, removed by dispose(). */
  dataDir?: string;
  /** Absent = a free port, kept across restarts. */
  port?: number;
  /** The first admin's password; `''` lets the server generate one and print it once. */
  adminPassword?: string;
  /** More environment, e.g. short liveness windows (PADDOCK_HEARTBEAT_SECONDS, PADDOCK_OFFLINE_AFTER_SECONDS). */
  env?: Record<string, string>;
  /** Users to add with `npm run paddock -- users add` before the first start (the CLI opens the same data dir). */
  users?: Array<{ name: string; role: 'admin' | 'viewer'; password: string }>;
  /** See SpawnNodeOptions.outputLimit. */
  outputLimit?: number;
  /** How long the first start may take to answer readyz (PGlite on a loaded 2-core machine is slow). */
  readyTimeoutMs?: number;
}

/** A control plane (`src/server/main.ts`) in a process of its own, on 127.0.0.1. */
export interface ControlPlane {
  url: string;
  port: number;
  dataDir: string;
  adminPassword: string;
  /** The process of the current (or last) start. */
  readonly process: NodeProcess;
  /** Everything it printed over all its starts. */
  output(): string;
  /** A signed-in admin API client (another user with `username` and `password`). */
  signIn(username?: string, password?: string): Promise<AdminApi>;
  /** Signals the process and waits until it has exited (SIGTERM is a clean shutdown, SIGKILL a crash). */
  kill(signal: NodeJS.Signals): Promise<ExitStatus>;
  /** Starts it again on the same port, data dir and database; resolves once it answers readyz. */
  start(): Promise<void>;
  /** Kills it (if running) and removes the data dir the kit made for it. */
  dispose(): Promise<void>;
}

/**
 * Starts a control plane and resolves once it answers readyz. A start that fails (bad setting, data
 * dir held by another process) rejects with a ProcessExitedError carrying the exit code and output.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'paddock-kit-'));
  const adminPassword = options.adminPassword ?? testAdminPassword;
  const removeDir = () => {
    if (!ownDir) return;
    ownDirs.delete(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (ownDir) {
    ownDirs.add(dataDir);
    cleanUpOnExit();
  }
  const env = childEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? '',
    PADDOCK_DATA_DIR: dataDir,
    PADDOCK_PUBLIC_URL: url,
    PADDOCK_ADMIN_PASSWORD: adminPassword,
    ...options.env,
  });
  let earlier = '';
  let current: NodeProcess | null = null;
  const cp: ControlPlane = {
    url,
    port,
    dataDir,
    adminPassword,
    get process() {
      return current!;
    },
    output: () => earlier + (current?.output() ?? ''),
    signIn: (username = 'admin', password = adminPassword) => AdminApi.signIn(url, password, username),
    async kill(signal) {
      const p = current!;
      if (p.exit) return p.exit;
      p.signalGroup(signal);
      return p.exited;
    },
    async start() {
      if (current && !current.exit) throw new Error('the control plane is already running');
      earlier += current?.output() ?? '';
      const p = spawnNode('src/server/main.ts', [], { env, outputLimit: options.outputLimit });
      current = p;
      try {
        await waitForUrl(`${url}${api.readyz}`, options.readyTimeoutMs ?? 120_000, () => p.exit === null);
      } catch (e) {
        if (p.exit) throw new ProcessExitedError(p.exit, p.output(), `answering ${api.readyz}`);
        p.killGroup();
        throw new Error(`${(e as Error).message}\n--- server output ---\n${p.output().slice(-3000)}`);
      }
    },
    async dispose() {
      if (current && !current.exit) await cp.kill('SIGKILL');
      removeDir();
    },
  };
  try {
    for (const u of options.users ?? []) {
      const r = runPaddockCli(['users', 'add', u.name, '--role', u.role, '--password-stdin'], { env, input: `${u.password}\n` });
      if (r.status !== 0) throw new Error(`users add ${u.name} failed (${r.status}): ${r.stderr}${r.stdout}`);
    }
    await cp.start();
  } catch (e) {
    removeDir();
    throw e;
  }
  return cp;
}

/** Runs `npm run paddock -- …args` (src/server/cli.ts) to completion with the given environment. */
export function runPaddockCli(args: string[], options: { env: NodeJS.ProcessEnv; input?: string }): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', tsxImport, join(repoRoot, 'src/server/cli.ts'), ...args], {
    cwd: repoRoot,
    env: options.env,
    input: options.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

export interface RunnerOptions {
  /** The control plane's URL. */
  server: string;
  /**
   * Passed in PADDOCK_RUNNER_KEY (as the Docker image and the Helm chart pass it) unless `keyFile`
   * (then in a file of its own, mode 0600, named by `--key-file`; removed when the runner exits).
   */
  key: string;
  keyFile?: boolean;
  name?: string;
  /** The runner's own version (`--runner-version`). */
  version?: string;
  platform?: string;
  /** More arguments, e.g. the test-only switches (`--test-work-oom`, …). */
  args?: string[];
  env?: Record<string, string>;
  /** Echo its output to this process's stderr with this prefix. */
  echo?: string;
}

/** A real runner process (`src/runner/cli.ts`), in its own process group with its worker. */
export class RunnerProcess extends NodeProcess {
  /** The worker's pid, from the runner's "Worker started" line. */
  async workerPid(timeoutMs = 15_000): Promise<number> {
    const m = await this.waitForOutput(/Worker started \(pid (\d+)\)/, timeoutMs);
    return Number(m[1]);
  }
}

const runners = new Set<RunnerProcess>();

/** Starts a runner process; killAllRunners() (in afterEach/afterAll) ends every one still running. */
export function startRunner(opts: RunnerOptions): RunnerProcess {
  const args = ['--server', opts.server];
  let keyDir: string | null = null;
  if (opts.keyFile) {
    keyDir = mkdtempSync(join(tmpdir(), 'paddock-key-'));
    writeFileSync(join(keyDir, 'key'), `${opts.key}\n`, { mode: 0o600 });
    args.push('--key-file', join(keyDir, 'key'));
  }
  if (opts.name) args.push('--name', opts.name);
  if (opts.platform) args.push('--platform', opts.platform);
  if (opts.version) args.push('--runner-version', opts.version);
  args.push(...(opts.args ?? []));
  const env = childEnv({ ...opts.env, ...(opts.keyFile ? {} : { PADDOCK_RUNNER_KEY: opts.key }) });
  delete env.PADDOCK_DIST_DIR;
  const r = new RunnerProcess('src/runner/cli.ts', args, { env, echo: opts.echo });
  runners.add(r);
  if (keyDir) {
    const dir = keyDir;
    void r.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  }
  return r;
}

/** SIGKILLs the process group of every runner started with startRunner. */
export function killAllRunners(): void {
  for (const r of runners) r.killGroup();
  runners.clear();
}
