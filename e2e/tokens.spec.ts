import AxeBuilder from '@axe-core/playwright';
import type { CDPSession, Page } from '@playwright/test';
import { api } from '../src/contract';
import { expect, test } from './fixtures';

/** The page's whole JavaScript heap after a full GC. */
async function heapSnapshot(cdp: CDPSession): Promise<string> {
  let snapshot = '';
  const onChunk = (e: { chunk: string }) => {
    snapshot += e.chunk;
  };
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return snapshot;
}

/** Everything the page keeps where a secret must never be: DOM, storage, address, history. */
async function browserState(page: Page): Promise<string> {
  const inPage = await page.evaluate(() =>
    [document.documentElement.outerHTML, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }), location.href, JSON.stringify(history.state)].join('\n'),
  );
  return `${inPage}\n${JSON.stringify(await page.context().cookies())}`;
}

test('API tokens: create one, copy its secret once, use it from a script, revoke it → 401', async ({ page, baseURL, tokensPage }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const name = `e2e-${Date.now().toString(36)}`;
  await page.goto('/');
  await tokensPage.openFromUserMenu();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await expect(tokensPage.usage()).toContainText(`curl -fsS "${baseURL}/api/v1/runner-groups"`);

  const secret = await tokensPage.create(name, 'Read and write');
  expect(secret).toMatch(/^pat_[0-9A-Za-z]{40}$/);
  await expect(tokensPage.dialog()).toContainText(/will not be shown again/);

  await test.step('Copy token puts the secret on the clipboard', async () => {
    await tokensPage.copyButton().click();
    await expect(tokensPage.copyButton()).toHaveText('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.evaluate(() => navigator.clipboard.writeText('something else'));
  });

  await test.step('after Close the secret is gone from the page, storage, address, history and memory', async () => {
    await tokensPage.closeButton().click();
    await expect(tokensPage.dialog()).toBeHidden();
    await expect(tokensPage.token(name)).toContainText(`${secret.slice(0, 8)}…`);
    expect(await browserState(page)).not.toContain(secret.slice(8));
    const cdp = await page.context().newCDPSession(page);
    expect((await heapSnapshot(cdp)).includes(secret.slice(8)), 'secret still in the JS heap').toBe(false);
    await cdp.detach();
  });

  const groupName = `Token made ${Date.now().toString(36)}`;
  await test.step('a script with only the token creates a group: no cookie, no CSRF header', async () => {
    const res = await fetch(`${baseURL}${api.runnerGroups}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: groupName }),
    });
    expect(res.status).toBe(201);
    const audit = await fetch(`${baseURL}${api.auditEvents}?limit=5`, { headers: { authorization: `Bearer ${secret}` } });
    const entry = ((await audit.json()).items as Array<{ actor: string; action: string; groupName: string | null }>).find((e) => e.groupName === groupName);
    expect(entry).toMatchObject({ actor: `admin (token ${name})`, action: 'group.created' });
  });

  await test.step('the page shows when and from where it was last used', async () => {
    await page.reload();
    await expect(tokensPage.token(name)).toContainText('from 127.0.0.1');
  });

  await test.step('axe finds nothing on the page, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
      expect(violations.map((v) => `${colorScheme}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  });

  await tokensPage.revoke(name);
  await expect(tokensPage.token(name)).toHaveCount(0);
  await test.step('the revoked token gets 401', async () => {
    const res = await fetch(`${baseURL}${api.runnerGroups}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
