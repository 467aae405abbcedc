import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, openTestDb, waitFor } from './testing/db';
import { runnerBody } from './testing/harness';
import { call, signInTo } from './testing/sse';

const password = 'restart-password';
const children: ChildProcess[] = [];

/** Starts `node --import tsx src/server/main.ts` and answers its URL once it prints the listening line. */
async function startProcess(dataDir: string, databaseUrl: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PADDOCK_DATA_DIR: dataDir, PADDOCK_ADMIN_PASSWORD: password, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const url = await waitFor(() => /Paddock listening on (http:\/\/\S+)/.exec(out)?.[1], { timeoutMs: 60_000, what: 'the server to listen' });
  return { child, url, output: () => out };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('kill -9 mid-traffic on %s, then restart', (backend) => {
  it('keeps every acknowledged write', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'paddock-restart-'));
    const pg = backend === 'postgres' ? await openTestDb('postgres') : null;
    const databaseUrl = pg?.url ?? '';
    try {
      const first = await startProcess(dataDir, databaseUrl);
      const cookie = await signInTo(first.url, 'admin', password);
      const acked = { groups: [] as Array<{ id: string; name: string }>, instances: [] as Array<{ id: string; groupId: string; token: string }>, terminated: [] as string[] };
      let stop = false;
      let n = 0;
      const traffic = (async () => {
        while (!stop) {
          const i = n++;
          try {
            const res = await call(first.url, 'POST', '/api/v1/runner-groups', { cookie, body: { name: `group ${i}` } });
            if (res.status !== 201) continue;
            const g = await res.json();
            acked.groups.push({ id: g.id, name: g.name });
            const reg = await call(first.url, 'POST', '/api/v1/runner/register', { bearer: g.registrationKey, body: runnerBody({ name: `r${i}` }) });
            if (reg.status !== 201) continue;
            const r = await reg.json();
            acked.instances.push({ id: r.instanceId, groupId: g.id, token: r.instanceToken });
            const ev = await call(first.url, 'POST', '/api/v1/runner/events', {
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
      first.child.kill('SIGKILL');
      stop = true;
      await traffic;
      await waitFor(() => first.child.exitCode !== null || first.child.signalCode !== null, { what: 'the process to die' });

      const second = await startProcess(dataDir, databaseUrl);
      const cookie2 = await signInTo(second.url, 'admin', password);
      const groups: Array<{ id: string; name: string }> = await (await call(second.url, 'GET', '/api/v1/runner-groups', { cookie: cookie2 })).json();
      const ids = new Set(groups.map((g) => g.id));
      for (const g of acked.groups) expect(ids.has(g.id), `group ${g.name}`).toBe(true);
      for (const inst of acked.instances) {
        const list: Array<{ id: string; termination: { cause: string } | null }> = await (
          await call(second.url, 'GET', `/api/v1/runner-groups/${inst.groupId}/instances`, { cookie: cookie2 })
        ).json();
        const found = list.find((x) => x.id === inst.id);
        expect(found, `instance ${inst.id}`).toBeDefined();
        if (acked.terminated.includes(inst.id)) expect(found!.termination?.cause).toBe('oom_killed');
      }
      // acknowledged tokens still work after the restart
      const last = acked.instances[acked.instances.length - 1]!;
      const hb = await call(second.url, 'POST', '/api/v1/runner/heartbeat', { bearer: last.token, body: { version: '1.3.0' } });
      expect(hb.status).toBe(200);
      second.child.kill('SIGTERM');
      await waitFor(() => second.child.exitCode !== null, { timeoutMs: 15_000, what: 'a clean shutdown' });
      expect(second.child.exitCode).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await pg?.drop();
    }
  }, 120_000);
});
