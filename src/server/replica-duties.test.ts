import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RegisterResponse } from '../contract';
import { type ControlPlane, type NodeProcess, spawnNode, startControlPlane, childEnv, waitFor } from '../testing/processes';
import type { Db } from './store/db';
import { openTestDb } from './testing/db';
import { runnerBody } from './testing/harness';

// PRODUCT.md §14: three control-plane processes on one PostgreSQL. Every periodic duty runs on one
// replica at a time under its advisory lock (store/locks.ts), and when the replica doing it dies,
// another does it within 5 s. The disconnect sweep is the duty watched here (its effect is visible in
// the database and in each replica's log); lost marking and update outcomes go through the same runDuty.
const offlineAfterSeconds = 2;
const takeoverMs = 5_000;
/** Long enough that the tests above see their instances disconnected before they end as lost. */
const lostAfterSeconds = 6;

describe('duties once across three replicas on one PostgreSQL', () => {
  let db: Db;
  let url: string;
  let drop: () => Promise<void>;
  const replicas: ControlPlane[] = [];
  let key: string;
  let groupId: string;
  const holders: NodeProcess[] = [];

  beforeAll(async () => {
    const t = await openTestDb('postgres');
    ({ db, drop } = t);
    url = t.url!;
    const env = {
      PADDOCK_HEARTBEAT_SECONDS: '1',
      PADDOCK_OFFLINE_AFTER_SECONDS: String(offlineAfterSeconds),
      PADDOCK_UPDATE_DEADLINE_SECONDS: '2',
      PADDOCK_LOST_AFTER_SECONDS: String(lostAfterSeconds),
    };
    // One after the other: the first migrates and creates the admin, the rest find them done.
    for (let i = 0; i < 3; i++) replicas.push(await startControlPlane({ databaseUrl: url, env, outputLimit: 400_000 }));
    const admin = await replicas[0]!.signIn();
    const group = await admin.createGroup('Duties');
    key = group.registrationKey;
    groupId = group.id;
  }, 240_000);

  afterAll(async () => {
    for (const h of holders) h.killGroup();
    await Promise.all(replicas.map((r) => r.dispose()));
    await drop?.();
  });

  const alive = () => replicas.filter((r) => r.process.exit === null);

  async function register(via: ControlPlane, name: string): Promise<RegisterResponse> {
    const res = await fetch(`${via.url}${api.runnerRegister}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(runnerBody({ name, hostname: name })),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as RegisterResponse;
  }

  async function heartbeat(via: ControlPlane, token: string): Promise<void> {
    const res = await fetch(`${via.url}${api.runnerHeartbeat}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ version: '1.3.0' }),
    });
    expect(res.status).toBe(200);
  }

  const status = async (id: string) => (await db.query<{ status: string }>('SELECT status FROM instances WHERE id = $1', [id]))[0]?.status;

  /** Instances this replica's log says it marked disconnected, so far. */
  function sweptBy(r: ControlPlane): number {
    let n = 0;
    for (const line of r.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as { msg?: string; count?: number };
        if (rec.msg === 'instances disconnected') n += rec.count ?? 0;
      } catch {
        // a line cut by the output limit
      }
    }
    return n;
  }

  async function sweepPasses(r: ControlPlane, outcome: 'ran' | 'skipped'): Promise<number> {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    const m = new RegExp(`^paddock_duty_passes_total\\{duty="sweep",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
    if (!m) throw new Error(`no sweep ${outcome} counter in /metrics:\n${text}`);
    return Number(m[1]);
  }

  it('marks a silent runner disconnected once, and after the replica that did it is SIGKILLed another does it within 5 s', async () => {
    const [a, b, c] = replicas as [ControlPlane, ControlPlane, ControlPlane];
    const before = replicas.map(sweptBy);
    const x = await register(a, 'silent-x');
    await heartbeat(b, x.instanceToken);
    await waitFor(async () => (await status(x.instanceId)) === 'disconnected', 'silent-x marked disconnected', 15_000);
    await waitFor(() => replicas.reduce((n, r, i) => n + sweptBy(r) - before[i]!, 0) >= 1, 'the sweep in a replica log', 5_000);
    const did = replicas.map((r, i) => sweptBy(r) - before[i]!);
    // One replica marked it, once: the others found nothing left to mark.
    expect(did.filter((n) => n > 0)).toEqual([1]);
    const doer = replicas[did.findIndex((n) => n > 0)]!;
    expect([a, b, c]).toContain(doer);

    expect((await doer.kill('SIGKILL')).signal).toBe('SIGKILL');
    const survivors = alive();
    expect(survivors).toHaveLength(2);
    const after = survivors.map(sweptBy);
    const y = await register(survivors[0]!, 'silent-y');
    await heartbeat(survivors[1]!, y.instanceToken);
    const lastHeard = Date.now();
    // Normally marked one offline window plus a pass (1 s) after the last heartbeat; 5 s is the takeover's allowance.
    await waitFor(async () => (await status(y.instanceId)) === 'disconnected', 'silent-y marked disconnected by a survivor', offlineAfterSeconds * 1000 + takeoverMs);
    expect(Date.now() - lastHeard).toBeLessThan(offlineAfterSeconds * 1000 + takeoverMs);
    await waitFor(() => survivors.some((r, i) => sweptBy(r) > after[i]!), "the survivor's sweep in its log", 5_000);
    expect(survivors.map((r, i) => sweptBy(r) - after[i]!).sort()).toEqual([0, 1]);
  }, 90_000);

  it('skips the sweep on every replica while a process holds its lock, and another replica sweeps within 5 s after that process is SIGKILLed', async () => {
    const live = alive();
    expect(live.length).toBeGreaterThanOrEqual(2);
    const holder = spawnNode('src/server/testing/hold-duty-lock.ts', ['sweep'], { env: childEnv({ DATABASE_URL: url }) });
    holders.push(holder);
    await holder.waitForOutput(/held sweep/, 30_000);

    const z = await register(live[0]!, 'silent-z');
    await heartbeat(live[1]!, z.instanceToken);
    const overdueAt = Date.now() + (offlineAfterSeconds + 1) * 1000;
    // Past z's offline window, every live replica has tried the sweep at least twice more and skipped it.
    await waitFor(() => Date.now() > overdueAt, "silent-z's offline window to pass", 10_000);
    const skipped = await Promise.all(live.map((r) => sweepPasses(r, 'skipped')));
    await waitFor(
      async () => (await Promise.all(live.map((r) => sweepPasses(r, 'skipped')))).every((n, i) => n >= skipped[i]! + 2),
      'every replica to skip two sweeps while the lock is held',
      15_000,
    );
    expect(await status(z.instanceId)).toBe('connected');

    const after = live.map(sweptBy);
    holder.killGroup();
    const killedAt = Date.now();
    await waitFor(async () => (await status(z.instanceId)) === 'disconnected', 'silent-z marked disconnected after the holder died', takeoverMs);
    expect(Date.now() - killedAt).toBeLessThan(takeoverMs);
    await waitFor(() => live.some((r, i) => sweptBy(r) > after[i]!), 'the sweep in a replica log', 5_000);
    expect(live.map((r, i) => sweptBy(r) - after[i]!).filter((n) => n > 0)).toEqual([1]);
  }, 90_000);

  it('ends an update at its deadline once, whichever replicas are left', async () => {
    const live = alive();
    const admin = await live[0]!.signIn();
    const w = await register(live[0]!, 'never-updates');
    await heartbeat(live[1]!, w.instanceToken);
    const update = await admin.requestUpdate(groupId, '9.9.9');
    await waitFor(async () => (await admin.updates(groupId)).find((u) => u.id === update.id)?.state === 'rolled_back', 'the update rolled back at its deadline', 15_000);
    const ends = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action IN ('update.rolled_back', 'update.succeeded') AND detail->>'updateId' = $1`,
      [update.id],
    );
    expect(ends[0]!.n).toBe(1);
  }, 60_000);

  it('ends every silent instance as lost once across the replicas left, each with one instance.ended entry', async () => {
    const ids = (await db.query<{ id: string }>('SELECT id::text AS id FROM instances WHERE group_id = $1', [groupId])).map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    await waitFor(
      async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM instances WHERE group_id = $1 AND term_cause = 'lost'`, [groupId]))[0]!.n === ids.length,
      'every instance of the group ended as lost',
      (offlineAfterSeconds + lostAfterSeconds + 10) * 1000,
    );
    const ends = await db.query<{ id: string; n: number }>(
      `SELECT detail->>'instanceId' AS id, count(*)::int AS n FROM audit_events WHERE action = 'instance.ended' AND detail->>'cause' = 'lost' GROUP BY 1`,
    );
    expect(new Map(ends.map((e) => [e.id, e.n]))).toEqual(new Map(ids.map((id) => [id, 1])));
  }, 60_000);
});
