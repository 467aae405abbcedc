import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { openTestDb, waitFor } from './testing/db';
import { runnerBody } from './testing/harness';
import { call, openSse, signInTo } from './testing/sse';

// Two control-plane processes' worth of server on one PostgreSQL: every change reaches both.
describe('two replicas on one PostgreSQL', () => {
  let a: RunningServer;
  let b: RunningServer;
  let drop: () => Promise<void>;
  let cookieA: string;
  let cookieB: string;

  beforeAll(async () => {
    const t = await openTestDb('postgres');
    drop = t.drop;
    const common = { port: 0, databaseUrl: t.url!, adminPassword: 'replica-password', distDir: '/nonexistent' };
    a = await startServer({ ...common, logger: memoryLogger() });
    b = await startServer({ ...common, logger: memoryLogger() });
    cookieA = await signInTo(a.url, 'admin', 'replica-password');
    cookieB = await signInTo(b.url, 'admin', 'replica-password');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it("shows a heartbeat sent to one replica in the other's event stream", async () => {
    const sse = await openSse(`${b.url}/api/v1/events`, { Cookie: cookieB });
    const group = await (await call(a.url, 'POST', '/api/v1/runner-groups', { cookie: cookieA, body: { name: 'Shared' } })).json();
    await sse.waitFor((m) => m.event === 'group' && JSON.parse(m.data).groupId === group.id);
    const reg = await (await call(a.url, 'POST', '/api/v1/runner/register', { bearer: group.registrationKey, body: runnerBody() })).json();
    await sse.waitFor((m) => m.event === 'instance' && JSON.parse(m.data).entityId === reg.instanceId);
    let seen = sse.messages.length;
    const isOurs = (m: { event: string; data: string }) => m.event === 'instance' && JSON.parse(m.data).entityId === reg.instanceId;

    // the runner's first heartbeat, plain
    expect((await call(a.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status).toBe(200);
    await waitFor(() => sse.messages.slice(seen).find(isOurs), { what: "the first heartbeat's instance event on replica B" });
    seen = sse.messages.length;

    // a heartbeat that reports a new version and an error

    const lastError = { kind: 'dns', message: 'getaddrinfo ENOTFOUND', at: new Date().toISOString() };
    const hb = await call(a.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.1', lastError } });
    expect(hb.status).toBe(200);
    await waitFor(() => sse.messages.slice(seen).find((m) => m.event === 'instance' && JSON.parse(m.data).entityId === reg.instanceId), {
      what: "the heartbeat's instance event on replica B",
    });
    sse.close();
    const [inst] = await (await call(b.url, 'GET', `/api/v1/runner-groups/${group.id}/instances`, { cookie: cookieB })).json();
    expect(inst).toMatchObject({ version: '1.3.1', lastError });
  });

  it('lets a runner heartbeat to either replica, and a delete on one is a 410 on the other', async () => {
    const group = await (await call(a.url, 'POST', '/api/v1/runner-groups', { cookie: cookieA, body: { name: 'Doomed' } })).json();
    const reg = await (await call(a.url, 'POST', '/api/v1/runner/register', { bearer: group.registrationKey, body: runnerBody() })).json();
    expect((await call(b.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status).toBe(200);
    expect((await call(a.url, 'DELETE', `/api/v1/runner-groups/${group.id}`, { cookie: cookieA })).status).toBe(204);
    await waitFor(
      async () => (await call(b.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status === 410,
      { what: 'a 410 from replica B' },
    );
  });

  it('allows only one active update across replicas', async () => {
    const group = await (await call(a.url, 'POST', '/api/v1/runner-groups', { cookie: cookieA, body: { name: 'Racy' } })).json();
    await call(a.url, 'POST', '/api/v1/runner/register', { bearer: group.registrationKey, body: runnerBody() });
    const answers = await Promise.all([
      call(a.url, 'POST', `/api/v1/runner-groups/${group.id}/updates`, { cookie: cookieA, body: {} }),
      call(b.url, 'POST', `/api/v1/runner-groups/${group.id}/updates`, { cookie: cookieB, body: {} }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
  });
});
