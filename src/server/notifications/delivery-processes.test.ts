import { afterAll, describe, expect, it } from 'vitest';
import { api, type DeliveryAttempt } from '../../contract';
import { type ControlPlane, startControlPlane } from '../../testing/processes';
import { memoryLogger } from '../logger';
import { type RunningServer, startServer } from '../server';
import { type Backend, openTestDb, waitFor } from '../testing/db';
import { runnerBody } from '../testing/harness';
import { startReceiver } from '../testing/receivers';
import { call, signInTo } from '../testing/sse';

const password = 'notify-process-password';
const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('a control plane SIGKILLed between the change and its delivery, on %s', (backend) => {
  it('delivers the event exactly once after the restart', async () => {
    const pg = backend === 'postgres' ? await openTestDb('postgres') : null;
    const receiver = await startReceiver({ listen: false });
    const cp = await startControlPlane({ databaseUrl: pg?.url ?? '', adminPassword: password });
    try {
      const admin = await cp.signIn();
      const channel = (
        await admin.request('POST', api.notificationChannels, { name: 'Kill test', type: 'webhook', url: receiver.url, events: ['instance.ended'] })
      ).body as { id: string };
      const group = await admin.createGroup('Doomed');
      const reg = await (await call(cp.url, 'POST', api.runnerRegister, { bearer: group.registrationKey, body: runnerBody() })).json();
      // The change, acknowledged; the receiver is down, so nothing can have been delivered yet.
      const ended = await call(cp.url, 'POST', api.runnerEvents, {
        bearer: reg.instanceToken,
        body: { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' },
      });
      expect(ended.status).toBe(202);
      expect((await cp.kill('SIGKILL')).signal).toBe('SIGKILL');

      await receiver.start();
      await cp.start();
      const cookie = await signInTo(cp.url, 'admin', password);
      await waitFor(() => receiver.received.length >= 1, { timeoutMs: 30_000, what: 'the delivery after the restart' });
      const log = await waitFor(
        async () => {
          const attempts: DeliveryAttempt[] = await (await call(cp.url, 'GET', api.notificationDeliveries(channel.id), { cookie })).json();
          return attempts.some((a) => a.status === 'delivered') ? attempts : null;
        },
        { what: 'the delivered attempt in the log' },
      );
      expect(log.filter((a) => a.status === 'delivered')).toHaveLength(1);
      expect(log.every((a) => a.eventType === 'instance.ended')).toBe(true);
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'instance.ended', data: { instance: { id: reg.instanceId } } });
      expect((await cp.kill('SIGTERM')).code).toBe(0);
    } finally {
      await cp.dispose();
      await receiver.stop();
      await pg?.drop();
    }
  }, 240_000);
});

describe('two replicas on one PostgreSQL', () => {
  let a: RunningServer;
  let b: RunningServer;
  let drop: () => Promise<void>;
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('deliver each event to each channel exactly once, and alert group.down once', async () => {
    const t = await openTestDb('postgres');
    drop = t.drop;
    const common = {
      port: 0,
      databaseUrl: t.url!,
      adminPassword: password,
      distDir: '/nonexistent',
      heartbeatSeconds: 1,
      offlineAfterSeconds: 2,
      alertAfterSeconds: 1,
    };
    a = await startServer({ ...common, logger: memoryLogger() });
    b = await startServer({ ...common, logger: memoryLogger() });
    // A slow receiver widens the window in which both replicas could pick the same delivery.
    const receiver = await startReceiver();
    const slow = receiver.answer;
    receiver.answer = (n) => {
      const until = Date.now() + 30;
      while (Date.now() < until) {}
      return slow(n);
    };
    try {
      const cookieA = await signInTo(a.url, 'admin', password);
      const cookieB = await signInTo(b.url, 'admin', password);
      for (const name of ['one', 'two']) {
        const res = await call(a.url, 'POST', api.notificationChannels, {
          cookie: cookieA,
          body: { name, type: 'webhook', url: `${receiver.url}?channel=${name}`, events: ['instance.ended', 'group.down'] },
        });
        expect(res.status).toBe(201);
      }
      const ends = 12;
      const groups: string[] = [];
      for (let i = 0; i < ends; i++) {
        const [url, cookie] = i % 2 === 0 ? [a.url, cookieA] : [b.url, cookieB];
        const g = await (await call(url, 'POST', api.runnerGroups, { cookie, body: { name: `Group ${i}` } })).json();
        groups.push(g.id);
        const reg = await (await call(url, 'POST', api.runnerRegister, { bearer: g.registrationKey, body: runnerBody({ name: `r${i}` }) })).json();
        const other = i % 2 === 0 ? b.url : a.url;
        const ev = await call(other, 'POST', api.runnerEvents, { bearer: reg.instanceToken, body: { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' } });
        expect(ev.status).toBe(202);
      }
      // Each group's only runner ended: each group is down, alerted once after a second.
      const expected = ends * 2 * 2;
      await waitFor(() => receiver.received.length >= expected, { timeoutMs: 30_000, what: `${expected} deliveries` });
      await waitFor(
        async () => {
          const [row] = await t.db.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM notification_deliveries WHERE state <> 'delivered'`);
          return row!.pending === 0;
        },
        { what: 'every delivery settled' },
      );
      expect(receiver.received).toHaveLength(expected);
      // Every (channel, event) pair exactly once.
      const pairs = receiver.received.map((r) => `${r.path} ${String(r.headers['webhook-id'])} ${JSON.parse(r.body).type}`);
      expect(new Set(pairs).size).toBe(expected);
      expect(pairs.filter((p) => p.endsWith('group.down'))).toHaveLength(ends * 2);
      expect(pairs.filter((p) => p.endsWith('instance.ended'))).toHaveLength(ends * 2);
      const [attempts] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_attempts');
      expect(attempts!.n).toBe(expected);
    } finally {
      await receiver.stop();
    }
  }, 90_000);
});

describe('a replica SIGKILLed in the middle of a delivery, on PostgreSQL', () => {
  it('another replica sends it within 5 s, and never while the first was still sending', async () => {
    const pg = await openTestDb('postgres');
    // The first request hangs: the replica that sent it is still "sending" when it is killed.
    const receiver = await startReceiver({ answer: (n) => (n === 1 ? 'hang' : 200) });
    const replicas: ControlPlane[] = [];
    try {
      // One after the other: the first migrates and creates the admin, the second finds both done.
      for (let i = 0; i < 2; i++) replicas.push(await startControlPlane({ databaseUrl: pg.url!, adminPassword: password }));
      const [a, b] = replicas as [ControlPlane, ControlPlane];
      const admin = await a.signIn();
      const channel = (
        await admin.request('POST', api.notificationChannels, { name: 'Takeover', type: 'webhook', url: receiver.url, events: ['instance.ended'] })
      ).body as { id: string };
      const group = await admin.createGroup('Takeover');
      const reg = await (await call(a.url, 'POST', api.runnerRegister, { bearer: group.registrationKey, body: runnerBody() })).json();
      // B is paused (SIGSTOP) so that A claims the delivery and sends it into the hanging receiver.
      b.process.signalGroup('SIGSTOP');
      const ended = await call(a.url, 'POST', api.runnerEvents, { bearer: reg.instanceToken, body: { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' } });
      expect(ended.status).toBe(202);
      await waitFor(() => receiver.received.length === 1, { timeoutMs: 10_000, what: "A's send" });
      b.process.signalGroup('SIGCONT');
      const bResumed = Date.now();

      // B's dispatcher runs every second. A, alive and still sending, renews its claim (3 s
      // unrenewed): once A has renewed it 3 s after B resumed, B has tried for 3 s…
      const claimedUntil = async () =>
        (await pg.db.query<{ until: Date | null }>('SELECT claimed_until AS until FROM notification_deliveries WHERE channel_id = $1', [channel.id]))[0]?.until;
      await waitFor(
        async () => {
          const until = await claimedUntil();
          return until != null && new Date(until).getTime() >= bResumed + 6_000;
        },
        { timeoutMs: 15_000, what: "A's claim renewed while B runs" },
      );
      // …and did not send the event a second time.
      expect(receiver.received).toHaveLength(1);

      expect((await a.kill('SIGKILL')).signal).toBe('SIGKILL');
      const killedAt = Date.now();
      await waitFor(() => receiver.received.length === 2, { timeoutMs: 10_000, what: "B's send after A died" });
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      // The same event (Standard Webhooks id), recorded once as delivered.
      expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
      await waitFor(
        async () => {
          const [row] = await pg.db.query<{ state: string }>('SELECT state FROM notification_deliveries WHERE channel_id = $1', [channel.id]);
          return row?.state === 'delivered';
        },
        { what: 'the delivery settled' },
      );
      const attempts = await pg.db.query<{ status: string }>('SELECT status FROM notification_attempts WHERE channel_id = $1', [channel.id]);
      expect(attempts.map((r) => r.status)).toEqual(['delivered']);
    } finally {
      for (const r of replicas) r.process.signalGroup('SIGCONT');
      await Promise.allSettled(replicas.map((r) => r.dispose()));
      await receiver.stop();
      await pg.drop();
    }
  }, 120_000);
});
