import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { waitFor } from './testing/db';
import { runnerBody } from './testing/harness';
import { type PostgresCluster, startPostgresCluster } from './testing/postgres-cluster';
import { call, openSse, signInTo } from './testing/sse';

// PRODUCT.md §8 round 2, on a real PostgreSQL that is stopped and started again under two replicas:
// while it is away, requests get 503 problem+json with Retry-After (readyz too), never 500; the LISTEN
// connection comes back by itself; consoles are told to refetch (`resync`); live events and the 410s
// that cached state depends on work again within 5 s.
describe('two replicas across a PostgreSQL restart', () => {
  let cluster: PostgresCluster;
  let a: RunningServer;
  let b: RunningServer;
  let cookieA: string;
  let cookieB: string;
  const password = 'restart-password';
  const logA = memoryLogger();

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const common = { port: 0, databaseUrl: cluster.url, adminPassword: password, distDir: '/nonexistent' };
    a = await startServer({ ...common, logger: logA });
    b = await startServer({ ...common, logger: memoryLogger() });
    cookieA = await signInTo(a.url, 'admin', password);
    cookieB = await signInTo(b.url, 'admin', password);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    cluster?.destroy();
  });

  it('answers 503 while the database is away, then resyncs, streams and refuses deleted groups again', async () => {
    const group = await (await call(a.url, 'POST', '/api/v1/runner-groups', { cookie: cookieA, body: { name: 'Survivor' } })).json();
    const reg = await (await call(b.url, 'POST', '/api/v1/runner/register', { bearer: group.registrationKey, body: runnerBody() })).json();
    // B caches the runner's instance on its first heartbeat.
    expect((await call(b.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status).toBe(200);
    const sse = await openSse(`${b.url}/api/v1/events`, { Cookie: cookieB });
    expect(sse.res.status).toBe(200);

    // A heartbeat A holds in its batch when the database goes (cluster.stop blocks this process, A's too):
    // its flush fails every second of the outage.
    expect((await call(a.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status).toBe(200);
    expect(a.paddock.batcher.size).toBe(1);

    cluster.stop();
    await waitFor(() => !b.paddock.hub.live && !a.paddock.hub.live, { timeoutMs: 15_000, what: 'both replicas to notice the LISTEN connection is gone' });
    for (const [server, cookie] of [
      [a, cookieA],
      [b, cookieB],
    ] as const) {
      const list = await call(server.url, 'GET', '/api/v1/runner-groups', { cookie });
      expect(list.status).toBe(503);
      expect(list.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(list.headers.get('retry-after'))).toBeGreaterThan(0);
      const hb = await call(server.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } });
      // B cached nothing it could answer from: a runner is told to come back, not that it is fine.
      expect(hb.status).toBe(503);
      expect(hb.headers.get('retry-after')).not.toBeNull();
      const ready = await fetch(`${server.url}/api/v1/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).not.toBeNull();
    }

    cluster.start();
    const back = Date.now();
    await waitFor(() => b.paddock.hub.live && a.paddock.hub.live, { timeoutMs: 5000, what: 'both replicas to LISTEN again' });
    // The console is told that events were lost.
    await sse.waitFor((m) => m.event === 'resync', 5000);
    expect(Date.now() - back).toBeLessThan(5000);

    // Live events flow again, from one replica to the other.
    const other = await (await call(a.url, 'POST', '/api/v1/runner-groups', { cookie: cookieA, body: { name: 'After restart' } })).json();
    await sse.waitFor((m) => m.event === 'group' && JSON.parse(m.data).groupId === other.id, 5000);

    // B caches the runner again; a delete through A reaches it (410) within 5 s.
    expect((await call(b.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status).toBe(200);
    expect((await call(a.url, 'DELETE', `/api/v1/runner-groups/${group.id}`, { cookie: cookieA })).status).toBe(204);
    await waitFor(
      async () => (await call(b.url, 'POST', '/api/v1/runner/heartbeat', { bearer: reg.instanceToken, body: { version: '1.3.0' } })).status === 410,
      { timeoutMs: 5000, what: "replica B's 410 for the deleted group" },
    );
    sse.close();

    // The outage is said once, and its end once: not a stack trace for every request and every second.
    const said = (msg: string, level: string) => logA.lines.filter((l) => JSON.parse(l).msg === msg && JSON.parse(l).level === level).length;
    expect(said('the database cannot be reached; requests answer 503 and periodic duties wait for it', 'warn')).toBe(1);
    // Said by the first duty pass that works again: within a second or so of the restart.
    await waitFor(() => said('the database can be reached again', 'info') === 1, { timeoutMs: 5000, what: 'A to say the database is back' });
    expect(said('the database cannot be reached; requests answer 503 and periodic duties wait for it', 'warn')).toBe(1);
    expect(logA.lines.filter((l) => JSON.parse(l).level === 'error')).toEqual([]);
  }, 120_000);
});
