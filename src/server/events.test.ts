import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { call, openSse, signInTo } from './testing/sse';
import { runnerBody } from './testing/harness';

let server: RunningServer;
let cookie: string;

beforeAll(async () => {
  server = await startServer({ port: 0, dataDir: 'memory', adminPassword: 'events-password', logger: memoryLogger(), distDir: '/nonexistent' });
  cookie = await signInTo(server.url, 'admin', 'events-password');
});
afterAll(() => server?.close());

describe('GET /api/v1/events', () => {
  it('streams group and instance changes with ids, and resumes from Last-Event-ID', async () => {
    const sse = await openSse(`${server.url}/api/v1/events`, { Cookie: cookie });
    expect(sse.res.status).toBe(200);
    expect(sse.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const created = await (await call(server.url, 'POST', '/api/v1/runner-groups', { cookie, body: { name: 'Live' } })).json();
    const groupEvent = await sse.waitFor((m) => m.event === 'group' && JSON.parse(m.data).groupId === created.id);
    expect(JSON.parse(groupEvent.data)).toEqual({ kind: 'group', op: 'upsert', groupId: created.id, entityId: created.id });
    // The audit entry of the creation has its own event, so the Activity page refetches only for those.
    const auditEvent = await sse.waitFor((m) => m.event === 'audit' && JSON.parse(m.data).groupId === created.id);
    expect(JSON.parse(auditEvent.data)).toMatchObject({ kind: 'audit', op: 'upsert', groupId: created.id });
    expect(groupEvent.id).toMatch(/^\d+$/);
    expect(groupEvent.data).not.toContain(created.registrationKey);

    const reg = await (await call(server.url, 'POST', '/api/v1/runner/register', { bearer: created.registrationKey, body: runnerBody() })).json();
    const instanceEvent = await sse.waitFor((m) => m.event === 'instance' && JSON.parse(m.data).entityId === reg.instanceId);
    sse.close();

    // resume: everything after the group event is replayed, including the instance event
    const resumed = await openSse(`${server.url}/api/v1/events`, { Cookie: cookie, 'Last-Event-ID': groupEvent.id });
    const replayed = await resumed.waitFor((m) => m.id === instanceEvent.id);
    expect(replayed.event).toBe('instance');
    expect(resumed.messages.every((m) => BigInt(m.id) > BigInt(groupEvent.id))).toBe(true);
    resumed.close();
  });

  it('401s without a session', async () => {
    const sse = await openSse(`${server.url}/api/v1/events`, {});
    expect(sse.res.status).toBe(401);
    expect(sse.res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('ends open streams when the server shuts down, so close() does not hang', async () => {
    const sse = await openSse(`${server.url}/api/v1/events`, { Cookie: cookie });
    expect(sse.res.status).toBe(200);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
