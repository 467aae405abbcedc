import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { api } from '../src/contract';
import { type Receiver, startReceiver } from '../src/server/testing/receivers';
import { expect, test } from './fixtures';
import { NotificationsPage } from './page-objects/notifications-page';

const receivers: Receiver[] = [];
test.afterAll(async () => {
  for (const r of receivers.splice(0)) await r.stop();
});
async function receiver(answer: (n: number) => number = () => 200) {
  const r = await startReceiver({ answer });
  receivers.push(r);
  return r;
}
const stamp = () => Date.now().toString(36);

async function axe(page: Page, where: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    found.push(...violations.flatMap((v) => v.nodes.map((n) => `${where} (${colorScheme}): ${v.id} at ${n.target.join(' ')} — ${v.help}`)));
  }
  return found;
}

test.describe('Notifications page', () => {
  test('create a webhook channel to a real receiver, Send test, see the signed delivery in the log', async ({ page }) => {
    const r = await receiver();
    const notifications = new NotificationsPage(page);
    await notifications.open();
    const name = `Hook ${stamp()}`;
    const secret = await notifications.createWebhook(name, r.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // Gone from the page once the dialog is closed.
    await expect(page.getByText(secret)).toHaveCount(0);

    await notifications.sendTest(name);
    const card = notifications.channel(name);
    await expect(card.getByRole('status').filter({ hasText: 'Test delivered' })).toContainText(/Test delivered: HTTP 200, \d+ ms/);
    await expect.poll(() => r.received.length).toBe(1);
    const got = r.received[0]!;
    expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toMatchObject({ type: 'test' });
    await expect(card.getByText('Delivered').first()).toBeVisible();

    const log = await notifications.openLog(name);
    const row = log.getByRole('row').nth(1);
    await expect(row).toContainText('Test');
    await expect(row).toContainText('Delivered');
    await expect(row).toContainText('HTTP 200');
    await expect(row).toContainText(/\d+ ms/);
  });

  test('a failing and a healthy channel: in words, axe-clean in both themes, fitting 1440 and 390 px', async ({ page, baseURL }) => {
    const good = await receiver(() => 200);
    const bad = await receiver(() => 500);
    const s = stamp();
    const headers = { 'x-requested-with': 'paddock', origin: baseURL! };
    const made: string[] = [];
    for (const [name, url] of [
      [`Healthy ${s}`, good.url],
      [`Failing ${s}`, bad.url],
    ] as const) {
      const res = await page.request.post(api.notificationChannels, { data: { name, type: 'webhook', url }, headers });
      expect(res.status()).toBe(201);
      const ch = (await res.json()) as { id: string };
      made.push(ch.id);
      expect((await page.request.post(api.notificationChannelTest(ch.id), { headers })).status()).toBe(200);
    }
    const notifications = new NotificationsPage(page);
    await notifications.open();
    await expect(notifications.channel(`Healthy ${s}`).getByText('Delivered')).toBeVisible();
    await expect(notifications.channel(`Failing ${s}`).getByText('Failed', { exact: true })).toBeVisible();
    await expect(notifications.channel(`Failing ${s}`)).toContainText('HTTP 500');
    await notifications.openLog(`Failing ${s}`);

    const found = await axe(page, 'Notifications');
    await page.getByRole('button', { name: 'New channel' }).click();
    await expect(page.getByRole('dialog', { name: 'New channel' })).toBeVisible();
    found.push(...(await axe(page, 'New channel dialog')));
    await page.keyboard.press('Escape');
    expect(found).toEqual([]);

    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `no sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `test-results/notifications-${width}-${colorScheme}.png`, fullPage: true });
      }
    }
    // The form at phone width: every field and both buttons reachable.
    await page.getByRole('button', { name: 'New channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'New channel' });
    await dialog.getByRole('button', { name: 'Create channel' }).scrollIntoViewIfNeeded();
    await expect(dialog.getByRole('button', { name: 'Create channel' })).toBeInViewport();
    await page.screenshot({ path: 'test-results/notifications-dialog-390-dark.png' });
    await page.keyboard.press('Escape');
    for (const id of made) await page.request.delete(api.notificationChannel(id), { headers });
  });

  test('keyboard only: reach New channel, fill the form and cancel', async ({ page }) => {
    const notifications = new NotificationsPage(page);
    await notifications.open();
    const button = page.getByRole('button', { name: 'New channel' });
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New channel' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('radio', { name: 'Webhook' })).toBeChecked();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(button).toBeFocused();
  });
});
