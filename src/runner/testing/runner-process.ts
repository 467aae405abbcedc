import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsxNodeArgs } from '../node-args';

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));

export interface RunnerProcessOptions {
  server: string;
  /** Passed through PADDOCK_RUNNER_KEY unless `keyInArgs` (then `--key`). */
  key: string;
  keyInArgs?: boolean;
  name?: string;
  version?: string;
  /** Extra arguments, e.g. test switches. */
  args?: string[];
  env?: Record<string, string>;
  /** Echo the runner's output to this process's stderr, prefixed (handy in the demo). */
  echo?: string;
}

/** Where a spawned runner process stands; `exit` is set once it exited. */
export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const started = new Set<RunnerProcess>();

/**
 * A real runner process (`node --import tsx src/runner/cli.ts`) in its own process group, so that it,
 * its worker and any replacement it starts can be killed together.
 */
export class RunnerProcess {
  readonly child: ChildProcess;
  output = '';
  exit: RunnerExit | null = null;
  readonly exited: Promise<RunnerExit>;

  constructor(opts: RunnerProcessOptions) {
    const args = ['--server', opts.server];
    if (opts.keyInArgs) args.push('--key', opts.key);
    if (opts.name) args.push('--name', opts.name);
    if (opts.version) args.push('--runner-version', opts.version);
    args.push(...(opts.args ?? []));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('PADDOCK_')) delete env[k];
    Object.assign(env, opts.env, opts.keyInArgs ? {} : { PADDOCK_RUNNER_KEY: opts.key });
    this.child = spawn(process.execPath, [...tsxNodeArgs(), cliPath, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output += text;
      if (!opts.echo) return;
      // Echo whole lines only, so that a prefix never lands in the middle of one.
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line) process.stderr.write(`[${opts.echo}] ${line}\n`);
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    started.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a signal to the runner process alone. */
  signal(sig: NodeJS.Signals): void {
    if (this.exit === null) this.child.kill(sig);
  }

  /** SIGKILLs the whole process group: the runner, its worker and any replacement. */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Waits until the output matches, and returns the match. */
  async waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in runner output:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the process to exit, failing after timeoutMs. */
  async waitForExit(timeoutMs = 15_000): Promise<RunnerExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`runner did not exit within ${timeoutMs} ms; output:\n${this.output.slice(-3000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The worker's pid, from the runner's "Worker started" line. */
  async workerPid(timeoutMs = 15_000): Promise<number> {
    const m = await this.waitForLog(/Worker started \(pid (\d+)\)/, timeoutMs);
    return Number(m[1]);
  }
}

/** Starts a runner process (see RunnerProcess). */
export function startRunner(opts: RunnerProcessOptions): RunnerProcess {
  return new RunnerProcess(opts);
}

/** SIGKILLs the process group of every runner started here; call it in afterEach. */
export function killAllRunners(): void {
  for (const r of started) r.killGroup();
  started.clear();
}
