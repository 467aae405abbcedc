import { expect, test } from '@playwright/test';
import { api } from '../src/contract';
import { type RunnerProcess, startControlPlane, startRunner } from '../src/testing/processes';
import { signIn } from './fixtures';

test('console with the control plane down for 30 s: banner throughout, data kept, recovery, runners green again', async ({ browser }) => {
  const server = await startControlPlane({ env: { PADDOCK_HEARTBEAT_SECONDS: '1', PADDOCK_OFFLINE_AFTER_SECONDS: '4' } });
  const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
  const runners: RunnerProcess[] = [];
  try {
    await signIn(context, server.url, 'admin', server.adminPassword);
    const admin = await server.signIn();
    const group = await admin.createGroup('Long outage');
    for (const name of ['outage-1', 'outage-2']) runners.push(startRunner({ server: server.url, key: group.registrationKey, name, version: '1.4.0', platform: 'process' }));
    const page = await context.newPage();
    await page.goto('/');
    const row = page.getByRole('row').filter({ hasText: 'Long outage' });
    await expect(row).toContainText('Healthy · 2 of 2', { timeout: 30_000 });
    const banner = page.getByText('Reconnecting to the control plane…');

    await server.kill('SIGKILL');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    const downUntil = Date.now() + 30_000;
    while (Date.now() < downUntil) {
      await expect(banner).toBeVisible();
      await expect(row).toContainText('Long outage');
      await page.waitForTimeout(1_000);
    }

    await server.start();
    await expect(banner).toBeHidden({ timeout: 60_000 });
    // The runners back off while the server is away; they come back without help and stay green.
    await expect(row).toContainText('Healthy · 2 of 2', { timeout: 60_000 });
    await admin.request('PATCH', api.runnerGroup(group.id), { name: 'Long outage over' });
    await expect(page.getByRole('row').filter({ hasText: 'Long outage over' })).toBeVisible({ timeout: 10_000 });
  } finally {
    for (const r of runners) r.killGroup();
    // A context already torn down by a failed test must not keep the server and its data dir alive.
    await context.close().catch(() => {});
    await server.dispose();
  }
});

test('five SIGKILL and restart cycles under load: acknowledged writes kept, runners never red', async () => {
  const server = await startControlPlane({ env: { PADDOCK_HEARTBEAT_SECONDS: '1', PADDOCK_OFFLINE_AFTER_SECONDS: '4' } });
  const runners: RunnerProcess[] = [];
  try {
    let admin = await server.signIn();
    const group = await admin.createGroup('Cycles');
    for (let i = 1; i <= 3; i++) runners.push(startRunner({ server: server.url, key: group.registrationKey, name: `cycle-${i}`, version: '1.4.0', platform: 'process' }));
    await expect.poll(async () => (await admin.group(group.id)).connectedCount, { timeout: 30_000 }).toBe(3);

    const acked: string[] = [];
    for (let cycle = 1; cycle <= 5; cycle++) {
      let running = true;
      const writer = (async () => {
        for (let n = 0; running; n++) {
          const name = `Cycle ${cycle} write ${n}`;
          const res = await admin.request('POST', api.runnerGroups, { name }).catch(() => null);
          if (res?.status === 201) acked.push(name);
          else await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await new Promise((r) => setTimeout(r, 3_000));
      await server.kill('SIGKILL');
      running = false;
      await writer;
      await server.start();
      admin = await server.signIn();
      const names = new Set((await admin.groups()).map((g) => g.name));
      expect(acked.filter((n) => !names.has(n)), `cycle ${cycle}: acknowledged writes lost`).toEqual([]);
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        const g = await admin.group(group.id);
        expect(g.status, `cycle ${cycle}: live runners shown red`).toBe('connected');
        await new Promise((r) => setTimeout(r, 250));
      }
      await expect.poll(async () => (await admin.group(group.id)).connectedCount, { timeout: 20_000 }).toBe(3);
    }
  } finally {
    for (const r of runners) r.killGroup();
    await server.dispose();
  }
});
