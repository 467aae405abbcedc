import { describe, expect, it } from 'vitest';
import { groupSlug } from '../contract';
import { migrate } from './store/migrations';
import type { Backend } from './testing/db';
import { createGroup, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('group names whose slugs collide (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);
  const names = async () => ((await (await t.h.call('GET', '/api/v1/runner-groups')).json()) as Array<{ name: string }>).map((g) => g.name);

  it.each(['My-Group', 'my.group', 'MY_GROUP', ' my   group '])('refuses %j beside "My Group" with a 409 naming the other group', async (name) => {
    await createGroup(t.h, 'My Group');
    const res = await t.h.call('POST', '/api/v1/runner-groups', { body: { name } });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const p = await res.json();
    expect(p.detail).toContain('"My Group"');
    expect(await names()).toEqual(['My Group']);
  });

  it('refuses a rename onto another group\'s slug, and allows one that keeps its own', async () => {
    await createGroup(t.h, 'My Group');
    const { id } = await createGroup(t.h, 'Other');
    const res = await t.h.call('PATCH', `/api/v1/runner-groups/${id}`, { body: { name: 'my_group' } });
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain('"My Group"');
    expect((await t.h.call('PATCH', `/api/v1/runner-groups/${id}`, { body: { name: 'OTHER' } })).status).toBe(200);
    expect(await names()).toEqual(['My Group', 'OTHER']);
  });

  it('frees the slug of a deleted group', async () => {
    const { id } = await createGroup(t.h, 'My Group');
    expect((await t.h.call('DELETE', `/api/v1/runner-groups/${id}`)).status).toBe(204);
    expect((await t.h.call('POST', '/api/v1/runner-groups', { body: { name: 'my-group' } })).status).toBe(201);
  });

  it.each(['---', '...', '_ _'])('refuses %j, whose slug would be empty, with a 400 naming the field', async (name) => {
    const res = await t.h.call('POST', '/api/v1/runner-groups', { body: { name } });
    expect(res.status).toBe(400);
    expect((await res.json()).errors.map((e: { field: string }) => e.field)).toContain('name');
    expect(await names()).toEqual([]);
  });

  it('migration 12 keeps the oldest of colliding groups and renames the others to a name of their own', async () => {
    const { db } = t;
    // Back to the schema before version 12, with collisions as older versions accepted them.
    await db.query('DROP INDEX runner_groups_slug');
    await db.query('ALTER TABLE runner_groups DROP COLUMN slug');
    await db.query('DROP TABLE sign_in_limits');
    await db.query('DELETE FROM schema_migrations WHERE version = 12');
    const insert = (id: string, name: string, minute: number, deleted = false) =>
      db.query(
        `INSERT INTO runner_groups (id, name, key_hash, key_prefix, created_at, updated_at, deleted_at)
         VALUES ($1, $2, $3, 'prk_abcd', $4, $4, $5)`,
        [id, name, `h-${id}`, new Date(Date.UTC(2026, 0, 1, 0, minute)), deleted ? new Date() : null],
      );
    await insert('00000000-0000-4000-8000-000000000001', 'My Group', 1);
    await insert('00000000-0000-4000-8000-000000000002', 'My-Group', 2);
    await insert('00000000-0000-4000-8000-000000000003', 'my.group', 3);
    await insert('00000000-0000-4000-8000-000000000004', 'my group', 0, true);
    await insert('00000000-0000-4000-8000-000000000005', 'Alone', 4);
    await migrate(db);
    const rows = await db.query<{ id: string; name: string; slug: string }>(
      'SELECT id::text AS id, name, slug FROM runner_groups WHERE deleted_at IS NULL ORDER BY created_at',
    );
    expect(rows.map((r) => r.name)).toEqual(['My Group', 'My-Group-000000000002', 'my.group-000000000003', 'Alone']);
    for (const r of rows) expect(r.slug).toBe(groupSlug(r.name));
    expect(new Set(rows.map((r) => r.slug)).size).toBe(rows.length);
  });
});
