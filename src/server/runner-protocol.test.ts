import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSecret } from './keys';
import type { Instance, RunnerGroup } from '../contract';
import { eventsAfter } from './store/events';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerBody, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('runner protocol on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  async function instances(groupId: string): Promise<Instance[]> {
    return (await h.call('GET', `/api/v1/runner-groups/${groupId}/instances`)).json();
  }
  async function group(groupId: string): Promise<RunnerGroup> {
    return (await h.call('GET', `/api/v1/runner-groups/${groupId}`)).json();
  }

  describe('register', () => {
    it('answers 201 with an instance id, token and heartbeat interval, and the group turns green', async () => {
      const { id, key } = await createGroup(h);
      expect((await group(id)).status).toBe('waiting');
      const res = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody() });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body).toMatchObject({ heartbeatSeconds: 5 });
      expect(body.instanceToken).toMatch(/^pit_/);
      const g = await group(id);
      expect(g).toMatchObject({ status: 'connected', connectedCount: 1, instanceCount: 1, versions: ['1.3.0'] });
      const [inst] = await instances(id);
      expect(inst).toMatchObject({ id: body.instanceId, name: 'runner-1', status: 'connected', termination: null });
    });

    it('refuses a wrong, malformed or rotated key with 401 "registration key revoked or unknown"', async () => {
      const { id, key } = await createGroup(h);
      const wrongChecksum = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      for (const bad of ['prk_nope', wrongChecksum, 'not-a-key']) {
        const res = await h.call('POST', '/api/v1/runner/register', { bearer: bad, body: runnerBody() });
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect((await res.json()).detail).toBe('registration key revoked or unknown');
      }
      const first = await register(h, key);
      const rotated = await h.call('POST', `/api/v1/runner-groups/${id}/registration-key`);
      expect(rotated.status).toBe(201);
      const newKey = (await rotated.json()).registrationKey;
      const res = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody() });
      expect(res.status).toBe(401);
      expect((await res.json()).detail).toBe('registration key revoked or unknown');
      // already registered instances keep working; the new key registers
      expect((await heartbeat(h, first.instanceToken)).status).toBe(200);
      await register(h, newKey, { name: 'runner-2' });
    });

    it('refuses a missing bearer with 401 and changes nothing', async () => {
      const { id } = await createGroup(h);
      const res = await h.call('POST', '/api/v1/runner/register', { body: runnerBody() });
      expect(res.status).toBe(401);
      expect(await instances(id)).toEqual([]);
    });

    it('refuses a missing bearer with 401 before reading the body, on every runner endpoint', async () => {
      for (const path of ['register', 'heartbeat', 'events', 'terminations']) {
        const res = await h.call('POST', `/api/v1/runner/${path}`, { raw: '{"not json' });
        expect(res.status, path).toBe(401);
        expect(res.headers.get('content-type'), path).toBe('application/problem+json');
      }
    });

    it('registers a replacement with a live instance token and replaces; the old one ends as replaced', async () => {
      const { id, key } = await createGroup(h);
      const old = await register(h, key);
      await h.call('POST', `/api/v1/runner-groups/${id}/registration-key`); // rotation must not block updates
      const res = await h.call('POST', '/api/v1/runner/register', {
        bearer: old.instanceToken,
        body: runnerBody({ name: 'runner-1b', version: '1.4.0', replaces: old.instanceId }),
      });
      expect(res.status).toBe(201);
      const replacement = await res.json();
      // a later clean exit of the old instance does not overwrite "replaced": its token is dead (410)
      expect((await runnerEvent(h, old.instanceToken, { type: 'terminated', exitCode: 0, signal: null, reason: 'Completed' })).status).toBe(410);
      const list = await instances(id);
      const oldView = list.find((i) => i.id === old.instanceId)!;
      expect(oldView.status).toBe('terminated');
      expect(oldView.termination).toMatchObject({ exitCode: 0, reason: 'Replaced', cause: 'replaced' });
      expect(list.find((i) => i.id === replacement.instanceId)).toMatchObject({ status: 'connected', version: '1.4.0' });
      expect(await group(id)).toMatchObject({ connectedCount: 1, instanceCount: 1, versions: ['1.4.0'] });
      // the replaced token cannot register anything more
      const again = await h.call('POST', '/api/v1/runner/register', {
        bearer: old.instanceToken,
        body: runnerBody({ name: 'runner-1c', version: '1.4.0', replaces: old.instanceId }),
      });
      expect(again.status).toBe(410);
      expect((await instances(id)).map((i) => i.name).sort()).toEqual(['runner-1', 'runner-1b']);
    });

    it('registers a replacement with the registration key and replaces; an instance of another group is not replaced', async () => {
      const { id, key } = await createGroup(h);
      const other = await createGroup(h, 'Other');
      const old = await register(h, key);
      const stranger = await register(h, other.key, { name: 'stranger' });
      const res = await h.call('POST', '/api/v1/runner/register', {
        bearer: key,
        body: runnerBody({ name: 'runner-1b', version: '1.4.0', replaces: old.instanceId }),
      });
      expect(res.status).toBe(201);
      const replacement = await res.json();
      const list = await instances(id);
      expect(list.find((i) => i.id === old.instanceId)).toMatchObject({
        status: 'terminated',
        termination: { exitCode: 0, reason: 'Replaced', cause: 'replaced' },
      });
      expect(list.find((i) => i.id === replacement.instanceId)).toMatchObject({ status: 'connected', version: '1.4.0' });
      // The key of one group cannot end another group's instance; the runner is simply registered.
      const res2 = await h.call('POST', '/api/v1/runner/register', {
        bearer: key,
        body: runnerBody({ name: 'runner-2', replaces: stranger.instanceId }),
      });
      expect(res2.status).toBe(201);
      expect((await instances(other.id)).map((i) => [i.name, i.status])).toEqual([['stranger', 'connected']]);
      expect((await instances(id)).filter((i) => i.status === 'connected').map((i) => i.name).sort()).toEqual(['runner-1b', 'runner-2']);
    });

    it('replaces with the key only a live instance, once: an ended one keeps its record, a replaced one its replacement', async () => {
      const { id, key } = await createGroup(h);
      const ended = await register(h, key, { name: 'ended' });
      expect((await runnerEvent(h, ended.instanceToken, { type: 'terminated', exitCode: 3, signal: null, reason: 'Error' })).status).toBe(202);
      const live = await register(h, key, { name: 'live' });
      const replaceWithKey = (name: string, replaces: string) =>
        h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody({ name, replaces }) });

      expect((await replaceWithKey('after-ended', ended.instanceId)).status).toBe(201);
      const first = await replaceWithKey('first', live.instanceId);
      expect(first.status).toBe(201);
      const second = await replaceWithKey('second', live.instanceId);
      expect(second.status).toBe(201);
      const list = await instances(id);
      const byName = (n: string) => list.find((i) => i.name === n)!;
      expect(byName('ended').termination).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(byName('ended').termination?.cause).not.toBe('replaced');
      const firstId = (await first.json()).instanceId;
      expect(byName('live').termination).toMatchObject({ reason: 'Replaced', cause: 'replaced' });
      const [row] = await t.db.query<{ replaced_by: string; term_at: Date }>('SELECT replaced_by::text AS replaced_by, term_at FROM instances WHERE id = $1', [
        live.instanceId,
      ]);
      expect(row!.replaced_by).toBe(firstId);
      expect(byName('second').status).toBe('connected');
      // one "replaced" record, one upsert of the replaced instance's update: no second end
      expect(list.filter((i) => i.termination?.cause === 'replaced')).toHaveLength(1);
    });

    it('of two registrations racing to replace one instance, only one ends it', async () => {
      const { id, key } = await createGroup(h);
      const live = await register(h, key, { name: 'live' });
      const answers = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          h.call('POST', '/api/v1/runner/register', { bearer: n % 2 ? key : live.instanceToken, body: runnerBody({ name: `r${n}`, replaces: live.instanceId }) }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 410)).toBe(true);
      const [row] = await t.db.query<{ replaced_by: string }>('SELECT replaced_by::text AS replaced_by FROM instances WHERE id = $1', [live.instanceId]);
      const created = await Promise.all(answers.filter((r) => r.status === 201).map(async (r) => (await r.json()).instanceId as string));
      expect(created).toContain(row!.replaced_by);
      // a token registration that lost the race registered nothing
      expect((await instances(id)).length).toBe(1 + created.length);
    });

    it('refuses an instance token without a matching replaces', async () => {
      const { key } = await createGroup(h);
      const old = await register(h, key);
      const res = await h.call('POST', '/api/v1/runner/register', { bearer: old.instanceToken, body: runnerBody() });
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].field).toBe('replaces');
    });
  });

  describe('tokens of ended instances', () => {
    it('410s heartbeats and events of an instance that reported its end, was replaced, or was recorded ended by the reconciler', async () => {
      const { key } = await createGroup(h);
      const reported = await register(h, key, { name: 'reported' });
      const replaced = await register(h, key, { name: 'replaced' });
      const observed = await register(h, key, { name: 'observed' });
      for (const r of [reported, replaced, observed]) expect((await heartbeat(h, r.instanceToken)).status).toBe(200); // cached now
      expect((await runnerEvent(h, reported.instanceToken, { type: 'terminated', exitCode: 0, signal: null, reason: 'Completed' })).status).toBe(202);
      await h.call('POST', '/api/v1/runner/register', { bearer: replaced.instanceToken, body: runnerBody({ name: 'replaced-2', replaces: replaced.instanceId }) });
      const rec = await h.call('POST', '/api/v1/runner/terminations', {
        bearer: key,
        body: { name: 'observed', exitCode: 137, signal: null, reason: 'OOMKilled', observedAt: h.clock.now().toISOString() },
      });
      expect(rec.status).toBe(202);
      for (const r of [reported, replaced, observed]) {
        const hb = await heartbeat(h, r.instanceToken);
        expect(hb.status).toBe(410);
        expect(hb.headers.get('content-type')).toBe('application/problem+json');
        expect((await runnerEvent(h, r.instanceToken, { type: 'goodbye' })).status).toBe(410);
        expect((await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' })).status).toBe(410);
      }
      const [row] = await t.db.query<{ term_reason: string }>("SELECT term_reason FROM instances WHERE name = 'observed'");
      expect(row!.term_reason).toBe('OOMKilled');
    });
  });

  describe('heartbeat and events', () => {
    it('401s an unknown token and 410s every call once the group is deleted', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      expect((await heartbeat(h, r.instanceToken)).status).toBe(200); // now it is cached
      expect((await heartbeat(h, 'pit_unknown')).status).toBe(401);
      expect((await h.call('DELETE', `/api/v1/runner-groups/${id}`)).status).toBe(204);
      const hb = await heartbeat(h, r.instanceToken);
      expect(hb.status).toBe(410);
      expect(hb.headers.get('content-type')).toBe('application/problem+json');
      expect((await runnerEvent(h, r.instanceToken, { type: 'goodbye' })).status).toBe(410);
      expect((await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody() })).status).toBe(410);
    });

    it("caches a token looked up while another instance changed: its next heartbeat reads no database", async () => {
      const { key } = await createGroup(h);
      const a = await register(h, key, { name: 'a' });
      const b = await register(h, key, { name: 'b' });
      for (const r of [a, b]) expect((await heartbeat(h, r.instanceToken)).status).toBe(200);
      // A fresh control plane on the same database: nothing cached, no first beats left.
      h = await t.restart({});
      const hashA = hashSecret(a.instanceToken);
      const query = t.db.query.bind(t.db);
      let lookupsOfA = 0;
      let raceDone = false;
      const spy = vi.spyOn(t.db, 'query').mockImplementation(async (sql: string, params?: unknown[]) => {
        const lookupOfA = sql.includes('i.token_hash = $1') && params?.[0] === hashA;
        if (lookupOfA) lookupsOfA++;
        const rows = await query(sql, params);
        if (lookupOfA && !raceDone) {
          raceDone = true;
          // While A's lookup is in flight, B changes (a new version is written through at once).
          expect((await heartbeat(h, b.instanceToken, { version: '1.4.0' })).status).toBe(200);
        }
        return rows;
      });
      try {
        expect((await heartbeat(h, a.instanceToken)).status).toBe(200);
        expect(raceDone).toBe(true);
        expect(lookupsOfA).toBe(1);
        expect((await heartbeat(h, a.instanceToken)).status).toBe(200);
        expect(lookupsOfA).toBe(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('records a reported termination with its cause', async () => {
      const { id, key } = await createGroup(h);
      const cases: Array<[number | null, number | null, string | null, string]> = [
        [137, null, 'OOMKilled', 'oom_killed'],
        [137, null, 'Error', 'killed'],
        [0, null, 'Completed', 'completed'],
        [139, null, 'Error', 'crash'],
        [null, 15, null, 'sigterm'],
      ];
      for (const [exitCode, signal, reason, cause] of cases) {
        const r = await register(h, key, { name: `r-${cause}` });
        const res = await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode, signal, reason });
        expect(res.status).toBe(202);
        const inst = (await instances(id)).find((i) => i.id === r.instanceId)!;
        expect(inst.status).toBe('terminated');
        expect(inst.termination).toMatchObject({ exitCode, signal, reason, cause, at: h.clock.now().toISOString() });
      }
      expect(await group(id)).toMatchObject({ status: 'disconnected', connectedCount: 0, instanceCount: 0 });
    });

    it('takes a termination with the "—" fields of §2 left out as null', async () => {
      const { id, key } = await createGroup(h);
      const a = await register(h, key, { name: 'a' });
      const b = await register(h, key, { name: 'b' });
      expect((await runnerEvent(h, a.instanceToken, { type: 'terminated', signal: 15 })).status).toBe(202);
      expect((await runnerEvent(h, b.instanceToken, { type: 'terminated', exitCode: 0, reason: 'Completed' })).status).toBe(202);
      const byName = new Map((await instances(id)).map((i) => [i.name, i]));
      expect(byName.get('a')!.termination).toMatchObject({ exitCode: null, signal: 15, reason: null, cause: 'sigterm' });
      expect(byName.get('b')!.termination).toMatchObject({ exitCode: 0, signal: null, reason: 'Completed', cause: 'completed' });
    });

    it('stores the last error a runner reports, stamped with when it arrived on our clock, and shows it', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      const lastError = { kind: 'timeout', message: 'connect ETIMEDOUT', at: '2026-03-01T11:59:00.000Z' };
      // A runner cannot set reportedAt: it is ours.
      const sent = { ...lastError, reportedAt: '2000-01-01T00:00:00.000Z' };
      expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: sent })).status).toBe(400);
      const arrived = h.clock.now().toISOString();
      expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError })).status).toBe(200);
      expect((await instances(id))[0]!.lastError).toEqual({ ...lastError, reportedAt: arrived });
      // The same error reported again later is the same error: it keeps the time it first arrived.
      h.clock.advance(30);
      expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError })).status).toBe(200);
      await h.paddock.tick();
      expect((await instances(id))[0]!.lastError).toEqual({ ...lastError, reportedAt: arrived });
    });

    it('answers every malformed field of the runner protocol with 400 naming the field and its rule, and changes nothing', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      const before = await instances(id);
      const ruleOf = (field: string, rule: RegExp) => ({ field, message: expect.stringMatching(rule) });
      const cases: Array<[string, string, Record<string, unknown>, Array<{ field: string; message: unknown }>]> = [
        ['heartbeat', r.instanceToken, { version: '1.3.0', lastError: 42 }, [ruleOf('lastError', /^must be an object \{kind, message, at\}/)]],
        ['heartbeat', r.instanceToken, { version: '1.3.0', lastError: [] }, [ruleOf('lastError', /^must be an object \{kind, message, at\}/)]],
        [
          'heartbeat',
          r.instanceToken,
          { version: '1.3.0', lastError: { kind: 'gremlins', message: 'm' } },
          [ruleOf('lastError.kind', /^must be one of dns, tls, timeout, /), ruleOf('lastError.at', /^is required and must be a string$/)],
        ],
        [
          'heartbeat',
          r.instanceToken,
          { version: '1.3.0', lastError: { kind: 'dns', message: 'x'.repeat(501), at: 'yesterday' } },
          [ruleOf('lastError.message', /^must be at most 500 characters$/), ruleOf('lastError.at', /^must be an ISO 8601 date and time/)],
        ],
        ['heartbeat', r.instanceToken, { version: '1.3.0', lastError: 'x'.repeat(501) }, [ruleOf('lastError', /^must be at most 500 characters$/)]],
        ['heartbeat', r.instanceToken, { version: 5 }, [ruleOf('version', /^must be a string$/)]],
        ['heartbeat', r.instanceToken, {}, [ruleOf('version', /^is required and must be a string$/)]],
        [
          'register',
          key,
          runnerBody({ name: '', platform: 'windows', hostname: 'h'.repeat(254), address: 7 }),
          [
            ruleOf('name', /^must not be empty$/),
            ruleOf('platform', /^must be one of kubernetes, docker, ec2, process$/),
            ruleOf('hostname', /^must be at most 253 characters$/),
            ruleOf('address', /^must be a string$/),
          ],
        ],
        ['events', r.instanceToken, { type: 'exploded' }, [ruleOf('type', /^must be one of update-started, update-failed, terminated, goodbye$/)]],
        [
          'events',
          r.instanceToken,
          { type: 'terminated', exitCode: 1.5, signal: 99, reason: 4 },
          [ruleOf('exitCode', /^must be an integer$/), ruleOf('signal', /^must be at most 64$/), ruleOf('reason', /^must be a string$/)],
        ],
        ['events', r.instanceToken, { type: 'update-failed' }, [ruleOf('updateId', /^is required/), ruleOf('reason', /^is required/)]],
      ];
      for (const [path, bearer, body, errors] of cases) {
        const res = await h.call('POST', `/api/v1/runner/${path}`, { bearer, body });
        expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        const problem = await res.json();
        expect(problem.errors, `${path} ${JSON.stringify(body).slice(0, 80)}`).toEqual(errors);
      }
      expect(await instances(id)).toEqual(before);
    });

    it('takes a last error sent as plain text: kind guessed, dated when first seen, a repeat changes nothing', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      const firstSeen = h.clock.now().toISOString();
      const text = 'getaddrinfo ENOTFOUND paddock.example.com';
      expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: text })).status).toBe(200);
      expect((await instances(id))[0]!.lastError).toEqual({ kind: 'dns', message: text, at: firstSeen, reportedAt: firstSeen });
      h.clock.advance(2);
      expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: text })).status).toBe(200);
      expect((await instances(id))[0]!.lastError).toEqual({ kind: 'dns', message: text, at: firstSeen, reportedAt: firstSeen });
      await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: 'connect ETIMEDOUT 10.0.0.1:443' });
      expect((await instances(id))[0]!.lastError).toMatchObject({ kind: 'timeout', at: h.clock.now().toISOString() });
      await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: null });
      expect((await instances(id))[0]!.lastError).toBeNull();
    });
  });

  describe('retention', () => {
    it('keeps ended instances 7 days for post-mortems, then drops them', async () => {
      const { id, key } = await createGroup(h);
      const ended = await register(h, key, { name: 'ended' });
      const alive = await register(h, key, { name: 'alive' });
      await runnerEvent(h, ended.instanceToken, { type: 'terminated', exitCode: 139, signal: null, reason: 'Error' });
      for (let day = 1; day <= 8; day++) {
        h.clock.advance(24 * 3600);
        await heartbeat(h, alive.instanceToken);
        await h.paddock.tick();
        await h.signIn(); // a day outlives any session
        const names = (await instances(id)).map((i) => i.name).sort();
        expect(names, `day ${day}`).toEqual(day <= 7 ? ['alive', 'ended'] : ['alive']);
      }
    });
  });

  describe('liveness (fake clock)', () => {
    it('marks an instance disconnected 20 s after its last heartbeat, never before, with no termination record', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      h.clock.advance(25); // past the start-up grace
      await heartbeat(h, r.instanceToken);
      await h.paddock.tick();
      h.clock.advance(19);
      await h.paddock.tick();
      expect((await instances(id))[0]!.status).toBe('connected');
      h.clock.advance(1.5);
      await h.paddock.tick();
      const [inst] = await instances(id);
      expect(inst!.status).toBe('disconnected');
      expect(inst!.termination).toBeNull();
      expect(await group(id)).toMatchObject({ status: 'disconnected', connectedCount: 0, instanceCount: 1 });
      // the sweep was announced as live events (what SSE streams carry)
      const events = await eventsAfter(t.db, '0');
      const last = events.slice(-2).map((e) => [e.kind, e.entityId]);
      expect(last).toEqual([
        ['instance', r.instanceId],
        ['group', id],
      ]);

      // it comes back: connected again and the record is gone
      await heartbeat(h, r.instanceToken);
      const [back] = await instances(id);
      expect(back).toMatchObject({ status: 'connected', termination: null });
      expect((await group(id)).status).toBe('connected');
    });

    it('marks nothing disconnected within one offline window of start-up', async () => {
      const { id, key } = await createGroup(h);
      await register(h, key);
      h.clock.advance(19.9);
      await h.paddock.tick();
      expect((await instances(id))[0]!.status).toBe('connected');
      h.clock.advance(0.2);
      await h.paddock.tick();
      expect((await instances(id))[0]!.status).toBe('disconnected');
    });

    it('uses the configured heartbeat interval and offline window', async () => {
      h = await t.restart({ heartbeatSeconds: 2, offlineAfterSeconds: 6 });
      const { id, key } = await createGroup(h, 'Fast');
      const r = await register(h, key);
      expect(r.heartbeatSeconds).toBe(2);
      expect((await (await heartbeat(h, r.instanceToken)).json()).heartbeatSeconds).toBe(2);
      h.clock.advance(5);
      await h.paddock.tick();
      expect((await instances(id))[0]!.status).toBe('connected');
      h.clock.advance(1.5);
      await h.paddock.tick();
      expect((await instances(id))[0]!.status).toBe('disconnected');
    });

    it('keeps a heartbeating instance connected although heartbeats are written in batches', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      for (let t = 0; t < 60; t += 5) {
        h.clock.advance(5);
        await heartbeat(h, r.instanceToken);
        await h.paddock.tick();
      }
      const [inst] = await instances(id);
      expect(inst!.status).toBe('connected');
      expect(inst!.lastHeartbeatAt).toBe(h.clock.now().toISOString());
    });

    it('ends an instance that says goodbye with SIGTERM at once (PRODUCT.md §2): terminated, with a sigterm record, final', async () => {
      const { id, key } = await createGroup(h);
      const r = await register(h, key);
      const other = await register(h, key, { name: 'runner-2' });
      expect((await runnerEvent(h, r.instanceToken, { type: 'goodbye', signal: 15 })).status).toBe(202);
      const inst = (await instances(id)).find((i) => i.id === r.instanceId)!;
      expect(inst.status).toBe('terminated');
      expect(inst.termination).toMatchObject({ signal: 15, exitCode: null, reason: null, cause: 'sigterm', at: h.clock.now().toISOString() });
      // It left the count of instances not ended; its group is not degraded by it (a SIGTERM is a normal end).
      expect(await group(id)).toMatchObject({ status: 'connected', connectedCount: 1, instanceCount: 1, health: 'healthy', healthReasons: [] });
      // A late heartbeat does not bring it back, and a later record does not replace this one.
      await heartbeat(h, r.instanceToken);
      await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode: 139, signal: null, reason: 'Error' });
      expect((await instances(id)).find((i) => i.id === r.instanceId)).toMatchObject({ status: 'terminated', termination: { cause: 'sigterm' } });
      // A goodbye that says nothing of how it ends only disconnects (it may come back).
      expect((await runnerEvent(h, other.instanceToken, { type: 'goodbye' })).status).toBe(202);
      expect((await instances(id)).find((i) => i.id === other.instanceId)).toMatchObject({ status: 'disconnected', termination: null });
    });
  });
});
