import type { Browser, Locator, Page, Route } from '@playwright/test';
import { type ControlPlane, startControlPlane } from '../src/testing/processes';
import { expect, signIn, test } from './fixtures';

// The console's frame while the control plane is away (PRODUCT.md §3: a banner, the last data stays,
// it recovers by itself). These need a server of their own: they kill it.

const isActivityChunk = (u: URL) => /^\/assets\/activity-[^/]+\.(js|css)$/.test(u.pathname);

/** Whether `locator`'s centre is where the page would take a click: nothing is drawn over it. */
async function drawnOnTop(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    // A modal dialog turns pointer events off on the body; hit testing would skip everything under it.
    const saved = document.body.style.pointerEvents;
    document.body.style.pointerEvents = 'auto';
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    document.body.style.pointerEvents = saved;
    return hit !== null && (el === hit || el.contains(hit));
  });
}

async function withOwnServer(browser: Browser, run: (page: Page, server: ControlPlane) => Promise<void>) {
  const server = await startControlPlane();
  const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
  try {
    await signIn(context, server.url, 'admin', server.adminPassword);
    const admin = await server.signIn();
    await admin.createGroup('Survivor');
    await run(await context.newPage(), server);
  } finally {
    await context.close().catch(() => {});
    await server.dispose();
  }
}

test('Activity opens while the control plane is down (its code was fetched ahead); the banner shows above a dialog', async ({ browser }) => {
  test.setTimeout(120_000);
  await withOwnServer(browser, async (page, server) => {
    const prefetched = page.waitForResponse((r) => isActivityChunk(new URL(r.url())) && r.url().endsWith('.js'));
    await page.goto('/');
    await expect(page.getByRole('row').filter({ hasText: 'Survivor' })).toBeVisible();
    await prefetched;
    // Loaded ahead, so that opening the dialog while down is not what this test is about.
    await page.getByRole('button', { name: 'New Runner Group' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New Runner Group' });
    await expect(dialog).toBeVisible();

    await server.kill('SIGKILL');
    const banner = page.getByText('Reconnecting to the control plane…');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await test.step('the banner is drawn above the dialog and its overlay, and still a status', async () => {
      expect(await drawnOnTop(banner)).toBe(true);
      await expect(page.getByRole('status').filter({ hasText: 'Reconnecting to the control plane…' })).toHaveCount(1);
    });
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();

    await page.getByRole('link', { name: 'Activity' }).click();
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    await expect(banner).toBeVisible();

    await server.start();
    await expect(banner).toBeHidden({ timeout: 30_000 });
  });
});

test('a page whose code could not load keeps the frame, and comes back by itself, styled, once the control plane is back', async ({ browser }) => {
  test.setTimeout(120_000);
  await withOwnServer(browser, async (page, server) => {
    // The Activity chunk has not been fetched yet when the control plane goes away.
    const blockChunk = (route: Route) => route.abort('connectionrefused');
    await page.route(isActivityChunk, blockChunk);
    await page.goto('/');
    await expect(page.getByRole('row').filter({ hasText: 'Survivor' })).toBeVisible();

    await server.kill('SIGKILL');
    const banner = page.getByText('Reconnecting to the control plane…');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Activity' }).click();
    await expect(page.getByRole('heading', { name: 'This part of the console could not be loaded' })).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('button', { name: /Account menu of admin/ })).toBeVisible();
    await expect(banner).toBeVisible();

    await page.unroute(isActivityChunk, blockChunk);
    await server.start();
    const heading = page.getByRole('heading', { name: 'Activity', level: 1 });
    await expect(heading).toBeVisible({ timeout: 30_000 });
    await expect(banner).toBeHidden();
    await expect(page.getByRole('row').filter({ hasText: 'Survivor' })).toBeVisible();
    // Its stylesheet came back too: the page title has the page's margins, not the browser's 0.67em.
    await expect(heading).toHaveCSS('margin-top', '0px');
  });
});
