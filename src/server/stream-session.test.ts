import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from './clock';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { waitFor } from './testing/db';
import { call, openSse, signInTo } from './testing/sse';

// PRODUCT.md §8 round 2: an SSE stream ends when its session ends, within 5 s.
describe('an event stream ends with its session', () => {
  let server: RunningServer;
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const password = 'stream-session-password';

  beforeAll(async () => {
    server = await startServer({ port: 0, dataDir: 'memory', adminPassword: password, logger: memoryLogger(), distDir: '/nonexistent', clock });
  });
  afterAll(() => server?.close());

  const endsWithin = (ended: () => boolean, ms: number) => waitFor(() => ended(), { timeoutMs: ms, what: 'the stream to end' });

  /** A second stream on its own session that must stay open: proves only the ended session's streams end. */
  const stillLive = async (cookie: string, sse: Awaited<ReturnType<typeof openSse>>, name: string) => {
    const g = await (await call(server.url, 'POST', '/api/v1/runner-groups', { cookie, body: { name } })).json();
    await sse.waitFor((m) => m.event === 'group' && JSON.parse(m.data).groupId === g.id, 5000);
  };

  it('on sign-out', async () => {
    const mine = await signInTo(server.url, 'admin', password);
    const other = await signInTo(server.url, 'admin', password);
    const a = await openSse(`${server.url}/api/v1/events`, { Cookie: mine });
    const b = await openSse(`${server.url}/api/v1/events`, { Cookie: other });
    expect(a.res.status).toBe(200);
    expect((await call(server.url, 'DELETE', '/api/v1/session', { cookie: mine })).status).toBe(204);
    await endsWithin(a.ended, 5000);
    await stillLive(other, b, 'After sign-out');
    b.close();
  });

  it('when its user is removed', async () => {
    const generated = await server.paddock.accounts.addUser('vic', 'viewer', 'vic-password-long-enough');
    expect(generated).toBeDefined();
    const vic = await signInTo(server.url, 'vic', 'vic-password-long-enough');
    const admin = await signInTo(server.url, 'admin', password);
    const a = await openSse(`${server.url}/api/v1/events`, { Cookie: vic });
    const b = await openSse(`${server.url}/api/v1/events`, { Cookie: admin });
    expect(a.res.status).toBe(200);
    await server.paddock.accounts.removeUser('vic');
    await endsWithin(a.ended, 5000);
    await stillLive(admin, b, 'After removal');
    b.close();
  });

  it('at the idle timeout: holding a stream open is not activity', async () => {
    const idle = await signInTo(server.url, 'admin', password);
    const a = await openSse(`${server.url}/api/v1/events`, { Cookie: idle });
    expect(a.res.status).toBe(200);
    clock.advance(31 * 60);
    await endsWithin(a.ended, 5000);
    // and the session it held is no longer accepted
    expect((await call(server.url, 'GET', '/api/v1/runner-groups', { cookie: idle })).status).toBe(401);
  });

  it('at the absolute timeout, however active the session is', async () => {
    const busy = await signInTo(server.url, 'admin', password);
    const a = await openSse(`${server.url}/api/v1/events`, { Cookie: busy });
    expect(a.res.status).toBe(200);
    // Active every 20 minutes (inside the idle timeout) for 12 h.
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      clock.advance(20 * 60);
      expect((await call(server.url, 'GET', '/api/v1/session', { cookie: busy })).status).toBe(200);
    }
    clock.advance(20 * 60);
    await endsWithin(a.ended, 5000);
  });
});
