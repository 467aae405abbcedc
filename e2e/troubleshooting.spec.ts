import type { Page } from '@playwright/test';
import { groupSlug } from '../src/contract/slug';
import { expect, test } from './fixtures';
import type { NewGroupDialog } from './page-objects/new-group-dialog';
import type { RunnersPage } from './page-objects/runners-page';

// Each guidance panel of PRODUCT.md §4, shown for a runner really put in that state, with the
// group's own names in the commands.

/** The troubleshooting guides inside the Edit dialog's instance detail. */
class Guidance {
  constructor(private readonly page: Page) {}

  dialog = () => this.page.getByRole('dialog');
  selectInstance = (name: string) => this.dialog().getByRole('button', { name, exact: true });
  guide = (heading: 'Runner disconnected' | 'Runner upgrade failure' | 'How it ended') =>
    this.dialog().getByRole('region', { name: heading });
  fleetHealth = () => this.dialog().getByRole('region', { name: /^How runners ended/ });
}

async function createGroup(name: string, runnersPage: RunnersPage, newGroupDialog: NewGroupDialog): Promise<string> {
  await runnersPage.goto();
  await runnersPage.newGroupButton().click();
  await newGroupDialog.create(name);
  const key = await newGroupDialog.readKeyFromDocker();
  await newGroupDialog.closeButton().click();
  await newGroupDialog.confirmClose().getByRole('button', { name: 'Close anyway' }).click();
  await expect(newGroupDialog.dialog()).toBeHidden();
  return key;
}

test('Runner disconnected and How it ended, with the group\'s names', async ({ page, baseURL, runnersPage, newGroupDialog, startRunner }) => {
  const name = `Trouble ${Date.now().toString(36)}`;
  const slug = groupSlug(name);
  const key = await createGroup(name, runnersPage, newGroupDialog);
  const guidance = new Guidance(page);

  const docker = startRunner({ key, name: 'trouble-container-1', extraArgs: ['--platform', 'docker'] });
  const pod = startRunner({ key, name: `${slug}-runner-7d9f-aaaaa`, extraArgs: ['--platform', 'kubernetes'] });
  startRunner({ key, name: `${slug}-runner-7d9f-bbbbb`, extraArgs: ['--platform', 'kubernetes'] });
  startRunner({ key, name: 'trouble-oom', extraArgs: ['--test-work-oom', '--test-work-seconds', '2'] });
  await expect(runnersPage.status(name)).toHaveText(/^(Healthy|Degraded) · \d of 4$/, { timeout: 30_000 });

  await test.step('kill two runners hard; one worker runs out of memory', async () => {
    docker.killGroup();
    pod.killGroup();
    // Whether the total counts the terminated runner is the Runners page's business; one stays connected.
    await expect(runnersPage.status(name)).toHaveText(/^Degraded · 1 of \d$/, { timeout: 30_000 });
  });

  await runnersPage.openAction(name, 'Edit');

  await test.step('the fleet health strip counts the OOM kill', async () => {
    await expect(guidance.fleetHealth()).toContainText('1 OOMKilled', { timeout: 15_000 });
  });

  await test.step('Docker runner: Runner disconnected with its container and the group label', async () => {
    await guidance.selectInstance('trouble-container-1').click();
    const guide = guidance.guide('Runner disconnected');
    await expect(guide).toBeVisible();
    await expect(guide).toContainText(`Outbound HTTP ${new URL(baseURL!).port} to ${baseURL} must be allowed`);
    await expect(guide).toContainText('docker logs trouble-container-1');
    await expect(guide).toContainText(`docker ps -a --filter label=paddock.runner-group=${slug}`);
  });

  await test.step('Kubernetes pod with several replicas: deployment logs, then pod by pod', async () => {
    await guidance.selectInstance(`${slug}-runner-7d9f-aaaaa`).click();
    const guide = guidance.guide('Runner disconnected');
    await expect(guide).toContainText(`kubectl logs deployment/${slug}-runner -n paddock`);
    await expect(guide).toContainText(`kubectl get pods -l app=${slug}-runner -n paddock`);
    await expect(guide).toContainText(`kubectl logs ${slug}-runner-7d9f-aaaaa -n paddock`);
  });

  await test.step('OOM-killed runner: How it ended, with the cause and its next step', async () => {
    await guidance.selectInstance('trouble-oom').click();
    const guide = guidance.guide('How it ended');
    await expect(guide).toContainText('exit code 137, reason OOMKilled');
    // A runner started by hand (process) is told in process words: no container, pod or cgroup (PRODUCT.md §3 round 2).
    await expect(guide).toContainText("OOMKilled: the kernel's out-of-memory killer ended the runner process");
    await expect(guide).not.toContainText(/container|pod\b|cgroup/);
    await expect(guidance.guide('Runner disconnected')).toHaveCount(0);
  });
});

test('Runner upgrade failure after a real rolled-back update', async ({ page, runnersPage, newGroupDialog, startRunner }) => {
  const name = `Upgrade fail ${Date.now().toString(36)}`;
  const key = await createGroup(name, runnersPage, newGroupDialog);
  const guidance = new Guidance(page);
  startRunner({ key, name: 'fails-to-update', extraArgs: ['--test-fail-update'] });
  await expect(runnersPage.status(name)).toHaveText('Healthy · 1 of 1', { timeout: 30_000 });

  await test.step('Update, and the replacement crashes: rolled back', async () => {
    await runnersPage.openAction(name, 'Update');
    const confirm = page.getByRole('alertdialog', { name: `Update ${name} from 1.3.0 to 1.4.0?` });
    await confirm.getByRole('button', { name: 'Update' }).click();
    await expect(page.getByText(/rolled back/i).first()).toBeVisible({ timeout: 45_000 });
  });

  await test.step('the instance shows Runner upgrade failure with the messages to search for', async () => {
    await runnersPage.openAction(name, 'Edit');
    await guidance.selectInstance('fails-to-update').click();
    const guide = guidance.guide('Runner upgrade failure');
    await expect(guide).toBeVisible({ timeout: 15_000 });
    await expect(guide).toContainText('The update to 1.4.0 was rolled back.');
    // The runner is a plain process: its own log lines, not Docker's container messages.
    await expect(guide).toContainText('The runner process starts its replacement itself');
    await expect(guide).toContainText(/Update [\w-]+: 1\.3\.0 -> 1\.4\.0/);
    await expect(guide).not.toContainText(/container|kubectl/);
    await expect(guide).toContainText('trigger Update again from the console');
  });
});
