import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, Instance, RunnerGroup } from '../contract';
import { eventsAfter } from './store/events';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerBody, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// One instance, Stop, Forget and Forget all ended (interface note "Instances"; PRODUCT.md §3 round 2).
describe.each(backends)('instance endpoints on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const base = (groupId: string) => `/api/v1/runner-groups/${groupId}/instances`;
  const instances = async (id: string): Promise<Instance[]> => (await h.call('GET', base(id))).json();
  const group = async (id: string): Promise<RunnerGroup> => (await h.call('GET', `/api/v1/runner-groups/${id}`)).json();
  const audit = async (id: string): Promise<AuditEvent[]> =>
    ((await (await h.call('GET', `/api/v1/audit-events?groupId=${id}`)).json()) as { items: AuditEvent[] }).items;
  const userAudit = async (id: string) => (await audit(id)).filter((e) => e.actor !== 'system');
  /** Everything a refused request must leave as it was. */
  const snapshot = async (id: string) => ({ instances: await instances(id), audit: await audit(id), events: (await eventsAfter(t.db, '0')).length });
  async function expectProblem(res: Response, status: number, detail?: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await res.json();
    expect(body).toMatchObject({ status });
    if (detail) expect(body.detail).toMatch(detail);
    return body;
  }
  /** A group with a connected, a disconnected and an ended instance. */
  async function fleet() {
    const { id, key } = await createGroup(h);
    const connected = await register(h, key, { name: 'connected' });
    const silent = await register(h, key, { name: 'silent' });
    const ended = await register(h, key, { name: 'ended' });
    await runnerEvent(h, ended.instanceToken, { type: 'terminated', exitCode: 139, reason: 'Error' });
    h.clock.advance(h.config.offlineAfterSeconds + 1);
    await heartbeat(h, connected.instanceToken);
    await h.paddock.tick();
    const byName = Object.fromEntries((await instances(id)).map((i) => [i.name, i.status]));
    expect(byName).toEqual({ connected: 'connected', silent: 'disconnected', ended: 'terminated' });
    return { id, key, connected, silent, ended };
  }

  describe('GET one instance', () => {
    it('answers the instance as the list has it', async () => {
      const { id, connected, ended } = await fleet();
      const list = await instances(id);
      for (const r of [connected, ended]) {
        const res = await h.call('GET', `${base(id)}/${r.instanceId}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(list.find((i) => i.id === r.instanceId));
      }
      expect(list.find((i) => i.id === connected.instanceId)!.stopRequestedAt).toBeNull();
    });

    it('404s (problem+json) an unknown id, a malformed one, another group\'s instance and any of a deleted group', async () => {
      const { id, connected } = await fleet();
      const other = await createGroup(h, 'Other');
      const stranger = await register(h, other.key, { name: 'stranger' });
      for (const path of [
        `${base(id)}/00000000-0000-4000-8000-000000000000`,
        `${base(id)}/not-a-uuid`,
        `${base(id)}/%00`,
        `${base(id)}/${stranger.instanceId}`,
        `${base('not-a-group')}/${connected.instanceId}`,
      ]) {
        await expectProblem(await h.call('GET', path), 404);
      }
      expect((await h.call('DELETE', `/api/v1/runner-groups/${id}`)).status).toBe(204);
      await expectProblem(await h.call('GET', `${base(id)}/${connected.instanceId}`), 404, /runner group/);
    });
  });

  describe('Stop', () => {
    it('202s with stopRequestedAt; the next heartbeat reply carries stop; the goodbye ends it as a clean exit', async () => {
      const { id, connected } = await fleet();
      const before = (await eventsAfter(t.db, '0')).length;
      const res = await h.call('POST', `${base(id)}/${connected.instanceId}/stop`);
      expect(res.status).toBe(202);
      const stopped = (await res.json()) as Instance;
      expect(stopped).toMatchObject({ id: connected.instanceId, status: 'connected', stopRequestedAt: h.clock.now().toISOString() });
      expect((await eventsAfter(t.db, '0')).slice(before).map((e) => [e.kind, e.entityId])).toEqual(
        expect.arrayContaining([['instance', connected.instanceId]]),
      );
      const [entry] = await userAudit(id);
      expect(entry).toMatchObject({ actor: 'admin', action: 'instance.stop_requested', detail: { instanceId: connected.instanceId, instanceName: 'connected' } });

      // The heartbeat path had this instance cached: it must see the stop at once.
      const reply = await heartbeat(h, connected.instanceToken);
      expect(await reply.json()).toMatchObject({ commands: [{ type: 'stop' }] });
      // Asking again changes nothing: same time, one audit entry (also when asked twice at once, at the same moment).
      const both = await Promise.all([1, 2].map(() => h.call('POST', `${base(id)}/${connected.instanceId}/stop`)));
      expect(both.map((r) => r.status)).toEqual([202, 202]);
      h.clock.advance(5);
      const again = await h.call('POST', `${base(id)}/${connected.instanceId}/stop`, { body: {} });
      expect(again.status).toBe(202);
      expect((await again.json()).stopRequestedAt).toBe(stopped.stopRequestedAt);
      expect((await userAudit(id)).filter((e) => e.action === 'instance.stop_requested')).toHaveLength(1);

      // The runner says goodbye (no signal: nobody sent it one) and exits 0.
      expect((await runnerEvent(h, connected.instanceToken, { type: 'goodbye' })).status).toBe(202);
      const gone = (await instances(id)).find((i) => i.id === connected.instanceId)!;
      expect(gone).toMatchObject({ status: 'terminated', stopRequestedAt: stopped.stopRequestedAt });
      expect(gone.termination).toEqual({ exitCode: 0, signal: null, reason: 'Stopped', at: h.clock.now().toISOString(), cause: 'completed' });
      expect(await group(id)).toMatchObject({ connectedCount: 0, health: 'down', recentEnds: { completed: 1, crash: 1 } });
      expect((await audit(id))[0]).toMatchObject({ actor: 'system', action: 'instance.ended', detail: { cause: 'completed', reason: 'Stopped', exitCode: 0 } });
      // No stop for an ended instance, and none asked of it any more.
      await expectProblem(await h.call('POST', `${base(id)}/${connected.instanceId}/stop`), 409, /only a connected instance can be stopped/);
      expect((await (await heartbeat(h, connected.instanceToken)).json()).commands).toEqual([]);
    });

    it('stop outranks an update command in the heartbeat reply', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      expect((await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: {} })).status).toBe(202);
      expect((await (await heartbeat(h, r.instanceToken)).json()).commands[0].type).toBe('update');
      await h.call('POST', `${base(id)}/${r.instanceId}/stop`);
      expect((await (await heartbeat(h, r.instanceToken)).json()).commands).toEqual([{ type: 'stop' }]);
    });

    it('409s a disconnected or ended instance, 404s an unknown one, 400s a body with fields; nothing changes', async () => {
      const { id, silent, ended } = await fleet();
      const before = await snapshot(id);
      await expectProblem(await h.call('POST', `${base(id)}/${silent.instanceId}/stop`), 409, /^silent is disconnected/);
      await expectProblem(await h.call('POST', `${base(id)}/${ended.instanceId}/stop`), 409, /^ended is terminated/);
      await expectProblem(await h.call('POST', `${base(id)}/00000000-0000-4000-8000-000000000000/stop`), 404);
      await expectProblem(await h.call('POST', `${base(id)}/x/stop`), 404);
      const bad = await expectProblem(await h.call('POST', `${base(id)}/${silent.instanceId}/stop`, { body: { force: true } }), 400);
      expect(bad.errors).toEqual([{ field: 'force', message: expect.any(String) }]);
      await expectProblem(await h.call('POST', `${base(id)}/${silent.instanceId}/stop`, { raw: '{', headers: { 'Content-Type': 'application/json' } }), 400);
      expect(await snapshot(id)).toEqual(before);
    });
  });

  describe('Forget', () => {
    it('204s for a disconnected or ended instance: gone from every answer, audited, published; its runner gets 410', async () => {
      const { id, key, silent, ended, connected } = await fleet();
      for (const r of [silent, ended]) {
        const before = (await eventsAfter(t.db, '0')).length;
        const res = await h.call('DELETE', `${base(id)}/${r.instanceId}`);
        expect(res.status).toBe(204);
        await expectProblem(await h.call('GET', `${base(id)}/${r.instanceId}`), 404, /forgotten/);
        const published = (await eventsAfter(t.db, '0')).slice(before).map((e) => [e.kind, e.op, e.entityId]);
        expect(published).toEqual(expect.arrayContaining([['instance', 'delete', r.instanceId], ['group', 'upsert', id]]));
      }
      expect((await instances(id)).map((i) => i.name)).toEqual(['connected']);
      expect((await userAudit(id)).slice(0, 2).reverse()).toEqual([
        expect.objectContaining({ action: 'instance.forgotten', actor: 'admin', detail: { instanceId: silent.instanceId, instanceName: 'silent', status: 'disconnected' } }),
        expect.objectContaining({ action: 'instance.forgotten', actor: 'admin', detail: { instanceId: ended.instanceId, instanceName: 'ended', status: 'terminated' } }),
      ]);
      // The disconnected runner comes back: told to stop (410), on every runner call.
      for (const res of [
        await heartbeat(h, silent.instanceToken),
        await runnerEvent(h, silent.instanceToken, { type: 'goodbye' }),
        await h.call('POST', '/api/v1/runner/register', { bearer: silent.instanceToken, body: runnerBody({ replaces: silent.instanceId }) }),
      ]) {
        await expectProblem(res, 410, /^instance forgotten in the console/);
      }
      expect((await instances(id)).map((i) => i.name)).toEqual(['connected']);
      // Forgetting twice: 404. Other tokens and the key still work.
      await expectProblem(await h.call('DELETE', `${base(id)}/${silent.instanceId}`), 404);
      expect((await heartbeat(h, connected.instanceToken)).status).toBe(200);
      await register(h, key, { name: 'new' });
      expect(await group(id)).toMatchObject({ connectedCount: 2, instanceCount: 2, health: 'healthy' });
    });

    it('410s a forgotten runner whose token the heartbeat path had cached', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      expect((await heartbeat(h, r.instanceToken)).status).toBe(200); // cached now
      h.clock.advance(h.config.offlineAfterSeconds + 1);
      await h.paddock.tick();
      expect((await h.call('DELETE', `${base(id)}/${r.instanceId}`)).status).toBe(204);
      await expectProblem(await heartbeat(h, r.instanceToken), 410);
    });

    it('409s while connected, 404s unknown ids; nothing changes', async () => {
      const { id, connected } = await fleet();
      const before = await snapshot(id);
      await expectProblem(await h.call('DELETE', `${base(id)}/${connected.instanceId}`), 409, /^connected is connected: stop it first/);
      await expectProblem(await h.call('DELETE', `${base(id)}/00000000-0000-4000-8000-000000000000`), 404);
      await expectProblem(await h.call('DELETE', `${base(id)}/%00`), 404);
      expect(await snapshot(id)).toEqual(before);
      expect((await heartbeat(h, connected.instanceToken)).status).toBe(200);
    });
  });

  describe('Forget all ended', () => {
    it('forgets every ended instance and only those: 200 {forgotten}, audited with the count', async () => {
      const { id, key, connected, silent } = await fleet();
      const more = await register(h, key, { name: 'oom' });
      await runnerEvent(h, more.instanceToken, { type: 'terminated', exitCode: 137, reason: 'OOMKilled' });
      const res = await h.call('DELETE', `${base(id)}?ended=true`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ forgotten: 2 });
      expect((await instances(id)).map((i) => i.id).sort()).toEqual([connected.instanceId, silent.instanceId].sort());
      expect((await userAudit(id))[0]).toMatchObject({ action: 'instance.forgotten_ended', actor: 'admin', detail: { count: 2 } });
      // recentEnds counts ended records that are kept; forgotten ones are gone.
      expect((await group(id)).recentEnds).toEqual({});
      await expectProblem(await heartbeat(h, more.instanceToken), 410);
      // Nothing left to forget: 0, and no entry.
      const entries = (await audit(id)).length;
      expect(await (await h.call('DELETE', `${base(id)}?ended=true`)).json()).toEqual({ forgotten: 0 });
      expect((await audit(id)).length).toBe(entries);
    });

    it('400s without ended=true (or with anything else in the query), 404s an unknown group; nothing changes', async () => {
      const { id } = await fleet();
      const before = await snapshot(id);
      for (const query of ['', '?ended=false', '?ended=1', '?ended=true&status=connected', '?all=true']) {
        const body = await expectProblem(await h.call('DELETE', `${base(id)}${query}`), 400);
        expect(body.errors.length, query).toBeGreaterThan(0);
      }
      await expectProblem(await h.call('DELETE', `${base('00000000-0000-4000-8000-000000000000')}?ended=true`), 404);
      expect(await snapshot(id)).toEqual(before);
    });
  });

  it('403s (problem+json) a viewer on Stop, Forget and Forget all ended, and lets them read one instance', async () => {
    const { id, connected, silent } = await fleet();
    await h.paddock.accounts.addUser('vic', 'viewer', 'viewer-password');
    const before = await snapshot(id);
    await h.signIn('vic', 'viewer-password');
    expect((await h.call('GET', `${base(id)}/${connected.instanceId}`)).status).toBe(200);
    await expectProblem(await h.call('POST', `${base(id)}/${connected.instanceId}/stop`), 403, /admin role/);
    await expectProblem(await h.call('DELETE', `${base(id)}/${silent.instanceId}`), 403);
    await expectProblem(await h.call('DELETE', `${base(id)}?ended=true`), 403);
    await h.signIn();
    expect(await snapshot(id)).toEqual(before);
  });

  it('403s a mutation without the CSRF header; 401s without a session', async () => {
    const { id, connected } = await fleet();
    await expectProblem(await h.call('POST', `${base(id)}/${connected.instanceId}/stop`, { csrf: false }), 403);
    await expectProblem(await h.call('DELETE', `${base(id)}?ended=true`, { cookie: null }), 401);
    await expectProblem(await h.call('GET', `${base(id)}/${connected.instanceId}`, { cookie: null }), 401);
    expect((await instances(id)).find((i) => i.id === connected.instanceId)!.stopRequestedAt).toBeNull();
  });
});
