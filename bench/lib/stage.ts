import type { Browser, BrowserContext, Page } from '@playwright/test';
import { launchChromium, signedInContext } from './browser';
import type { AdminApi } from '../../src/testing/admin-api';
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from '../../src/testing/processes';
import { addProbes, probe, waitForProbe } from './page-probes';

/** A control plane, an API session and a console open on the Runners page in Chromium. */
export interface Stage {
  cp: ControlPlane;
  session: AdminApi;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Date.now() when the control plane answered ready. */
  readyAt: number;
  /** Arms a watch for a group row showing `label`, then resolves with the page's Date.now() when it does. */
  watch(name: string, label: string, timeoutMs: number): Promise<() => Promise<number>>;
  close(): Promise<void>;
}

export async function openStage(options: ControlPlaneOptions = {}): Promise<Stage> {
  // The tail of the server's output only: it runs for minutes under load.
  const cp = await startControlPlane({ outputLimit: 200_000, ...options });
  const readyAt = Date.now();
  let browser: Browser | undefined;
  try {
    const session = await cp.signIn();
    browser = await launchChromium();
    const context = await signedInContext(browser, cp.url, cp.adminPassword);
    const page = await context.newPage();
    await addProbes(page);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Runners', level: 1 }).waitFor();
    const b = browser;
    return {
      cp,
      session,
      browser: b,
      context,
      page,
      readyAt,
      async watch(name, label, timeoutMs) {
        await probe(page, 'watchStatus', { name, label });
        return () => waitForProbe<number>(page, 'watched', { name, label }, timeoutMs);
      },
      async close() {
        await b.close();
        await cp.dispose();
      },
    };
  } catch (e) {
    await browser?.close();
    await cp.dispose();
    throw e;
  }
}
