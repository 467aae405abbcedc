import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { groupSlug } from '../src/contract/slug';
import { FakeKubeApi } from '../src/runner/reconcile/testing/fake-kube-api';
import { runnerPod } from '../src/runner/reconcile/testing/pods';
import { startReconciler } from '../src/runner/reconcile/testing/reconciler-process';
import { expect, test } from './fixtures';

// PRODUCT.md §11 end to end: two runners on pods die hard (their node evicted one, the other ran past
// its activeDeadlineSeconds); the reconciler reads the pods from a loopback Kubernetes API, reports
// them to this control plane and deletes them; the console says how each ended and what to do next.

test('Evicted and DeadlineExceeded pods: the reconciler records them and How it ended says what to do', async ({
  page,
  baseURL,
  runnersPage,
  newGroupDialog,
  startRunner,
}) => {
  const name = `Pods ${Date.now().toString(36)}`;
  const slug = groupSlug(name);
  const evicted = `${slug}-runner-7c9d8f6b5d-ev1ct`;
  const deadline = `${slug}-runner-7c9d8f6b5d-dead1`;
  const dir = mkdtempSync(join(tmpdir(), 'paddock-e2e-reconciler-'));
  const fake = await new FakeKubeApi('paddock', 'e2e-service-account-token').start();

  try {
    const key = await test.step('create the group and read its key', async () => {
      await runnersPage.goto();
      await runnersPage.newGroupButton().click();
      await newGroupDialog.create(name);
      const k = await newGroupDialog.readKeyFromDocker();
      await newGroupDialog.closeButton().click();
      await newGroupDialog.confirmClose().getByRole('button', { name: 'Close anyway' }).click();
      return k;
    });

    await test.step('two runners on pods register, then die with their pods (no goodbye)', async () => {
      const runners = [evicted, deadline].map((pod) => startRunner({ key, name: pod, extraArgs: ['--platform', 'kubernetes'] }));
      await expect(runnersPage.status(name)).toHaveText('Healthy · 2 of 2', { timeout: 30_000 });
      for (const r of runners) r.signalGroup('SIGKILL');
    });

    const reconciler = await test.step('the reconciler finds the two pods ended, reports them, then deletes them', async () => {
      fake.put(
        runnerPod(evicted, {
          phase: 'Failed',
          reason: 'Evicted',
          message: 'The node was low on resource: memory. Container core was using 1505524Ki, request is 128Mi, has larger consumption of memory.',
          labels: { app: `${slug}-runner` },
        }),
      );
      fake.put(runnerPod(deadline, { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline', labels: { app: `${slug}-runner` } }));
      const keyFile = join(dir, 'appKey');
      writeFileSync(keyFile, key, { mode: 0o600 });
      writeFileSync(join(dir, 'token'), 'e2e-service-account-token');
      const r = startReconciler(['--kube-api', fake.url, '--kube-token-file', join(dir, 'token'), '--namespace', 'paddock', '--selector', `app=${slug}-runner`, '--server', baseURL!, '--key-file', keyFile]);
      await expect.poll(() => fake.names(), { timeout: 30_000 }).toEqual([]);
      expect(r.terminatedLines().sort()).toEqual([
        `runner pod terminated pod=${deadline} exitCode=- signal=- reason=DeadlineExceeded`,
        `runner pod terminated pod=${evicted} exitCode=- signal=- reason=Evicted`,
      ]);
      return r;
    });

    await runnersPage.openAction(name, 'Edit');
    const dialog = page.getByRole('dialog');
    const guide = dialog.getByRole('region', { name: 'How it ended' });

    await test.step('the fleet strip counts both as trouble', async () => {
      const strip = dialog.getByRole('region', { name: /^How runners ended/ });
      await expect(strip).toContainText('1 Evicted');
      await expect(strip).toContainText('1 Deadline exceeded');
    });

    await test.step('Evicted: node pressure, requests and limits', async () => {
      await dialog.getByRole('button', { name: evicted, exact: true }).click();
      await expect(guide).toContainText('Evicted: the node ran short of memory or disk and the kubelet evicted the pod.');
      await expect(guide).toContainText('reason Evicted (recorded by the Kubernetes reconciler)');
      await expect(guide).toContainText("Set the runner's requests to what it really uses");
      await expect(guide).toContainText(`kubectl get events -n paddock --field-selector involvedObject.name=${evicted},reason=Evicted`);
      await expect(guide).toContainText('MemoryPressure');
      await shoot(page, 'evicted');
      await guide.screenshot({ path: test.info().outputPath('evicted-how-it-ended.png') });
    });

    await test.step('DeadlineExceeded: activeDeadlineSeconds', async () => {
      await dialog.getByRole('button', { name: deadline, exact: true }).click();
      await expect(guide).toContainText('Deadline exceeded: the pod ran longer than its activeDeadlineSeconds.');
      await expect(guide).toContainText('reason DeadlineExceeded (recorded by the Kubernetes reconciler)');
      await expect(guide).toContainText('Raise activeDeadlineSeconds');
      await expect(guide).toContainText(`kubectl get pods -l app=${slug}-runner -n paddock -o custom-columns=`);
      await shoot(page, 'deadline-exceeded');
      await guide.screenshot({ path: test.info().outputPath('deadline-exceeded-how-it-ended.png') });
    });

    expect(await reconciler.stop()).toBe(0);
    expect(reconciler.lines().join('\n')).not.toContain(key);
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Pictures for a person to look at (kept under test-results/): the page with the guide scrolled into view. */
async function shoot(page: Page, name: string) {
  await page.getByRole('dialog').getByRole('region', { name: 'How it ended' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}
