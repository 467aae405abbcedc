import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { api, type GroupWithKey } from '../src/contract';
import { startControlPlane } from '../src/testing/processes';
import { expect, signIn, test } from './fixtures';

const wcag22aa = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe (WCAG 2.2 AA) on what is on screen in the light and in the dark theme (the console
 * follows the system's); returns one line per violation and element.
 */
async function axe(page: Page, where: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).withTags(wcag22aa).analyze();
    found.push(...violations.flatMap((v) => v.nodes.map((n) => `${where} (${colorScheme}): ${v.id} (${v.impact}) at ${n.target.join(' ')} — ${v.help}`)));
  }
  return found;
}

async function createGroup(page: Page, baseURL: string, name: string): Promise<GroupWithKey> {
  const res = await page.request.post(api.runnerGroups, { data: { name }, headers: { 'x-requested-with': 'paddock', origin: baseURL } });
  expect(res.status()).toBe(201);
  return (await res.json()) as GroupWithKey;
}

/** Presses Tab until `target` has the focus (keyboard only), failing after `max` presses. */
async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

test.describe('axe, WCAG 2.2 AA, light and dark', () => {
  test('nothing on the Sign in page', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    const found = await axe(page, 'Sign in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    found.push(...(await axe(page, 'Sign in, failed')));
    await context.close();
    expect(found).toEqual([]);
  });

  test('nothing on any page or dialog', async ({ page, baseURL, runnersPage, newGroupDialog, editDialog, startRunner }) => {
    test.setTimeout(120_000);
    const found: string[] = [];
    const stamp = Date.now().toString(36);
    const name = `Axe ${stamp}`;
    const group = await createGroup(page, baseURL!, name);
    const runner = startRunner({ key: group.registrationKey, name: `axe-${stamp}` });

    await runnersPage.goto();
    await expect(runnersPage.status(name)).toHaveText(/^Healthy/, { timeout: 20_000 });
    found.push(...(await axe(page, 'Runners')));

    await test.step('group menu', async () => {
      await runnersPage.moreActions(name).click();
      await expect(runnersPage.menuItem('Edit')).toBeVisible();
      found.push(...(await axe(page, 'Group menu')));
      await page.keyboard.press('Escape');
    });

    await test.step('New Runner Group: form, install view, close confirmation', async () => {
      await runnersPage.newGroupButton().click();
      await expect(newGroupDialog.nameField()).toBeVisible();
      found.push(...(await axe(page, 'New Runner Group')));
      await newGroupDialog.nameField().fill('<b>bad</b>');
      await newGroupDialog.createButton().click();
      await expect(newGroupDialog.dialog().getByText(/may contain only/i)).toBeVisible();
      found.push(...(await axe(page, 'New Runner Group, invalid name')));
      await newGroupDialog.create(`Axe new ${stamp}`);
      for (const tab of ['Helm', 'Docker', 'CloudFormation'] as const) {
        await newGroupDialog.tab(tab).click();
        await expect(newGroupDialog.dialog().getByRole('tabpanel', { name: tab })).toBeVisible();
        found.push(...(await axe(page, `Install view, ${tab}`)));
      }
      await newGroupDialog.closeButton().click();
      await expect(newGroupDialog.confirmClose()).toBeVisible();
      found.push(...(await axe(page, 'Close without copying')));
      await newGroupDialog.confirmClose().getByRole('button', { name: 'Close anyway' }).click();
      await expect(newGroupDialog.dialog()).toBeHidden();
    });

    await test.step('Edit with an instance selected', async () => {
      await runnersPage.openAction(name, 'Edit');
      await expect(editDialog.instance(`axe-${stamp}`)).toBeVisible();
      found.push(...(await axe(page, 'Edit')));
      await editDialog.instance(`axe-${stamp}`).getByRole('button', { name: `axe-${stamp}` }).click();
      found.push(...(await axe(page, 'Edit, instance detail')));
      await page.keyboard.press('Escape');
      await expect(editDialog.dialog()).toBeHidden();
    });

    for (const action of ['Update', 'Rotate key', 'Delete'] as const) {
      await test.step(`${action} confirmation`, async () => {
        await runnersPage.openAction(name, action);
        const confirm = page.getByRole('alertdialog').or(page.getByRole('dialog'));
        await expect(confirm).toBeVisible();
        found.push(...(await axe(page, `${action} confirmation`)));
        await page.keyboard.press('Escape');
        await expect(confirm).toBeHidden();
      });
    }

    await test.step('Activity', async () => {
      await page.getByRole('link', { name: 'Activity' }).click();
      await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
      await expect(page.getByRole('main').getByText(name).filter({ visible: true }).first()).toBeVisible();
      found.push(...(await axe(page, 'Activity')));
    });

    runner.killGroup();
    expect(found).toEqual([]);
  });
});

test('axe finds nothing on the empty states, light and dark', async ({ browser }) => {
  // A control plane of its own: the shared one is never empty once other specs have run.
  const server = await startControlPlane();
  const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
  try {
    await signIn(context, server.url, 'admin', server.adminPassword);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'No runner groups yet' })).toBeVisible();
    const found = await axe(page, 'Runners, empty');
    await page.getByRole('link', { name: 'Activity' }).click();
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    await expect(page.getByText(/No activity yet/)).toBeVisible();
    found.push(...(await axe(page, 'Activity, empty')));
    await page.getByRole('link', { name: 'Notifications' }).click();
    await expect(page.getByRole('heading', { name: 'No notification channels yet' })).toBeVisible();
    found.push(...(await axe(page, 'Notifications, empty')));
    expect(found).toEqual([]);
  } finally {
    // A context already torn down by a failed test must not keep the server and its data dir alive.
    await context.close().catch(() => {});
    await server.dispose();
  }
});

test('keyboard only: create a group, read the key, close, open Edit from the menu', async ({ page }) => {
  const name = `Keys ${Date.now().toString(36)}`;
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Runners', level: 1 })).toBeVisible();

  await tabTo(page, page.getByRole('button', { name: 'New Runner Group' }).first());
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('tab', { name: 'Docker' })).toBeVisible();

  // Tabs switch with the arrow keys once one has the focus.
  await tabTo(page, dialog.getByRole('tab', { selected: true }));
  await page.keyboard.press('ArrowRight');
  await expect(dialog.getByRole('tab', { selected: true })).toBeFocused();

  await tabTo(page, dialog.getByRole('button', { name: 'Close', exact: true }));
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Close without copying the key?' });
  await expect(confirm).toBeVisible();
  await tabTo(page, confirm.getByRole('button', { name: 'Close anyway' }));
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();

  await tabTo(page, page.getByRole('searchbox').first());
  await page.keyboard.type(name);
  await tabTo(page, page.getByRole('button', { name: `More actions for ${name}` }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: `Edit ${name}` })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
  // Focus comes back to where the user was, not to the top of the page.
  await expect(page.getByRole('button', { name: `More actions for ${name}` })).toBeFocused();
});
