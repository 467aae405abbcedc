import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ControlPlane, killAllRunners, startControlPlane, startRunner, waitFor } from '../testing/processes';

let server: ControlPlane | null = null;
afterEach(() => killAllRunners());
afterAll(async () => {
  await server?.dispose();
});

describe('control plane restart', () => {
  it('runners reconnect with their own tokens, report the error they saw, and the group never turns red', async () => {
    // PGlite on disk (a fresh temp dir), so that the second start finds what the first wrote.
    server = await startControlPlane({ env: { PADDOCK_HEARTBEAT_SECONDS: '1', PADDOCK_OFFLINE_AFTER_SECONDS: '3', PADDOCK_UPDATE_DEADLINE_SECONDS: '60' } });
    const before = await server.signIn();
    const g = await before.createGroup('restart');
    const runners = [0, 1].map((n) => startRunner({ server: server!.url, key: g.registrationKey, name: `r${n}` }));
    const ids = await Promise.all(runners.map(async (r) => (await r.waitForOutput(/Registered as instance (\S+);/))[1]!));
    await waitFor(async () => (await before.group(g.id)).connectedCount === 2, 'both runners connected');

    // A clean shutdown, then the same port, data dir and password.
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    // While it is down the runners fail and back off; wait until both have noticed.
    await Promise.all(runners.map((r) => r.waitForOutput(/Heartbeat failed \(other\)/)));
    await server.start();
    const admin = await server.signIn();

    await Promise.all(runners.map((r) => r.waitForOutput(/Reconnected to /, 10_000)));
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
      expect(r.output().match(/Registered as instance/g)).toHaveLength(1);
    }
    // Two PGlite starts on disk: slow on a loaded 2-core machine.
  }, 90_000);
});
