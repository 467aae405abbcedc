import { beforeEach, describe, expect, it } from 'vitest';
import { AuditGroup, type AuditPage } from '../contract';
import type { Backend } from './testing/db';
import { createGroup, type Harness, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('the audit log\'s filters on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const page = async (query: string): Promise<AuditPage> => (await h.call('GET', `/api/v1/audit-events?${query}`)).json();

  it('matches the user ignoring case, as usernames are unique ignoring case', async () => {
    await createGroup(h, 'A');
    await createGroup(h, 'B');
    for (const name of ['admin', 'ADMIN', 'Admin']) {
      for (const param of ['actor', 'user']) {
        const { items } = await page(`${param}=${name}`);
        expect(items.map((e) => [e.actor, e.action]), `${param}=${name}`).toEqual([
          ['admin', 'group.created'],
          ['admin', 'group.created'],
        ]);
      }
    }
    expect((await page('user=admi')).items).toEqual([]);
    // Paging still works under the filter.
    const first = await page('user=ADMIN&limit=1');
    expect(first.items).toHaveLength(1);
    const second = await page(`user=ADMIN&limit=1&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it('can answer the user filter from an index (lower(actor), id), not a scan of the whole log', async () => {
    const plan = await t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<Record<string, string>>('EXPLAIN SELECT id FROM audit_events WHERE lower(actor) = lower($1) ORDER BY id DESC LIMIT 50', ['ADMIN']);
    });
    const text = plan.map((r) => Object.values(r).join(' ')).join('\n');
    expect(text).toMatch(/Index[^\n]*audit_events_actor/);
  });

  it('names every group it holds, deleted ones marked and under the name they had last', async () => {
    const gone = await createGroup(h, 'Old fleet');
    const kept = await createGroup(h, 'beta');
    await createGroup(h, 'Alpha');
    await h.call('PATCH', `/api/v1/runner-groups/${gone.id}`, { body: { name: 'Old fleet 2' } });
    expect((await h.call('DELETE', `/api/v1/runner-groups/${gone.id}`)).status).toBe(204);
    // A new group may take a deleted one's name; they stay two entries.
    const again = await createGroup(h, 'Old fleet 2');

    const res = await h.call('GET', '/api/v1/audit-events/groups');
    expect(res.status).toBe(200);
    const groups = AuditGroup.array().parse(await res.json());
    expect(groups.map((g) => [g.name, g.deleted])).toEqual([
      ['Alpha', false],
      ['beta', false],
      ['Old fleet 2', false],
      ['Old fleet 2', true],
    ]);
    expect(groups.find((g) => g.deleted)?.id).toBe(gone.id);
    expect(groups.find((g) => g.name === 'beta')?.id).toBe(kept.id);
    expect(groups.find((g) => g.name === 'Old fleet 2' && !g.deleted)?.id).toBe(again.id);

    // The deleted group's history is still there under its id.
    const history = await page(`groupId=${gone.id}`);
    expect(history.items.map((e) => e.action)).toEqual(['group.deleted', 'group.renamed', 'group.created']);
  });

  it('answers an empty list with no audit entries, needs a session, and 400s unknown parameters', async () => {
    expect(await (await h.call('GET', '/api/v1/audit-events/groups')).json()).toEqual([]);
    expect((await h.call('GET', '/api/v1/audit-events/groups', { cookie: null })).status).toBe(401);
    const bad = await h.call('GET', '/api/v1/audit-events/groups?x=1');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });
});
