import { type BrowserContext, test as base, expect } from '@playwright/test';
import { api } from '../src/contract';
import { type RunnerProcess, startRunner } from '../src/testing/processes';
import { EditDialog } from './page-objects/edit-dialog';
import { NewGroupDialog } from './page-objects/new-group-dialog';
import { RunnersPage } from './page-objects/runners-page';
import { TokensPage } from './page-objects/tokens-page';

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
  /** A real runner process dialling the shared server; its whole process group is killed when the test ends. */
  tokensPage: TokensPage;
  startRunner: (options: StartRunnerOptions) => RunnerProcess;
}

export const test = base.extend<Fixtures>({
  runnersPage: async ({ page }, use) => use(new RunnersPage(page)),
  newGroupDialog: async ({ page }, use) => use(new NewGroupDialog(page)),
  editDialog: async ({ page }, use) => use(new EditDialog(page)),
  tokensPage: async ({ page }, use) => use(new TokensPage(page)),
  startRunner: async ({ baseURL }, use) => {
    const started: RunnerProcess[] = [];
    await use(({ key, name, version = '1.3.0', extraArgs = [] }) => {
      const runner = startRunner({ server: baseURL!, key, name, version, platform: 'process', args: extraArgs });
      started.push(runner);
      return runner;
    });
    for (const r of started) r.killGroup();
  },
});

/** Signs a browser context in to a server through its real API; the cookie lands in the context. */
export async function signIn(context: BrowserContext, url: string, username: string, password: string): Promise<void> {
  const res = await context.request.post(`${url}${api.session}`, {
    data: { username, password },
    headers: { 'x-requested-with': 'paddock', origin: url },
  });
  if (!res.ok()) throw new Error(`sign in as ${username} failed: HTTP ${res.status()}`);
}

export { expect };
