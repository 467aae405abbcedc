import type { Page } from '@playwright/test';
import { api, type GroupWithKey } from '../src/contract';
import { expect, test } from './fixtures';

const mutating = (baseURL: string) => ({ 'x-requested-with': 'paddock', origin: baseURL });

async function createGroup(page: Page, baseURL: string, name: string): Promise<GroupWithKey> {
  const res = await page.request.post(api.runnerGroups, { data: { name }, headers: mutating(baseURL) });
  expect(res.status()).toBe(201);
  return (await res.json()) as GroupWithKey;
}

/** A unique name of `length` characters with no space, hyphen or other place a line may break. */
function unbreakableName(prefix: string, length = 64): string {
  const stamp = `${prefix}${Date.now().toString(36)}`;
  return `${stamp}${'x'.repeat(length - stamp.length)}`;
}

test.describe('Activity page', () => {
  test('a 64-character name with no spaces wraps: the table fits the page at 1280 px and What happened stays in view', async ({ page, baseURL }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const first = unbreakableName('Wide');
    const second = unbreakableName('Wider');
    const group = await createGroup(page, baseURL!, first);
    // A rename puts both long names into one sentence ("renamed … to …").
    const renamed = await page.request.patch(api.runnerGroup(group.id), { data: { name: second }, headers: mutating(baseURL!) });
    expect(renamed.status()).toBe(200);

    await page.goto('/activity');
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    const log = page.getByRole('region', { name: 'Audit log' });
    await expect(log.getByRole('link', { name: second, exact: true }).first()).toBeVisible();

    const fit = await log.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(fit.scrollWidth, 'the audit table needs no sideways scrolling').toBeLessThanOrEqual(fit.clientWidth);
    const details = await log.getByRole('columnheader', { name: 'What happened' }).boundingBox();
    const region = await log.boundingBox();
    expect(details && region).toBeTruthy();
    expect(details!.x + details!.width, 'What happened ends inside the table').toBeLessThanOrEqual(region!.x + region!.width + 0.5);
    expect(region!.x + region!.width, 'the table ends inside the window').toBeLessThanOrEqual(1280);
    // Short words still keep whole: "admin" is one line, not "admi / n".
    const userLines = await log
      .getByRole('cell', { name: 'admin', exact: true })
      .first()
      .evaluate((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
    expect(userLines, '"admin" on one line').toBe(1);
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(pageWidth, 'the page itself does not scroll sideways').toBeLessThanOrEqual(1280);
  });

  test('new entries, and a deleted group in the filter, show up live without a reload', async ({ page, baseURL }) => {
    await page.goto('/activity');
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    const log = page.getByRole('region', { name: 'Audit log' });
    const name = unbreakableName('Live', 24);
    // Made by someone else, as far as this page knows: straight through the API.
    const group = await createGroup(page, baseURL!, name);
    // Live events arrive within a second (PRODUCT.md §9); well before the query would go stale on its own.
    const row = log.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.first()).toBeVisible({ timeout: 5_000 });
    await expect(log.getByRole('row').nth(1)).toContainText('created the runner group');

    expect((await page.request.delete(api.runnerGroup(group.id), { headers: mutating(baseURL!) })).status()).toBe(204);
    await expect(log.getByRole('row').nth(1)).toContainText('deleted the runner group', { timeout: 5_000 });
    const filter = page.getByLabel('Group');
    await expect(filter.getByRole('option', { name: `${name} (deleted)` })).toBeAttached({ timeout: 5_000 });
    await filter.selectOption({ label: `${name} (deleted)` });
    await expect(log.getByRole('row')).toHaveCount(3);
    await expect(log.getByRole('row').nth(1)).toContainText('deleted the runner group');
    await expect(log.getByRole('row').nth(2)).toContainText('created the runner group');
  });
});
