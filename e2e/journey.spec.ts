import type { CDPSession, Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Every place a browser could keep the key after the dialog closed, as one string to search. */
async function browserState(page: Page): Promise<string> {
  const stores = await page.evaluate(async () => {
    const dump = (s: Storage) => JSON.stringify(Object.entries(s));
    const idb: string[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name!);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve) => {
          const req = db.transaction(storeName).objectStore(storeName).getAll();
          req.onsuccess = () => resolve(req.result);
        });
        idb.push(JSON.stringify(all));
      }
      db.close();
    }
    return [document.documentElement.outerHTML, dump(localStorage), dump(sessionStorage), ...idb, location.href,
      JSON.stringify(history.state)].join('\n');
  });
  const cookies = JSON.stringify(await page.context().cookies());
  return `${stores}\n${cookies}\n${page.url()}`;
}

/** The page's whole JavaScript heap after a full GC: react-query caches, component state, closures. */
async function heapSnapshot(cdp: CDPSession): Promise<string> {
  let snapshot = '';
  const onChunk = (e: { chunk: string }) => { snapshot += e.chunk; };
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return snapshot;
}

test('create a group, install a runner with the one-time key, watch it live, update it', async ({
  page, runnersPage, newGroupDialog, editDialog, startRunner,
}) => {
  const name = `Journey ${Date.now().toString(36)}`;
  await runnersPage.goto();
  await runnersPage.newGroupButton().click();
  await newGroupDialog.create(name);
  await expect(newGroupDialog.dialog()).toContainText(/will not be shown again/i);
  const key = await newGroupDialog.readKeyFromDocker();

  await test.step('closing without copying asks first', async () => {
    await newGroupDialog.closeButton().click();
    await expect(newGroupDialog.confirmClose()).toBeVisible();
    await newGroupDialog.confirmClose().getByRole('button', { name: 'Close anyway' }).click();
    await expect(newGroupDialog.dialog()).toBeHidden();
  });

  await test.step('the key is gone from the page, storage, URL, history and memory', async () => {
    expect(await browserState(page)).not.toContain(key);
    const cdp = await page.context().newCDPSession(page);
    expect((await heapSnapshot(cdp)).includes(key), 'key still in the JS heap').toBe(false);
    await cdp.detach();
    await page.goBack();
    await page.goForward();
    await runnersPage.heading().waitFor();
    expect(await browserState(page)).not.toContain(key);
  });

  await expect(runnersPage.status(name)).toHaveText('Waiting for first runner');

  const first = startRunner({ key, name: 'journey-runner-1' });
  await test.step('the dot turns green when the runner registers', async () => {
    await expect(runnersPage.status(name)).toHaveText('Healthy · 1 of 1', { timeout: 20_000 });
  });

  await test.step('the instance is listed in Edit', async () => {
    await runnersPage.openAction(name, 'Edit');
    await expect(editDialog.instance('journey-runner-1')).toBeVisible();
    await expect(editDialog.instance('journey-runner-1')).toContainText('1.3.0');
    await page.keyboard.press('Escape');
    await expect(editDialog.dialog()).toBeHidden();
  });

  await test.step('killing the runner turns the dot red', async () => {
    first.killGroup();
    await expect(runnersPage.status(name)).toHaveText('Down · 0 of 1', { timeout: 20_000 });
  });

  const second = startRunner({ key, name: 'journey-runner-2' });
  await expect(runnersPage.status(name)).toHaveText('Degraded · 1 of 2', { timeout: 20_000 });

  await test.step('Update runs to success', async () => {
    await runnersPage.openAction(name, 'Update');
    const confirm = page.getByRole('alertdialog', { name: `Update ${name} from 1.3.0 to 1.4.0?` });
    await confirm.getByRole('button', { name: 'Update' }).click();
    await expect(page.getByText(/update.*succeeded/i).first()).toBeVisible({ timeout: 45_000 });
    await expect(runnersPage.group(name)).toContainText('1.4.0');
  });

  expect(first.output() + second.output()).not.toContain(key);
});
