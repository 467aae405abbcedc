import { type ChildProcess, spawn } from 'node:child_process';
import { test as base, expect } from '@playwright/test';
import { EditDialog } from './page-objects/edit-dialog';
import { NewGroupDialog } from './page-objects/new-group-dialog';
import { RunnersPage } from './page-objects/runners-page';

/** A real runner process started by a test; killed with its whole process group afterwards. */
export interface RunnerProcess {
  child: ChildProcess;
  /** Everything it printed, for assertions that the key never shows. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartRunnerOptions {
  key: string;
  name: string;
  version?: string;
  extraArgs?: string[];
}

interface Fixtures {
  runnersPage: RunnersPage;
  newGroupDialog: NewGroupDialog;
  editDialog: EditDialog;
  startRunner: (options: StartRunnerOptions) => RunnerProcess;
}

export const test = base.extend<Fixtures>({
  runnersPage: async ({ page }, use) => use(new RunnersPage(page)),
  newGroupDialog: async ({ page }, use) => use(new NewGroupDialog(page)),
  editDialog: async ({ page }, use) => use(new EditDialog(page)),
  startRunner: async ({ baseURL }, use) => {
    const started: RunnerProcess[] = [];
    await use(({ key, name, version = '1.3.0', extraArgs = [] }) => {
      // The key travels in the environment, as the Docker image and Helm chart pass it.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/runner/cli.ts', '--server', baseURL!, '--name', name, '--platform', 'process',
          '--runner-version', version, ...extraArgs],
        { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PADDOCK_RUNNER_KEY: key } },
      );
      let out = '';
      child.stdout?.on('data', (d) => { out += d; });
      child.stderr?.on('data', (d) => { out += d; });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const runner: RunnerProcess = {
        child,
        output: () => out,
        kill: (signal) => { try { process.kill(-child.pid!, signal); } catch { /* already gone */ } },
        exited,
      };
      started.push(runner);
      return runner;
    });
    for (const r of started) r.kill('SIGKILL');
  },
});

export { expect };
