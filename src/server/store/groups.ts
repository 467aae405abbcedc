import type { Queryable } from './db';

export interface GroupRow {
  id: string;
  name: string;
  is_default: boolean;
  key_prefix: string;
  desired_version: string | null;
  first_registered_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  connected_count: number;
  instance_count: number;
  versions: string[] | null;
}

const summary = `
SELECT g.id::text AS id, g.name, g.is_default, g.key_prefix, g.desired_version, g.first_registered_at,
       g.created_at, g.updated_at, g.deleted_at,
       coalesce(a.connected_count, 0) AS connected_count, coalesce(a.instance_count, 0) AS instance_count, a.versions
FROM runner_groups g
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE i.status = 'connected')::int AS connected_count,
         count(*)::int AS instance_count,
         -- What an update acts on: the connected instances' versions; while none is connected, all of them.
         coalesce(array_agg(DISTINCT i.version) FILTER (WHERE i.status = 'connected'), array_agg(DISTINCT i.version)) AS versions
  FROM instances i WHERE i.group_id = g.id AND i.status <> 'terminated'
) a ON true`;

/** Live groups with their instance counts and versions, by name. */
export async function listGroups(q: Queryable, page: { limit: number | null; after: string | null } = { limit: null, after: null }): Promise<GroupRow[]> {
  // Live names are unique ignoring case, so lower(name) alone orders them and marks a page's end.
  return q.query<GroupRow>(
    `${summary} WHERE g.deleted_at IS NULL ${page.after !== null ? 'AND lower(g.name) > $1' : ''} ORDER BY lower(g.name)
     ${page.limit ? `LIMIT ${Number(page.limit)}` : ''}`,
    page.after !== null ? [page.after] : [],
  );
}

/** One group (deleted ones too, so callers can tell 404 from 410). */
export async function findGroup(q: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupRow | null> {
  if (!isUuid(id)) return null;
  if (options.forUpdate) await q.query('SELECT id FROM runner_groups WHERE id = $1 FOR UPDATE', [id]);
  const [row] = await q.query<GroupRow>(`${summary} WHERE g.id = $1`, [id]);
  return row ?? null;
}

export async function findGroupByKeyHash(
  q: Queryable,
  keyHash: string,
): Promise<{ id: string; name: string; deleted_at: Date | null } | null> {
  const [row] = await q.query<{ id: string; name: string; deleted_at: Date | null }>(
    'SELECT id::text AS id, name, deleted_at FROM runner_groups WHERE key_hash = $1',
    [keyHash],
  );
  return row ?? null;
}

/**
 * The live group whose name is the same ignoring case, or whose slug is the same (their install
 * commands would share a Helm release and secret); null when the name is free.
 */
export async function findNameClash(
  q: Queryable,
  name: string,
  slug: string,
  exceptId?: string,
): Promise<{ id: string; name: string; sameName: boolean } | null> {
  const [row] = await q.query<{ id: string; name: string; same_name: boolean }>(
    `SELECT id::text AS id, name, lower(name) = lower($1) AS same_name FROM runner_groups
     WHERE deleted_at IS NULL AND (lower(name) = lower($1) OR slug = $2) AND ($3::uuid IS NULL OR id <> $3::uuid)
     ORDER BY lower(name) = lower($1) DESC LIMIT 1`,
    [name, slug, exceptId ?? null],
  );
  return row ? { id: row.id, name: row.name, sameName: row.same_name } : null;
}

export async function countLiveGroups(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM runner_groups WHERE deleted_at IS NULL');
  return row!.n;
}

export async function insertGroup(
  q: Queryable,
  g: { id: string; name: string; slug: string; isDefault: boolean; keyHash: string; keyPrefix: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO runner_groups (id, name, slug, is_default, key_hash, key_prefix, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
    [g.id, g.name, g.slug, g.isDefault, g.keyHash, g.keyPrefix, g.at],
  );
}

/** Makes one group the default and every other one not. */
export async function setDefaultGroup(q: Queryable, id: string, at: Date): Promise<string[]> {
  const cleared = await q.query<{ id: string }>(
    'UPDATE runner_groups SET is_default = false, updated_at = $2 WHERE is_default AND deleted_at IS NULL AND id <> $1 RETURNING id::text AS id',
    [id, at],
  );
  await q.query('UPDATE runner_groups SET is_default = true, updated_at = $2 WHERE id = $1', [id, at]);
  return cleared.map((r) => r.id);
}

export async function renameGroup(q: Queryable, id: string, name: string, slug: string, at: Date): Promise<void> {
  await q.query('UPDATE runner_groups SET name = $2, slug = $3, updated_at = $4 WHERE id = $1', [id, name, slug, at]);
}

/** The version the group's latest update asked for. */
export async function setDesiredVersion(q: Queryable, id: string, version: string): Promise<void> {
  await q.query('UPDATE runner_groups SET desired_version = $2 WHERE id = $1', [id, version]);
}

export async function setGroupKey(q: Queryable, id: string, keyHash: string, prefix: string, at: Date): Promise<void> {
  await q.query('UPDATE runner_groups SET key_hash = $2, key_prefix = $3, updated_at = $4 WHERE id = $1', [id, keyHash, prefix, at]);
}

/** Soft-deletes a group; when it was the default, the oldest remaining group becomes the default. */
export async function softDeleteGroup(q: Queryable, id: string, at: Date): Promise<string | null> {
  const [row] = await q.query<{ is_default: boolean }>('SELECT is_default FROM runner_groups WHERE id = $1', [id]);
  await q.query('UPDATE runner_groups SET deleted_at = $2, is_default = false, updated_at = $2 WHERE id = $1', [id, at]);
  if (!row?.is_default) return null;
  const [next] = await q.query<{ id: string }>(
    `UPDATE runner_groups SET is_default = true, updated_at = $1
     WHERE id = (SELECT id FROM runner_groups WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 1) RETURNING id::text AS id`,
    [at],
  );
  return next?.id ?? null;
}

export async function markFirstRegistration(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query('UPDATE runner_groups SET first_registered_at = $2 WHERE id = $1 AND first_registered_at IS NULL', [id, at]);
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
