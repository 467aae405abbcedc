import { describe, expect, it } from 'vitest';
import { api } from '../contract';
import { startControlPlane } from '../testing/processes';
import { type Backend, openTestDb, waitFor } from './testing/db';
import { runnerBody } from './testing/harness';
import { call } from './testing/sse';

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('kill -9 mid-traffic on %s, then restart', (backend) => {
  it('keeps every acknowledged write', async () => {
    const pg = backend === 'postgres' ? await openTestDb('postgres') : null;
    // PGlite in a fresh temp dir, or PostgreSQL: either way the second start finds what the first wrote.
    const server = await startControlPlane({ databaseUrl: pg?.url ?? '' }).catch(async (e) => {
      await pg?.drop();
      throw e;
    });
    try {
      const admin = await server.signIn();
      const acked = { groups: [] as Array<{ id: string; name: string }>, instances: [] as Array<{ id: string; groupId: string; token: string }>, terminated: [] as string[] };
      let stop = false;
      let n = 0;
      const traffic = (async () => {
        while (!stop) {
          const i = n++;
          try {
            const res = await admin.request('POST', api.runnerGroups, { name: `group ${i}` });
            if (res.status !== 201) continue;
            const g = res.body as { id: string; name: string; registrationKey: string };
            acked.groups.push({ id: g.id, name: g.name });
            const reg = await call(server.url, 'POST', api.runnerRegister, { bearer: g.registrationKey, body: runnerBody({ name: `r${i}` }) });
            if (reg.status !== 201) continue;
            const r = await reg.json();
            acked.instances.push({ id: r.instanceId, groupId: g.id, token: r.instanceToken });
            const ev = await call(server.url, 'POST', api.runnerEvents, {
              bearer: r.instanceToken,
              body: { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' },
            });
            if (ev.status === 202) acked.terminated.push(r.instanceId);
          } catch {
            return; // the server died under us: whatever was not answered was not acknowledged
          }
        }
      })();
      await waitFor(() => acked.terminated.length >= 8, { timeoutMs: 30_000, what: 'some acknowledged traffic' });
      const killed = server.kill('SIGKILL');
      stop = true;
      await traffic;
      expect(await killed).toEqual({ code: null, signal: 'SIGKILL' });

      await server.start();
      const again = await server.signIn();
      const groups = await again.groups();
      const ids = new Set(groups.map((g) => g.id));
      for (const g of acked.groups) expect(ids.has(g.id), `group ${g.name}`).toBe(true);
      for (const inst of acked.instances) {
        const found = (await again.instances(inst.groupId)).find((x) => x.id === inst.id);
        expect(found, `instance ${inst.id}`).toBeDefined();
        if (acked.terminated.includes(inst.id)) expect(found!.termination?.cause).toBe('oom_killed');
      }
      // acknowledged tokens still work after the restart
      const last = acked.instances[acked.instances.length - 1]!;
      const hb = await call(server.url, 'POST', api.runnerHeartbeat, { bearer: last.token, body: { version: '1.3.0' } });
      expect(hb.status).toBe(200);
      expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await server.dispose();
      await pg?.drop();
    }
  }, 120_000);
});
