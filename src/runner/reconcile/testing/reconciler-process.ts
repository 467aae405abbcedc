import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../../../testing/processes';

const repoRoot = join(import.meta.dirname, '../../../..');

/** `npm run runner -- reconcile …` as a real process, its output captured line by line. */
export interface ReconcilerProcess {
  lines(): string[];
  /** Lines holding `runner pod terminated`, without their time and level. */
  terminatedLines(): string[];
  waitForLine(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startReconciler(args: string[], env: Record<string, string> = {}): ReconcilerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/runner/cli.ts', 'reconcile', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => {
    text += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () => text.split('\n').filter(Boolean);
  return {
    lines,
    terminatedLines: () =>
      lines()
        .map((l) => /runner pod terminated .*$/.exec(l)?.[0])
        .filter((l): l is string => Boolean(l)),
    waitForLine: (pattern, what, timeoutMs = 20_000) => waitFor(() => lines().find((l) => pattern.test(l)), `${what}\n--- reconciler output:\n${text}`, timeoutMs),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
