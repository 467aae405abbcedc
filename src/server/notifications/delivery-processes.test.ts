import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, type DeliveryAttempt } from '../../contract';
import { memoryLogger } from '../logger';
import { type RunningServer, startServer } from '../server';
import { type Backend, openTestDb, waitFor } from '../testing/db';
import { runnerBody } from '../testing/harness';
import { startReceiver } from '../testing/receivers';
import { call, signInTo } from '../testing/sse';

const password = 'notify-process-password';
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** `node --import tsx src/server/main.ts` on a data dir (or PostgreSQL), answering its URL once it listens. */
async function startProcess(port: number, dataDir: string, databaseUrl: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_ADMIN_PASSWORD: password,
      DATABASE_URL: databaseUrl,
      PADDOCK_PUBLIC_URL: '',
    },
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
  const url = await waitFor(() => /Paddock listening on (http:\/\/\S+)/.exec(out)?.[1], { timeoutMs: 90_000, what: 'the server to listen' });
  return { child, url, output: () => out };
}

async function freePort(): Promise<number> {
  const r = await startReceiver({ listen: false });
  return r.port;
}

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('a control plane SIGKILLed between the change and its delivery, on %s', (backend) => {
  it('delivers the event exactly once after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'paddock-notify-kill-'));
    const pg = backend === 'postgres' ? await openTestDb('postgres') : null;
    const receiver = await startReceiver({ listen: false });
    try {
      const port = await freePort();
      const first = await startProcess(port, dataDir, pg?.url ?? '');
      const cookie = await signInTo(first.url, 'admin', password);
      const channel = await (
        await call(first.url, 'POST', api.notificationChannels, { cookie, body: { name: 'Kill test', type: 'webhook', url: receiver.url, events: ['instance.ended'] } })
      ).json();
      const group = await (await call(first.url, 'POST', api.runnerGroups, { cookie, body: { name: 'Doomed' } })).json();
      const reg = await (await call(first.url, 'POST', api.runnerRegister, { bearer: group.registrationKey, body: runnerBody() })).json();
      // The change, acknowledged; the receiver is down, so nothing can have been delivered yet.
      const ended = await call(first.url, 'POST', api.runnerEvents, {
        bearer: reg.instanceToken,
        body: { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' },
      });
      expect(ended.status).toBe(202);
      first.child.kill('SIGKILL');
      await waitFor(() => first.child.signalCode === 'SIGKILL', { what: 'the server to die' });

      await receiver.start();
      const second = await startProcess(port, dataDir, pg?.url ?? '');
      const cookie2 = await signInTo(second.url, 'admin', password);
      await waitFor(() => receiver.received.length >= 1, { timeoutMs: 30_000, what: 'the delivery after the restart' });
      const log = await waitFor(
        async () => {
          const attempts: DeliveryAttempt[] = await (await call(second.url, 'GET', api.notificationDeliveries(channel.id), { cookie: cookie2 })).json();
          return attempts.some((a) => a.status === 'delivered') ? attempts : null;
        },
        { what: 'the delivered attempt in the log' },
      );
      expect(log.filter((a) => a.status === 'delivered')).toHaveLength(1);
      expect(log.every((a) => a.eventType === 'instance.ended')).toBe(true);
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'instance.ended', data: { instance: { id: reg.instanceId } } });
      second.child.kill('SIGTERM');
      await waitFor(() => second.child.exitCode !== null, { timeoutMs: 15_000, what: 'a clean shutdown' });
    } finally {
      await receiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
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
