import { beforeEach, describe, expect, it } from 'vitest';
import type { Instance, RunnerGroup, Update } from '../contract';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerBody, runnerEvent, setUpSignedInHarness } from './testing/harness';
import { commandsFor, decideUpdateRequest, type UpdateDecision, updateOutcome } from './updates';
import type { UpdateRow } from './store/updates';

describe('commandsFor', () => {
  const update = (state: UpdateRow['state']): UpdateRow => ({
    id: 'u1',
    group_id: 'g',
    state,
    target_version: '1.4.0',
    from_versions: ['1.3.0'],
    requested_by: 'admin',
    requested_at: new Date(0),
    deadline_at: new Date(300_000),
    finished_at: null,
    reason: null,
    connected_at_request: 1,
  });
  const rows = new Map([['i1', { update_id: 'u1', instance_id: 'i1', name: 'r', from_version: '1.3.0', version: '1.4.0', state: 'updated' as const }]]);
  const inst = (version: string, over = {}) => ({ id: 'i1', version, status: 'connected' as const, updateStartedId: null, ...over });

  it.each([
    ['in_progress, old version', 'in_progress', inst('1.3.0'), [{ type: 'update', updateId: 'u1', targetVersion: '1.4.0' }]],
    ['in_progress, taken up', 'in_progress', inst('1.3.0', { updateStartedId: 'u1' }), []],
    ['in_progress, on target', 'in_progress', inst('1.4.0'), []],
    ['in_progress, terminated', 'in_progress', inst('1.3.0', { status: 'terminated' }), []],
    ['rolled_back, on target', 'rolled_back', inst('1.4.0'), [{ type: 'rollback', updateId: 'u1', targetVersion: '1.3.0' }]],
    ['rolled_back, back on old', 'rolled_back', inst('1.3.0'), []],
    ['succeeded', 'succeeded', inst('1.3.0'), []],
  ] as const)('%s', (_name, state, subject, expected) => {
    expect(commandsFor(subject, { update: update(state), rows })).toEqual(expected);
  });
});

describe('decideUpdateRequest', () => {
  const active: UpdateRow = {
    id: 'u1',
    group_id: 'g',
    state: 'in_progress',
    target_version: '1.4.0',
    from_versions: ['1.3.0'],
    requested_by: 'admin',
    requested_at: new Date(0),
    deadline_at: new Date(300_000),
    finished_at: null,
    reason: null,
    connected_at_request: 1,
  };
  const on = (id: string, version: string) => ({ id, name: `runner-${id}`, version });
  const row = (id: string, version: string, state: 'pending' | 'updated') => ({
    instance_id: id,
    name: `runner-${id}`,
    from_version: version,
    version,
    state,
  });

  it.each<[string, Parameters<typeof decideUpdateRequest>[0], UpdateDecision]>([
    ['one already running, whatever is connected', { active, connected: [on('a', '1.3.0')], target: '1.5.0' }, { kind: 'already_running', active }],
    ['running beats nothing connected', { active, connected: [], target: '1.5.0' }, { kind: 'already_running', active }],
    ['nothing connected', { active: null, connected: [], target: '1.4.0' }, { kind: 'no_connected' }],
    ['every connected instance on the target', { active: null, connected: [on('a', '1.4.0'), on('b', '1.4.0')], target: '1.4.0' }, { kind: 'all_on_target', target: '1.4.0' }],
    [
      'one behind: accepted, the one on the target counted as updated',
      { active: null, connected: [on('a', '1.4.0'), on('b', '1.3.0')], target: '1.4.0' },
      { kind: 'accepted', target: '1.4.0', fromVersions: ['1.3.0', '1.4.0'], instances: [row('a', '1.4.0', 'updated'), row('b', '1.3.0', 'pending')] },
    ],
    [
      'a downgrade is an update too; from-versions distinct, oldest first (by version, not text)',
      { active: null, connected: [on('a', '1.10.0'), on('b', '1.9.0'), on('c', '1.10.0')], target: '1.2.0' },
      {
        kind: 'accepted',
        target: '1.2.0',
        fromVersions: ['1.9.0', '1.10.0'],
        instances: [row('a', '1.10.0', 'pending'), row('b', '1.9.0', 'pending'), row('c', '1.10.0', 'pending')],
      },
    ],
  ])('%s', (_name, input, expected) => {
    expect(decideUpdateRequest(input)).toEqual(expected);
  });
});

describe('updateOutcome', () => {
  const u = { state: 'in_progress' as const, target_version: '1.4.0', deadline_at: new Date(300_000), connected_at_request: 2 };
  const at = (s: number) => new Date(s * 1000);
  it('succeeds when as many instances as at the request are connected, all on target with 3 heartbeats', () => {
    const ok = [
      { version: '1.4.0', heartbeats_on_version: 3 },
      { version: '1.4.0', heartbeats_on_version: 5 },
    ];
    expect(updateOutcome(u, ok, at(10))).toEqual({ state: 'succeeded' });
    expect(updateOutcome(u, [ok[0]!], at(10))).toBeNull();
    expect(updateOutcome(u, [ok[0]!, { version: '1.4.0', heartbeats_on_version: 2 }], at(10))).toBeNull();
    expect(updateOutcome(u, [ok[0]!, { version: '1.3.0', heartbeats_on_version: 9 }], at(10))).toBeNull();
  });
  it('rolls back at the deadline with a reason', () => {
    const out = updateOutcome(u, [{ version: '1.3.0', heartbeats_on_version: 9 }], at(300), 300);
    expect(out).toMatchObject({ state: 'rolled_back' });
    expect((out as { reason: string }).reason).toMatch(/Deadline passed/);
    expect(updateOutcome(u, [{ version: '1.3.0', heartbeats_on_version: 9 }], at(299.9))).toBeNull();
  });
});

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('updates through the API on %s (fake clock)', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const requestUpdate = (id: string, body?: unknown, headers?: Record<string, string>) =>
    h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body, headers });
  const updates = async (id: string): Promise<Update[]> => (await h.call('GET', `/api/v1/runner-groups/${id}/updates`)).json();
  const group = async (id: string): Promise<RunnerGroup> => (await h.call('GET', `/api/v1/runner-groups/${id}`)).json();
  const instances = async (id: string): Promise<Instance[]> => (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json();

  it('409s when there is no connected instance or all already run the target', async () => {
    const { id, key } = await createGroup(h);
    let res = await requestUpdate(id);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Prod EU has no connected instance to update.',
    });
    await register(h, key, { version: '1.4.0' });
    res = await requestUpdate(id);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Every connected instance of Prod EU already runs 1.4.0.',
    });
    expect(await updates(id)).toEqual([]);
  });

  it("a group's versions are its connected instances' (what an update acts on), or all its instances' while none is connected", async () => {
    const { id, key } = await createGroup(h);
    const old = await register(h, key, { name: 'old', version: '1.3.0' });
    await register(h, key, { name: 'new', version: '1.4.0' });
    expect((await group(id)).versions).toEqual(['1.3.0', '1.4.0']);
    // A goodbye that gives no signal: disconnected, and it may come back.
    await runnerEvent(h, old.instanceToken, { type: 'goodbye' });
    // The disconnected 1.3.0 runner is not behind as far as Update goes: the server would answer 409.
    expect(await group(id)).toMatchObject({ connectedCount: 1, instanceCount: 2, versions: ['1.4.0'] });
    expect((await requestUpdate(id)).status).toBe(409);
    h.clock.advance(60);
    await h.paddock.tick();
    expect(await group(id)).toMatchObject({ connectedCount: 0, versions: ['1.3.0', '1.4.0'] });
  });

  it('updates a group: command repeated until taken up, replacement, success after 3 heartbeats on target', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    const res = await requestUpdate(id);
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const u = (await res.json()) as Update;
    expect(u).toMatchObject({
      state: 'in_progress',
      targetVersion: '1.4.0',
      fromVersions: ['1.3.0'],
      requestedBy: 'admin',
      requestedAt: '2026-03-01T12:00:00.000Z',
      deadlineAt: '2026-03-01T12:05:00.000Z',
      finishedAt: null,
      instances: [{ instanceId: r.instanceId, version: '1.3.0', state: 'pending' }],
    });
    expect((await group(id)).activeUpdate?.id).toBe(u.id);

    // a second request gets 409 with the active update
    const second = await requestUpdate(id, { targetVersion: '1.5.0' });
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(await second.json()).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'An update of Prod EU is already running.',
      activeUpdate: u,
    });

    for (let i = 0; i < 2; i++) {
      expect((await (await heartbeat(h, r.instanceToken)).json()).commands).toEqual([
        { type: 'update', updateId: u.id, targetVersion: '1.4.0' },
      ]);
    }
    expect((await runnerEvent(h, r.instanceToken, { type: 'update-started', updateId: u.id, targetVersion: '1.4.0' })).status).toBe(202);
    expect((await (await heartbeat(h, r.instanceToken)).json()).commands).toEqual([]);
    expect((await updates(id))[0]!.instances[0]!.state).toBe('updating');

    const next = await h.call('POST', '/api/v1/runner/register', {
      bearer: r.instanceToken,
      body: runnerBody({ name: 'runner-1-new', version: '1.4.0', replaces: r.instanceId }),
    });
    const replacement = await next.json();
    expect((await updates(id))[0]!.instances).toEqual([
      { instanceId: replacement.instanceId, name: 'runner-1-new', version: '1.4.0', state: 'updated' },
    ]);
    for (let i = 0; i < 2; i++) {
      h.clock.advance(5);
      await heartbeat(h, replacement.instanceToken, { version: '1.4.0' });
      await h.paddock.tick();
      expect((await updates(id))[0]!.state).toBe('in_progress');
    }
    h.clock.advance(5);
    await heartbeat(h, replacement.instanceToken, { version: '1.4.0' });
    await h.paddock.tick();
    const [done] = await updates(id);
    expect(done).toMatchObject({ state: 'succeeded', finishedAt: h.clock.now().toISOString(), reason: null });
    expect(await group(id)).toMatchObject({ activeUpdate: null, versions: ['1.4.0'] });
    const old = (await instances(id)).find((i) => i.id === r.instanceId)!;
    expect(old.termination).toMatchObject({ exitCode: 0, reason: 'Replaced', cause: 'replaced' });
  });

  it('rolls back when a runner reports failure: reason stored, updated runners told to return', async () => {
    const { id, key } = await createGroup(h);
    const a = await register(h, key, { name: 'a' });
    const b = await register(h, key, { name: 'b' });
    const u = (await (await requestUpdate(id, { targetVersion: '1.5.0' })).json()) as Update;
    // a updates in place, b fails
    await heartbeat(h, a.instanceToken, { version: '1.5.0' });
    await runnerEvent(h, b.instanceToken, { type: 'update-started', updateId: u.id });
    const failed = await runnerEvent(h, b.instanceToken, { type: 'update-failed', updateId: u.id, reason: 'image pull failed' });
    expect(failed.status).toBe(202);
    const [rolled] = await updates(id);
    expect(rolled!.state).toBe('rolled_back');
    expect(rolled!.reason).toBe('b reported an update failure: image pull failed');
    expect(rolled!.instances.find((i) => i.instanceId === b.instanceId)!.state).toBe('failed');
    expect((await (await heartbeat(h, a.instanceToken, { version: '1.5.0' })).json()).commands).toEqual([
      { type: 'rollback', updateId: u.id, targetVersion: '1.3.0' },
    ]);
    await heartbeat(h, a.instanceToken, { version: '1.3.0' });
    expect((await (await heartbeat(h, a.instanceToken, { version: '1.3.0' })).json()).commands).toEqual([]);
    expect((await updates(id))[0]!.instances.find((i) => i.instanceId === a.instanceId)!.state).toBe('rolled_back');
    // a new update may start now
    expect((await requestUpdate(id)).status).toBe(202);
  });

  it('rolls back after the 300 s deadline', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    await requestUpdate(id);
    h.clock.advance(299);
    await heartbeat(h, r.instanceToken);
    await h.paddock.tick();
    expect((await updates(id))[0]!.state).toBe('in_progress');
    h.clock.advance(1);
    await heartbeat(h, r.instanceToken);
    await h.paddock.tick();
    const [u] = await updates(id);
    expect(u!.state).toBe('rolled_back');
    expect(u!.reason).toMatch(/^Deadline passed/);
    expect((await group(id)).activeUpdate).toBeNull();
    const audit = await (await h.call('GET', '/api/v1/audit-events')).json();
    expect(audit.items[0]).toMatchObject({ action: 'update.rolled_back', actor: 'system', groupId: id });
  });

  it('uses the configured deadline and default target version', async () => {
    h = await t.restart({ updateDeadlineSeconds: 60, runnerVersion: '2.0.0' });
    const { id, key } = await createGroup(h, 'Other');
    expect(await group(id)).toMatchObject({ latestVersion: '2.0.0', updateDeadlineSeconds: 60 });
    await register(h, key);
    const u = (await (await requestUpdate(id)).json()) as Update;
    expect(u.targetVersion).toBe('2.0.0');
    expect(u.deadlineAt).toBe('2026-03-01T12:01:00.000Z');
  });

  it('replays the first answer for a repeated Idempotency-Key', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key);
    const first = await requestUpdate(id, {}, { 'Idempotency-Key': 'abc-1' });
    const again = await requestUpdate(id, {}, { 'Idempotency-Key': 'abc-1' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(await first.json());
    expect(await updates(id)).toHaveLength(1);
    expect((await requestUpdate(id, {}, { 'Idempotency-Key': 'abc-2' })).status).toBe(409);
  });

  it('replays a first answer that was a 409 too, even once an update became possible', async () => {
    const { id, key } = await createGroup(h);
    const first = await requestUpdate(id, {}, { 'Idempotency-Key': 'early' });
    expect(first.status).toBe(409);
    const firstBody = await first.json();
    await register(h, key);
    const again = await requestUpdate(id, {}, { 'Idempotency-Key': 'early' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(await again.json()).toEqual(firstBody);
    expect(await updates(id)).toHaveLength(0);
    expect((await requestUpdate(id, {}, { 'Idempotency-Key': 'fresh' })).status).toBe(202);
  });

  it('enforces one active update per group in the database', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key);
    await requestUpdate(id);
    await expect(
      t.db.query(
        `INSERT INTO updates (id, group_id, state, target_version, from_versions, requested_by, requested_at, deadline_at, connected_at_request)
         VALUES (gen_random_uuid(), $1, 'in_progress', '9.9.9', '[]', 'x', now(), now(), 1)`,
        [id],
      ),
    ).rejects.toThrow(/unique|duplicate/i);
  });

  it('400s a bad targetVersion and 404s an unknown group', async () => {
    const { id } = await createGroup(h);
    const res = await requestUpdate(id, { targetVersion: 'latest' });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].field).toBe('targetVersion');
    expect((await requestUpdate('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await requestUpdate('nope')).status).toBe(404);
  });
});
