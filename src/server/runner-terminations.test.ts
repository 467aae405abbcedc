import { beforeEach, describe, expect, it } from 'vitest';
import { api, type Instance, type RunnerGroup } from '../contract';
import { eventsAfter } from './store/events';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// POST /api/v1/runner/terminations (PRODUCT.md §11): an end observed outside the runner, by name,
// with the group's registration key.
describe.each(backends)('termination reports on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const observedAt = '2026-03-01T11:59:30.000Z';
  const report = (key: string | undefined, body: unknown, raw?: string) =>
    h.call('POST', api.runnerTerminations, { ...(key ? { bearer: key } : { csrf: false }), ...(raw === undefined ? { body } : { raw }) });
  const instances = async (groupId: string): Promise<Instance[]> => (await h.call('GET', api.instances(groupId))).json();
  const byName = async (groupId: string, name: string) => (await instances(groupId)).filter((i) => i.name === name);
  const group = async (groupId: string): Promise<RunnerGroup> => (await h.call('GET', api.runnerGroup(groupId))).json();

  it('202: records the end of the named instance with observedBy "reconciler", the cause of §2 and when it was observed', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'prod-eu-runner-7d9f-abcde', platform: 'kubernetes' });
    await register(h, key, { name: 'prod-eu-runner-7d9f-fghij', platform: 'kubernetes' });
    const res = await report(key, { name: 'prod-eu-runner-7d9f-abcde', exitCode: 137, signal: null, reason: 'OOMKilled', observedAt });
    expect(res.status).toBe(202);
    const termination = { exitCode: 137, signal: null, reason: 'OOMKilled', at: observedAt, cause: 'oom_killed', observedBy: 'reconciler' };
    expect(await res.json()).toEqual({ instanceId: r.instanceId, termination });
    const [inst] = await byName(id, 'prod-eu-runner-7d9f-abcde');
    expect(inst).toMatchObject({ status: 'terminated', termination });
    // Only that instance ended; the group counts one instance, still connected.
    expect((await byName(id, 'prod-eu-runner-7d9f-fghij'))[0]).toMatchObject({ status: 'connected', termination: null });
    expect(await group(id)).toMatchObject({ connectedCount: 1, instanceCount: 1 });
  });

  it('202 with observedBy "engine": a restarted runner container reporting its previous run from the engine\'s events (§10)', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'quirky_tesla', platform: 'docker' });
    const res = await report(key, { name: 'quirky_tesla', exitCode: 137, signal: null, reason: 'Error', observedAt, observedBy: 'engine' });
    expect(res.status).toBe(202);
    const termination = { exitCode: 137, signal: null, reason: 'Error', at: observedAt, cause: 'killed', observedBy: 'engine' };
    expect(await res.json()).toEqual({ instanceId: r.instanceId, termination });
    expect((await byName(id, 'quirky_tesla'))[0]).toMatchObject({ status: 'terminated', termination });
  });

  it('classifies every row of §2 that a pod can end with, the pod-level reasons included', async () => {
    const { id, key } = await createGroup(h);
    const rows: Array<[number | null, number | null, string | null, string]> = [
      [0, null, 'Completed', 'completed'],
      [137, null, 'OOMKilled', 'oom_killed'],
      [137, null, 'Error', 'killed'],
      [null, 15, null, 'sigterm'],
      [1, null, 'Error', 'crash'],
      [null, null, 'Evicted', 'evicted'],
      [null, null, 'DeadlineExceeded', 'deadline_exceeded'],
      [null, null, 'Preempted', 'preempted'],
    ];
    for (const [exitCode, signal, reason, cause] of rows) {
      await register(h, key, { name: `pod-${cause}`, platform: 'kubernetes' });
      const res = await report(key, { name: `pod-${cause}`, exitCode, signal, reason, observedAt });
      expect(res.status, cause).toBe(202);
      expect((await byName(id, `pod-${cause}`))[0]!.termination).toMatchObject({ exitCode, signal, reason, cause, observedBy: 'reconciler' });
    }
  });

  it('takes the "—" fields of §2 left out as null', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    expect((await report(key, { name: 'p', reason: 'Evicted', observedAt })).status).toBe(202);
    expect((await byName(id, 'p'))[0]!.termination).toMatchObject({ exitCode: null, signal: null, reason: 'Evicted', cause: 'evicted' });
  });

  it('200: a second report for an instance that already has a record leaves the record as it was', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'p' });
    expect((await report(key, { name: 'p', reason: 'Evicted', observedAt })).status).toBe(202);
    const first = (await byName(id, 'p'))[0]!.termination;
    h.clock.advance(60);
    const again = await report(key, { name: 'p', exitCode: 1, reason: 'Error', observedAt: '2026-03-01T12:00:30.000Z' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ instanceId: r.instanceId, termination: first });
    expect((await byName(id, 'p'))[0]!.termination).toEqual(first);
  });

  it("200: the runner's own record (its terminated event, or a goodbye on SIGTERM) is final: the report changes nothing", async () => {
    const { id, key } = await createGroup(h);
    const a = await register(h, key, { name: 'a' });
    const b = await register(h, key, { name: 'b' });
    expect((await runnerEvent(h, a.instanceToken, { type: 'terminated', exitCode: 137, reason: 'OOMKilled' })).status).toBe(202);
    expect((await runnerEvent(h, b.instanceToken, { type: 'goodbye', signal: 15 })).status).toBe(202);
    const before = await instances(id);
    for (const name of ['a', 'b']) {
      const res = await report(key, { name, exitCode: null, signal: null, reason: 'Evicted', observedAt });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.termination).toEqual(before.find((i) => i.name === name)!.termination);
      expect(body.termination.observedBy).toBeUndefined();
    }
    expect(await instances(id)).toEqual(before);
  });

  it('two reports of one end at once: one records it (202), the other gets that record (200)', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    const [a, b] = await Promise.all([
      report(key, { name: 'p', reason: 'Evicted', observedAt }),
      report(key, { name: 'p', exitCode: 137, reason: 'OOMKilled', observedAt }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    const [won, other] = a.status === 202 ? [await a.json(), await b.json()] : [await b.json(), await a.json()];
    expect(other).toEqual(won);
    expect((await byName(id, 'p'))[0]!.termination).toEqual(won.termination);
  });

  it('a record the reconciler wrote is final: a late terminated event of the runner does not overwrite it', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'p' });
    expect((await report(key, { name: 'p', reason: 'DeadlineExceeded', observedAt })).status).toBe(202);
    const recorded = (await byName(id, 'p'))[0]!.termination;
    await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode: 0, reason: 'Completed' });
    expect((await byName(id, 'p'))[0]!.termination).toEqual(recorded);
  });

  it('records the end of a disconnected instance that has no record yet (it would have become lost)', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    h.clock.advance(25);
    await h.paddock.tick();
    expect((await byName(id, 'p'))[0]).toMatchObject({ status: 'disconnected', termination: null });
    expect((await report(key, { name: 'p', reason: 'Preempted', observedAt })).status).toBe(202);
    expect((await byName(id, 'p'))[0]).toMatchObject({ status: 'terminated', termination: { cause: 'preempted' } });
  });

  it("applies to the newest not-yet-ended instance of that name (a pod's container that restarted registered anew)", async () => {
    const { id, key } = await createGroup(h);
    const first = await register(h, key, { name: 'p' });
    expect((await runnerEvent(h, first.instanceToken, { type: 'terminated', exitCode: 1, reason: 'Error' })).status).toBe(202);
    h.clock.advance(5);
    const second = await register(h, key, { name: 'p' });
    const res = await report(key, { name: 'p', exitCode: 137, reason: 'OOMKilled', observedAt });
    expect(res.status).toBe(202);
    expect((await res.json()).instanceId).toBe(second.instanceId);
    const list = await byName(id, 'p');
    expect(list.find((i) => i.id === first.instanceId)!.termination).toMatchObject({ cause: 'crash' });
    expect(list.find((i) => i.id === second.instanceId)!.termination).toMatchObject({ cause: 'oom_killed', observedBy: 'reconciler' });
  });

  it('never records an end in the future: an observer clock ahead of ours is clamped to now', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    expect((await report(key, { name: 'p', reason: 'Evicted', observedAt: '2026-03-01T13:00:00.000Z' })).status).toBe(202);
    expect((await byName(id, 'p'))[0]!.termination!.at).toBe(h.clock.now().toISOString());
  });

  it('announces the instance and group change as live events', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'p' });
    const [last] = await t.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events');
    expect((await report(key, { name: 'p', reason: 'Evicted', observedAt })).status).toBe(202);
    const events = await eventsAfter(t.db, last!.id);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'instance', op: 'upsert', groupId: id, entityId: r.instanceId }),
        expect.objectContaining({ kind: 'group', op: 'upsert', groupId: id, entityId: id }),
      ]),
    );
  });

  it('404 for a name no instance of the group has (another group\'s included), changing nothing', async () => {
    const { id, key } = await createGroup(h);
    const other = await createGroup(h, 'Other');
    await register(h, other.key, { name: 'theirs' });
    await register(h, key, { name: 'mine' });
    const before = await instances(id);
    for (const name of ['nobody', 'theirs', 'MINE']) {
      const res = await report(key, { name, reason: 'Evicted', observedAt });
      expect(res.status, name).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await instances(id)).toEqual(before);
    expect((await byName(other.id, 'theirs'))[0]!.termination).toBeNull();
  });

  it('401 for a missing, malformed, unknown or rotated key and for an instance token, changing nothing', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'p' });
    const rotated = await h.call('POST', api.registrationKey(id));
    expect(rotated.status).toBe(201);
    const newKey = (await rotated.json()).registrationKey as string;
    const wrongChecksum = `${newKey.slice(0, -1)}${newKey.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [undefined, 'prk_nope', wrongChecksum, key, r.instanceToken, 'not-a-key']) {
      const res = await report(bad, { name: 'p', reason: 'Evicted', observedAt });
      expect(res.status, String(bad).slice(0, 8)).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toBe('registration key revoked or unknown');
    }
    expect((await byName(id, 'p'))[0]!.termination).toBeNull();
    // The group's current key is the one that reports.
    expect((await report(newKey, { name: 'p', reason: 'Evicted', observedAt })).status).toBe(202);
  });

  it('410 once the group is deleted', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    expect((await h.call('DELETE', api.runnerGroup(id))).status).toBe(204);
    const res = await report(key, { name: 'p', reason: 'Evicted', observedAt });
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('400 problem+json naming each broken field and its rule, and nothing changes', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key, { name: 'p' });
    const before = await instances(id);
    const rule = (field: string, message: RegExp) => ({ field, message: expect.stringMatching(message) });
    const cases: Array<[unknown, Array<{ field: string; message: unknown }>, string?]> = [
      [{ reason: 'Evicted', observedAt }, [rule('name', /^is required and must be a string$/)]],
      [{ name: '  ', observedAt }, [rule('name', /^must not be empty$/)]],
      [{ name: 'p'.repeat(254), observedAt }, [rule('name', /^must be at most 253 characters$/)]],
      [{ name: 'p', exitCode: 256, observedAt }, [rule('exitCode', /^must be at most 255$/)]],
      [{ name: 'p', exitCode: 1.5, observedAt }, [rule('exitCode', /^must be an integer$/)]],
      [{ name: 'p', signal: 0, observedAt }, [rule('signal', /^must be at least 1$/)]],
      [{ name: 'p', reason: 'x'.repeat(65), observedAt }, [rule('reason', /^must be at most 64 characters$/)]],
      [{ name: 'p', reason: 'Evicted' }, [rule('observedAt', /^is required and must be a string$/)]],
      [{ name: 'p', observedAt: 'yesterday' }, [rule('observedAt', /^must be an ISO 8601 date and time/)]],
      [{ name: 'p', observedAt, pod: 'p' }, [rule('pod', /^is not a known field$/)]],
      [{ name: 'p', observedAt, observedBy: 'kubelet' }, [rule('observedBy', /reconciler.*engine/)]],
      [[], [rule('body', /^must be a JSON object$/)]],
      [undefined, [rule('body', /^must be valid JSON$/)], '{"name":'],
      [undefined, [rule('body', /^must be a JSON object$/)], ''],
    ];
    for (const [body, errors, raw] of cases) {
      const res = await report(key, body, raw);
      expect(res.status, JSON.stringify(body ?? raw)).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).errors).toEqual(errors);
    }
    expect(await instances(id)).toEqual(before);
  });

  it('the reported instance stops counting as connected at once, and a heartbeat cached before changes nothing', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key, { name: 'p' });
    expect((await heartbeat(h, r.instanceToken)).status).toBe(200);
    expect((await report(key, { name: 'p', reason: 'Evicted', observedAt })).status).toBe(202);
    await h.paddock.tick();
    expect(await group(id)).toMatchObject({ connectedCount: 0, instanceCount: 0 });
    expect((await byName(id, 'p'))[0]).toMatchObject({ status: 'terminated', termination: { cause: 'evicted' } });
  });
});
