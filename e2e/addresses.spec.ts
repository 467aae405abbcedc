import { api, type GroupWithKey, type Instance } from '../src/contract';
import { expect, test } from './fixtures';

// The console for the operator at 3 a.m. (PRODUCT.md §3 round 2), against a real control plane and
// real runner processes: a degraded group read from the list alone, addresses pasted into a new tab,
// a cause filter in the address, Back closing what it opened, Stop, Forget and Activity's lifecycle
// sentence. The outage display is in faults.spec.ts, which stops a control plane of its own.

const mutating = (baseURL: string) => ({ 'x-requested-with': 'paddock', origin: baseURL });

test('addresses, Back, cause filters, Stop and Forget, and lifecycle sentences', async ({ page, context, baseURL, startRunner }) => {
  const name = `Addr ${Date.now().toString(36)}`;
  const created = await page.request.post(api.runnerGroups, { data: { name }, headers: mutating(baseURL!) });
  expect(created.status()).toBe(201);
  const group = (await created.json()) as GroupWithKey;
  const key = group.registrationKey;

  const steady = startRunner({ key, name: 'addr-steady' });
  const crashing = startRunner({ key, name: 'addr-crash', extraArgs: ['--test-work-exit', '3', '--test-work-seconds', '1'] });
  await crashing.waitForExit();

  await test.step('a degraded group is read from the list alone: label, reason, problems first', async () => {
    await page.goto('/runners');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.getByText('Degraded · 1 of 1')).toBeVisible({ timeout: 30_000 });
    await expect(row.getByText('1 Crash in the last hour')).toBeVisible();
  });

  const instances = async () =>
    (await (await page.request.get(api.instances(group.id))).json()) as Instance[];
  const crashed = (await instances()).find((i) => i.name === 'addr-crash')!;
  const running = (await instances()).find((i) => i.name === 'addr-steady')!;
  expect(crashed.termination?.cause).toBe('crash');

  await test.step('a health filter goes into the address; opening Edit pushes /runners/{id}; Back closes it and keeps the filter', async () => {
    await page.getByLabel('Health').selectOption('degraded');
    await expect(page).toHaveURL(/\/runners\?health=degraded$/);
    await page.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('dialog', { name: `Edit ${name}` })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/runners/${group.id}$`));
    await page.goBack();
    await expect(page.getByRole('dialog')).toBeHidden();
    await expect(page).toHaveURL(/\/runners\?health=degraded$/);
    await expect(page.getByLabel('Health')).toHaveValue('degraded');
  });

  await test.step('selecting an instance pushes its address; Back unselects it', async () => {
    await page.getByRole('link', { name, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${name}` });
    await dialog.getByRole('button', { name: 'addr-crash', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/runners/${group.id}/instances/${crashed.id}$`));
    await expect(dialog.getByRole('region', { name: 'Instance addr-crash' })).toContainText('Crash · exit 3');
    await page.goBack();
    await expect(dialog.getByRole('region', { name: 'Instance addr-crash' })).toBeHidden();
    await expect(page).toHaveURL(new RegExp(`/runners/${group.id}$`));
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
  });

  await test.step('an address pasted into a new tab opens the same dialog, instance and cause filter', async () => {
    const tab = await context.newPage();
    await tab.goto(`/runners/${group.id}/instances/${crashed.id}?cause=crash`);
    const dialog = tab.getByRole('dialog', { name: `Edit ${name}` });
    await expect(dialog.getByRole('region', { name: 'Instance addr-crash' })).toBeVisible();
    await expect(dialog.getByRole('button', { name: '1 Crash' })).toHaveAttribute('aria-pressed', 'true');
    await expect(dialog.getByRole('button', { name: 'addr-steady', exact: true })).toBeHidden();
    // Clearing the cause filter changes the address in place.
    await dialog.getByRole('button', { name: '1 Crash' }).click();
    await expect(tab).toHaveURL(new RegExp(`/runners/${group.id}/instances/${crashed.id}$`));
    await expect(dialog.getByRole('button', { name: 'addr-steady', exact: true })).toBeVisible();
    await tab.close();
  });

  await test.step('Forget removes the ended instance; its address then says it no longer exists', async () => {
    await page.goto(`/runners/${group.id}/instances/${crashed.id}`);
    const dialog = page.getByRole('dialog', { name: `Edit ${name}` });
    await dialog.getByRole('region', { name: 'Instance addr-crash' }).getByRole('button', { name: 'Forget' }).click();
    await page.getByRole('alertdialog', { name: 'Forget addr-crash?' }).getByRole('button', { name: 'Forget' }).click();
    await expect(dialog.getByRole('heading', { name: 'This instance no longer exists' })).toBeVisible();
    expect((await page.request.get(api.instance(group.id, crashed.id))).status()).toBe(404);
  });

  await test.step('Stop: the runner says goodbye and exits 0', async () => {
    await page.goto(`/runners/${group.id}/instances/${running.id}`);
    const dialog = page.getByRole('dialog', { name: `Edit ${name}` });
    await dialog.getByRole('region', { name: 'Instance addr-steady' }).getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('alertdialog', { name: 'Stop addr-steady?' }).getByRole('button', { name: 'Stop runner' }).click();
    expect(await steady.waitForExit()).toEqual({ code: 0, signal: null });
    await expect(dialog.getByRole('region', { name: 'Instance addr-steady' })).toContainText('Terminated', { timeout: 15_000 });
  });

  await test.step('a pasted address of a deleted group says so', async () => {
    await page.goto('/runners/00000000-0000-4000-8000-000000000000');
    await expect(page.getByRole('dialog', { name: 'This runner group no longer exists' })).toBeVisible();
    await page.getByRole('button', { name: 'Show all runner groups' }).click();
    await expect(page).toHaveURL(/\/runners$/);
  });

  await test.step('Activity tells the lifecycle as sentences linking to the group and the instance', async () => {
    await page.goto(`/activity?group=${group.id}`);
    const log = page.getByRole('region', { name: 'Audit log' });
    const registered = log.getByRole('row').filter({ hasText: 'Runner addr-steady registered in' });
    await expect(registered).toBeVisible();
    await expect(registered.getByRole('link', { name: 'addr-steady' })).toHaveAttribute('href', `/runners/${group.id}/instances/${running.id}`);
    await expect(log.getByRole('row').filter({ hasText: 'Runner addr-crash of' }).filter({ hasText: 'ended: Crash (exit code 3)' })).toBeVisible();
    await expect(registered.locator('time')).toHaveText(/UTC[+-]\d\d:\d\d$/);
  });
});
