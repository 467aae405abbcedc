import { type Browser, type BrowserContext, chromium } from '@playwright/test';
import { api } from '../../src/contract';

/** Headless Chromium with the flags TOOLCHAIN.md gives for these machines. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A browser context signed in through the real API (the cookie lands in the context's jar). */
export async function signedInContext(browser: Browser, baseUrl: string, password: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
  const res = await context.request.post(`${baseUrl}${api.session}`, {
    data: { username: 'admin', password },
    headers: { 'x-requested-with': 'paddock', origin: baseUrl },
  });
  if (!res.ok()) throw new Error(`sign in from the browser context failed: HTTP ${res.status()}`);
  return context;
}
