// `npm run test:soak`: the long fault runs that do not fit `npm test`'s time budget. Each spec starts
// control planes of its own (src/testing/processes.ts), so no shared webServer is needed.
import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: /.*\.soak\.ts/,
  outputDir: '../test-results/soak',
  timeout: 10 * 60_000,
  projects: [{ name: 'soak', use: { ...base.use, baseURL: undefined } }],
  webServer: undefined,
});
