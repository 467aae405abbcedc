import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AdminApi, waitFor } from './testing/admin-api';
import { killAllRunners, startRunner } from './testing/runner-process';
import { startTestServer, type TestServer } from './testing/server';

const dataDir = mkdtempSync(join(tmpdir(), 'paddock-runner-restart-'));
let server: TestServer | null = null;
afterEach(() => killAllRunners());
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('control plane restart', () => {
  it('runners reconnect with their own tokens, report the error they saw, and the group never turns red', async () => {
    server = await startTestServer({ dataDir });
    const { port, adminPassword } = server;
    const g = await server.admin.createGroup('restart');
    const runners = [0, 1].map((n) => startRunner({ server: server!.url, key: g.registrationKey, name: `r${n}` }));
    const ids = await Promise.all(runners.map(async (r) => (await r.waitForLog(/Registered as instance (\S+);/))[1]!));
    await waitFor(async () => (await server!.admin.group(g.id)).connectedCount === 2, 'both runners connected');

    await server.close();
    server = null;
    // While it is down the runners fail and back off; wait until both have noticed.
    await Promise.all(runners.map((r) => r.waitForLog(/Heartbeat failed \(other\)/)));
    server = await startTestServer({ dataDir, port, adminPassword });
    const admin = await AdminApi.signIn(server.url, adminPassword);

    await Promise.all(runners.map((r) => r.waitForLog(/Reconnected to /, 10_000)));
    // For longer than one offline window after the restart, the group stays green and both stay connected.
    const watchUntil = Date.now() + 4500;
    while (Date.now() < watchUntil) {
      const group = await admin.group(g.id);
      expect(group.status).toBe('connected');
      expect(group.connectedCount).toBe(2);
      await new Promise((r) => setTimeout(r, 200));
    }
    const instances = await admin.instances(g.id);
    expect(instances.map((i) => i.id).sort()).toEqual([...ids].sort());
    for (const inst of instances) {
      expect(inst.status).toBe('connected');
      expect(inst.lastError).toMatchObject({ kind: 'other', message: expect.stringMatching(/cannot reach|answered/) });
    }
    for (const r of runners) {
      expect(r.exit).toBeNull();
      expect(r.output.match(/Registered as instance/g)).toHaveLength(1);
    }
    // Two PGlite starts on disk: slow on a loaded 2-core machine.
  }, 90_000);
});
