import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// Workers re-evaluate this file; the environment carries the main process's choices to them.
process.env.PADDOCK_E2E_PORT ??= String(20_000 + Math.floor(Math.random() * 20_000));
process.env.PADDOCK_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'paddock-e2e-'));
process.env.PADDOCK_E2E_ADMIN_PASSWORD ??= 'e2e-admin-password-not-secret';

const port = Number(process.env.PADDOCK_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], storageState: 'test-results/.auth/admin.json' },
      dependencies: ['setup'],
    },
  ],
  webServer: {
    command: 'node --import tsx src/server/main.ts',
    url: `${baseURL}/api/v1/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    // Pinned: the server must not inherit a developer's DATABASE_URL or ports (TOOLCHAIN.md).
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      PADDOCK_DATA_DIR: process.env.PADDOCK_E2E_DATA_DIR,
      PADDOCK_PUBLIC_URL: baseURL,
      PADDOCK_ADMIN_PASSWORD: process.env.PADDOCK_E2E_ADMIN_PASSWORD,
      PADDOCK_RUNNER_VERSION: '1.4.0',
      PADDOCK_HEARTBEAT_SECONDS: '1',
      PADDOCK_OFFLINE_AFTER_SECONDS: '4',
      PADDOCK_UPDATE_DEADLINE_SECONDS: '30',
    },
  },
});
