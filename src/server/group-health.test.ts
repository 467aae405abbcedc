import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, Instance, RunnerGroup, Update } from '../contract';
import { eventsAfter } from './store/events';
import { tryLockLostMarking } from './store/locks';
import type { Backend } from './testing/db';
import { createGroup, createHarness, type Harness, heartbeat, register, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// Health, recent ends, the last update, lost marking and the runner lifecycle entries of the
// Activity log, through the API, with a fake clock (PRODUCT.md §2, §3 round 2; issue 15).
describe.each(backends)('group health and runner lifecycle on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const group = async (id: string): Promise<RunnerGroup> => (await h.call('GET', `/api/v1/runner-groups/${id}`)).json();
  const listed = async (id: string): Promise<RunnerGroup> =>
    ((await (await h.call('GET', '/api/v1/runner-groups')).json()) as RunnerGroup[]).find((g) => g.id === id)!;
  const instances = async (id: string): Promise<Instance[]> => (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json();
  const audit = async (id: string): Promise<AuditEvent[]> =>
    ((await (await h.call('GET', `/api/v1/audit-events?groupId=${id}&limit=200`)).json()) as { items: AuditEvent[] }).items;
  const health = async (id: string) => {
    const g = await group(id);
    // The list answers what the single group answers (one statement for all groups, or for one).
    expect(await listed(id)).toEqual(g);
    return { health: g.health, healthReasons: g.healthReasons, connectedCount: g.connectedCount, instanceCount: g.instanceCount };
  };
  /** Past the start-up grace, so that silent instances are swept. */
  const pastGrace = () => h.clock.advance(h.config.offlineAfterSeconds + 1);

  it('waiting, healthy, degraded by a disconnected instance, down, and healthy again when it comes back', async () => {
    const { id, key } = await createGroup(h);
    expect(await health(id)).toEqual({ health: 'waiting', healthReasons: [], connectedCount: 0, instanceCount: 0 });
    const a = await register(h, key, { name: 'a' });
    const b = await register(h, key, { name: 'b' });
    expect(await health(id)).toEqual({ health: 'healthy', healthReasons: [], connectedCount: 2, instanceCount: 2 });
    pastGrace();
    await heartbeat(h, a.instanceToken);
    await h.paddock.tick(); // b is silent past the offline window
    expect(await health(id)).toEqual({ health: 'degraded', healthReasons: ['1 disconnected'], connectedCount: 1, instanceCount: 2 });
    h.clock.advance(h.config.offlineAfterSeconds + 1);
    await h.paddock.tick();
    expect(await health(id)).toEqual({ health: 'down', healthReasons: ['2 disconnected'], connectedCount: 0, instanceCount: 2 });
    await heartbeat(h, a.instanceToken);
    await heartbeat(h, b.instanceToken);
    expect(await health(id)).toEqual({ health: 'healthy', healthReasons: [], connectedCount: 2, instanceCount: 2 });
  });

  it('issue 15: 3 of 4 runners gone within a minute (a crash, a SIGKILL, a completed one) is degraded, not green "1 of 1"', async () => {
    const { id, key } = await createGroup(h);
    const runners = await Promise.all(['a', 'b', 'c', 'd'].map((name) => register(h, key, { name })));
    await runnerEvent(h, runners[0]!.instanceToken, { type: 'terminated', exitCode: 139, reason: 'Error' });
    h.clock.advance(20);
    await runnerEvent(h, runners[1]!.instanceToken, { type: 'terminated', exitCode: 137, reason: 'Error' });
    h.clock.advance(20);
    await runnerEvent(h, runners[2]!.instanceToken, { type: 'terminated', exitCode: 0, reason: 'Completed' });
    const g = await group(id);
    expect(g).toMatchObject({
      health: 'degraded',
      healthReasons: ['1 Killed in the last hour', '1 Crash in the last hour'],
      connectedCount: 1,
      instanceCount: 1,
      recentEnds: { crash: 1, killed: 1, completed: 1 },
    });
  });

  it('counts an abnormal end for one hour and in recentEnds for 24 h; normal ends only in recentEnds', async () => {
    const { id, key } = await createGroup(h);
    const alive = await register(h, key, { name: 'alive' });
    const oom = await register(h, key, { name: 'oom' });
    const stopped = await register(h, key, { name: 'stopped' });
    await runnerEvent(h, oom.instanceToken, { type: 'terminated', exitCode: 137, reason: 'OOMKilled' });
    await runnerEvent(h, stopped.instanceToken, { type: 'goodbye', signal: 15 });
    expect(await group(id)).toMatchObject({
      health: 'degraded',
      healthReasons: ['1 OOMKilled in the last hour'],
      recentEnds: { oom_killed: 1, sigterm: 1 },
    });
    h.clock.advance(3599);
    await h.signIn(); // past the session's idle timeout
    await heartbeat(h, alive.instanceToken);
    expect((await group(id)).healthReasons).toEqual(['1 OOMKilled in the last hour']);
    h.clock.advance(1);
    await heartbeat(h, alive.instanceToken);
    expect(await group(id)).toMatchObject({ health: 'healthy', healthReasons: [], recentEnds: { oom_killed: 1, sigterm: 1 } });
    h.clock.advance(23 * 3600 - 1);
    await h.signIn(); // past the session's absolute lifetime
    expect((await group(id)).recentEnds).toEqual({ oom_killed: 1, sigterm: 1 });
    h.clock.advance(1);
    expect((await group(id)).recentEnds).toEqual({});
  });

  it('is degraded for 24 h by a rolled-back update, says so with its age, and keeps it as lastUpdate', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    expect((await group(id)).lastUpdate).toBeNull();
    const u = (await (await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: { targetVersion: '1.5.0' } })).json()) as Update;
    // In progress: not yet the last update.
    expect(await group(id)).toMatchObject({ health: 'healthy', lastUpdate: null, activeUpdate: { id: u.id } });
    await runnerEvent(h, r.instanceToken, { type: 'update-failed', updateId: u.id, reason: 'image pull failed' });
    const g = await group(id);
    expect(g).toMatchObject({ health: 'degraded', healthReasons: ['update to 1.5.0 rolled back just now'], activeUpdate: null });
    expect(g.lastUpdate).toEqual({
      ...u,
      state: 'rolled_back',
      finishedAt: h.clock.now().toISOString(),
      reason: 'runner-1 reported an update failure: image pull failed',
      instances: [],
    });
    h.clock.advance(2 * 3600 + 120);
    await h.signIn();
    await heartbeat(h, r.instanceToken);
    expect((await group(id)).healthReasons).toEqual(['update to 1.5.0 rolled back 2 h ago']);
    h.clock.advance(22 * 3600);
    await h.signIn();
    await heartbeat(h, r.instanceToken);
    expect(await group(id)).toMatchObject({ health: 'healthy', healthReasons: [], lastUpdate: { id: u.id, state: 'rolled_back' } });
  });

  it('shows a succeeded update as lastUpdate, newer than an earlier rollback', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    const first = (await (await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: { targetVersion: '1.5.0' } })).json()) as Update;
    await runnerEvent(h, r.instanceToken, { type: 'update-failed', updateId: first.id, reason: 'no' });
    h.clock.advance(60);
    const second = (await (await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: { targetVersion: '1.4.1' } })).json()) as Update;
    // While the second runs, the rollback is still the last finished update.
    expect((await group(id)).lastUpdate).toMatchObject({ id: first.id, state: 'rolled_back' });
    for (let i = 0; i < 3; i++) await heartbeat(h, r.instanceToken, { version: '1.4.1' });
    await h.paddock.tick();
    expect(await group(id)).toMatchObject({
      health: 'healthy',
      healthReasons: [],
      lastUpdate: { id: second.id, state: 'succeeded', targetVersion: '1.4.1', instances: [] },
    });
  });

  describe('lost (PADDOCK_LOST_AFTER_SECONDS)', () => {
    it('ends an instance disconnected for 3600 s with cause lost and no exit recorded, audited and published', async () => {
      const { id, key } = await createGroup(h);
      const alive = await register(h, key, { name: 'alive' });
      const silent = await register(h, key, { name: 'silent' });
      pastGrace();
      await heartbeat(h, alive.instanceToken);
      await h.paddock.tick();
      const disconnectedAt = (await instances(id)).find((i) => i.id === silent.instanceId)!.disconnectedAt!;
      const beat = async (seconds: number) => {
        h.clock.advance(seconds);
        await heartbeat(h, alive.instanceToken);
        await h.paddock.tick();
        await h.signIn(); // past the session's idle timeout
      };
      await beat(3599);
      expect((await instances(id)).find((i) => i.id === silent.instanceId)).toMatchObject({ status: 'disconnected', termination: null });
      const before = (await eventsAfter(t.db, '0')).length;
      await beat(1.5);
      const lost = (await instances(id)).find((i) => i.id === silent.instanceId)!;
      expect(lost.status).toBe('terminated');
      expect(lost.termination).toEqual({
        exitCode: null,
        signal: null,
        reason: null,
        at: h.clock.now().toISOString(),
        cause: 'lost',
        observedBy: 'server',
      });
      expect(Date.parse(lost.termination!.at) - Date.parse(disconnectedAt)).toBeGreaterThanOrEqual(3600_000);
      expect(await group(id)).toMatchObject({
        health: 'degraded',
        healthReasons: ['1 Lost in the last hour'],
        connectedCount: 1,
        instanceCount: 1,
        recentEnds: { lost: 1 },
      });
      const [entry] = await audit(id);
      expect(entry).toMatchObject({
        actor: 'system',
        action: 'instance.ended',
        groupId: id,
        detail: { instanceId: silent.instanceId, instanceName: 'silent', cause: 'lost', exitCode: null, signal: null, reason: null, observedBy: 'server' },
      });
      const published = (await eventsAfter(t.db, '0')).slice(before).map((e) => [e.kind, e.entityId]);
      expect(published).toEqual(expect.arrayContaining([['instance', silent.instanceId], ['group', id], ['audit', entry!.id]]));
      // It stays ended, once: another pass writes nothing more.
      await beat(5);
      expect((await audit(id)).filter((e) => e.action === 'instance.ended')).toHaveLength(1);
    });

    it('uses the configured window, and marks nothing lost within the start-up grace', async () => {
      h = await t.restart({ lostAfterSeconds: 60 });
      const { id, key } = await createGroup(h);
      const back = await register(h, key, { name: 'back' });
      const gone = await register(h, key, { name: 'gone' });
      // Both went silent two hours ago, while this control plane was down: it has just started.
      await t.db.query("UPDATE instances SET status = 'disconnected', last_heartbeat_at = $1, disconnected_at = $1", [
        new Date(h.clock.now().getTime() - 7200_000),
      ]);
      h.clock.advance(h.config.offlineAfterSeconds - 1);
      await h.paddock.tick();
      const statuses = async () => Object.fromEntries((await instances(id)).map((i) => [i.name, [i.status, i.termination?.cause ?? null]]));
      expect(await statuses()).toEqual({ back: ['disconnected', null], gone: ['disconnected', null] });
      // One comes back within the grace: it is not lost. The other is, once the grace is over.
      await heartbeat(h, back.instanceToken);
      h.clock.advance(1);
      await heartbeat(h, back.instanceToken);
      await h.paddock.tick();
      expect(await statuses()).toEqual({ back: ['connected', null], gone: ['terminated', 'lost'] });
      // A runner that comes back later stays ended (the record is final) and is not counted again.
      await heartbeat(h, gone.instanceToken);
      expect(await statuses()).toEqual({ back: ['connected', null], gone: ['terminated', 'lost'] });
      expect(await group(id)).toMatchObject({ connectedCount: 1, instanceCount: 1, health: 'degraded', healthReasons: ['1 Lost in the last hour'] });
      // 60 s of being disconnected is enough here (PADDOCK_LOST_AFTER_SECONDS=60).
      h.clock.advance(h.config.offlineAfterSeconds + 1);
      await h.paddock.tick();
      expect((await instances(id)).find((i) => i.name === 'back')!.status).toBe('disconnected');
      h.clock.advance(59);
      await h.paddock.tick();
      expect((await instances(id)).find((i) => i.name === 'back')!.status).toBe('disconnected');
      h.clock.advance(1.5);
      await h.paddock.tick();
      expect((await instances(id)).find((i) => i.name === 'back')!.termination?.cause).toBe('lost');
    });


    // PGlite runs one transaction at a time: only PostgreSQL can hold the duty in one while another passes.
    if (backend === 'postgres') {
      it('marks nothing lost while another replica holds the lost-marking duty, and everything once it is free', async () => {
        h = await t.restart({ lostAfterSeconds: 60 });
        const { id, key } = await createGroup(h);
        await register(h, key, { name: 'gone' });
        pastGrace();
        await h.paddock.tick();
        h.clock.advance(61);
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let taken!: (got: boolean) => void;
        const holding = new Promise<boolean>((resolve) => {
          taken = resolve;
        });
        // Another replica's pass, holding the duty's lock until told to let go.
        const other = t.db.transaction(async (tx) => {
          taken(await tryLockLostMarking(tx));
          await released;
        });
        try {
          expect(await holding).toBe(true);
          await h.paddock.tick();
          expect((await instances(id))[0]).toMatchObject({ status: 'disconnected', termination: null });
          expect((await audit(id)).filter((e) => e.action === 'instance.ended')).toEqual([]);
        } finally {
          release();
          await other;
        }
        await h.paddock.tick();
        expect((await instances(id))[0]).toMatchObject({ status: 'terminated', termination: { cause: 'lost', observedBy: 'server' } });
        expect((await audit(id)).filter((e) => e.action === 'instance.ended')).toHaveLength(1);
      });

      it('two replicas passing at once end each lost instance once, with one entry each', async () => {
        h = await t.restart({ lostAfterSeconds: 60 });
        const second = await createHarness(t.db, { lostAfterSeconds: 60 });
        try {
          const { id, key } = await createGroup(h);
          for (const name of ['a', 'b', 'c']) await register(h, key, { name });
          for (const c of [h.clock, second.clock]) c.advance(h.config.offlineAfterSeconds + 1);
          await h.paddock.tick();
          for (const c of [h.clock, second.clock]) c.advance(61);
          await Promise.all([h.paddock.tick(), second.paddock.tick(), h.paddock.tick(), second.paddock.tick()]);
          expect((await instances(id)).map((i) => i.termination?.cause)).toEqual(['lost', 'lost', 'lost']);
          const ended = (await audit(id)).filter((e) => e.action === 'instance.ended');
          expect(ended.map((e) => (e.detail as { instanceName: string }).instanceName).sort()).toEqual(['a', 'b', 'c']);
        } finally {
          await second.paddock.stop();
        }
      });
    }

    it('leaves the instances of a deleted group alone', async () => {
      h = await t.restart({ lostAfterSeconds: 60 });
      const { id, key } = await createGroup(h);
      await register(h, key);
      pastGrace();
      await h.paddock.tick();
      expect((await h.call('DELETE', `/api/v1/runner-groups/${id}`)).status).toBe(204);
      h.clock.advance(120);
      await h.paddock.tick();
      const [row] = await t.db.query<{ status: string }>('SELECT status FROM instances');
      expect(row!.status).toBe('disconnected');
    });

    it('ends a whole fleet lost at once in batches, each instance once, with one entry each', async () => {
      h = await t.restart({ lostAfterSeconds: 60 });
      const { id } = await createGroup(h);
      const at = h.clock.now();
      await t.db.query(
        `INSERT INTO instances (id, group_id, token_hash, name, platform, hostname, address, os, arch, version, status,
           started_at, last_heartbeat_at, disconnected_at)
         SELECT gen_random_uuid(), $1, 'tok-' || n, 'r-' || n, 'process', 'h', '', 'linux', 'x64', '1.3.0', 'disconnected', $2, $2, $2
         FROM generate_series(1, 1200) n`,
        [id, at],
      );
      await t.db.query('UPDATE runner_groups SET first_registered_at = $2 WHERE id = $1', [id, at]);
      h.clock.advance(h.config.offlineAfterSeconds + 61);
      await h.paddock.tick();
      const g = await group(id);
      expect(g).toMatchObject({ health: 'down', instanceCount: 0, recentEnds: { lost: 1200 }, healthReasons: ['1200 Lost in the last hour'] });
      const [{ n }] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'instance.ended'") as [{ n: number }];
      expect(n).toBe(1200);
    });
  });

  describe('lifecycle entries in the Activity log', () => {
    it('records registered and ended (with cause, exit code, signal, reason), replaced included, once each', async () => {
      const { id, key } = await createGroup(h);
      const a = await register(h, key, { name: 'a', version: '1.3.0' });
      h.clock.advance(1);
      const b = await register(h, key, { name: 'b' });
      h.clock.advance(1);
      await runnerEvent(h, b.instanceToken, { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' });
      await runnerEvent(h, b.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' }); // final: no second entry
      h.clock.advance(1);
      const res = await h.call('POST', '/api/v1/runner/register', {
        bearer: a.instanceToken,
        body: { name: 'a', platform: 'process', hostname: 'h', address: '', os: 'linux', arch: 'x64', version: '1.4.0', replaces: a.instanceId },
      });
      const a2 = (await res.json()) as { instanceId: string; instanceToken: string };
      h.clock.advance(1);
      await runnerEvent(h, a2.instanceToken, { type: 'goodbye', signal: 15 });
      const entries = (await audit(id)).filter((e) => e.action.startsWith('instance.')).reverse();
      const ended = (instanceId: string, instanceName: string, cause: string, exitCode: number | null, signal: number | null, reason: string | null) => ({
        actor: 'system',
        action: 'instance.ended',
        groupId: id,
        groupName: 'Prod EU',
        detail: { instanceId, instanceName, cause, exitCode, signal, reason },
      });
      expect(entries).toEqual([
        expect.objectContaining({ actor: 'system', action: 'instance.registered', groupId: id, detail: { instanceId: a.instanceId, instanceName: 'a', version: '1.3.0', platform: 'process' } }),
        expect.objectContaining({ action: 'instance.registered', detail: { instanceId: b.instanceId, instanceName: 'b', version: '1.3.0', platform: 'process' } }),
        expect.objectContaining(ended(b.instanceId, 'b', 'oom_killed', 137, null, 'OOMKilled')),
        expect.objectContaining({
          action: 'instance.registered',
          detail: { instanceId: a2.instanceId, instanceName: 'a', version: '1.4.0', platform: 'process', replacesInstanceId: a.instanceId },
        }),
        expect.objectContaining(ended(a.instanceId, 'a', 'replaced', 0, null, 'Replaced')),
        expect.objectContaining(ended(a2.instanceId, 'a', 'sigterm', null, 15, null)),
      ]);
      expect(entries.map((e) => e.at)).toEqual([0, 1, 2, 3, 3, 4].map((s) => new Date(Date.parse('2026-03-01T12:00:00.000Z') + s * 1000).toISOString()));
    });

    it('records an end the Kubernetes reconciler observed, with observedBy, once', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key, { name: 'pod-1', platform: 'kubernetes' });
      const report = { name: 'pod-1', exitCode: null, signal: null, reason: 'Evicted', observedAt: '2026-03-01T11:59:59.000Z' };
      expect((await h.call('POST', '/api/v1/runner/terminations', { bearer: key, body: report })).status).toBe(202);
      expect((await h.call('POST', '/api/v1/runner/terminations', { bearer: key, body: report })).status).toBe(200);
      const ended = (await audit(id)).filter((e) => e.action === 'instance.ended');
      expect(ended).toEqual([
        expect.objectContaining({
          actor: 'system',
          at: '2026-03-01T11:59:59.000Z',
          detail: { instanceId: r.instanceId, instanceName: 'pod-1', cause: 'evicted', exitCode: null, signal: null, reason: 'Evicted', observedBy: 'reconciler' },
        }),
      ]);
    });

    it('records update.succeeded and update.rolled_back with the target version, and the reason of a rollback', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key, { name: 'a' });
      const request = async (targetVersion: string) => (await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: { targetVersion } })).json() as Promise<Update>;
      // 1.4.0 succeeds in place: three heartbeats on the target.
      const first = await request('1.4.0');
      for (let i = 0; i < 3; i++) {
        h.clock.advance(5);
        await heartbeat(h, r.instanceToken, { version: '1.4.0' });
      }
      await h.paddock.tick();
      // 1.5.0 fails on the runner.
      const second = await request('1.5.0');
      await runnerEvent(h, r.instanceToken, { type: 'update-started', updateId: second.id });
      await runnerEvent(h, r.instanceToken, { type: 'update-failed', updateId: second.id, reason: 'image pull failed' });
      // 1.6.0 runs out of time.
      h.clock.advance(1);
      const third = await request('1.6.0');
      h.clock.advance(h.config.updateDeadlineSeconds);
      await heartbeat(h, r.instanceToken, { version: '1.4.0' });
      await h.paddock.tick();
      const entries = (await audit(id)).filter((e) => e.action === 'update.succeeded' || e.action === 'update.rolled_back').reverse();
      expect(entries.map((e) => ({ actor: e.actor, action: e.action, detail: e.detail }))).toEqual([
        { actor: 'system', action: 'update.succeeded', detail: { updateId: first.id, targetVersion: '1.4.0' } },
        {
          actor: 'system',
          action: 'update.rolled_back',
          detail: { updateId: second.id, targetVersion: '1.5.0', reason: 'a reported an update failure: image pull failed' },
        },
        { actor: 'system', action: 'update.rolled_back', detail: { updateId: third.id, targetVersion: '1.6.0', reason: expect.stringMatching(/^Deadline passed/) } },
      ]);
    });

    it('writes nothing when the change fails: an entry and its change commit together', async () => {
      const { id, key } = await createGroup(h);
      const before = (await audit(id)).length;
      const res = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: { name: '' } });
      expect(res.status).toBe(400);
      expect((await audit(id)).length).toBe(before);
    });
  });
});
