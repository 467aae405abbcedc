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
  -- Not ended, said as the two statuses: instances_group_status then reads only those, not the ended ones kept for a week.
  FROM instances i WHERE i.group_id = g.id AND i.status IN ('connected', 'disconnected')
) a ON true`;

/** A group as its answer needs it: the summary, plus what its health is decided from (PRODUCT.md §2). */
export interface GroupSummaryRow extends GroupRow {
  disconnected_count: number;
  /** Ends of the last 24 h by cause (null when none). */
  ends_day: Record<string, number> | null;
  /** Ends of the last hour by cause (null when none). */
  ends_hour: Record<string, number> | null;
  /** The newest finished update (all null when none has finished). */
  last_update_id: string | null;
  last_update_state: 'succeeded' | 'rolled_back' | null;
  last_update_target_version: string | null;
  last_update_from_versions: string[] | string | null;
  last_update_requested_by: string | null;
  last_update_requested_at: Date | null;
  last_update_deadline_at: Date | null;
  last_update_finished_at: Date | null;
  last_update_reason: string | null;
}

/**
 * Live groups (all, or those of `ids`) with their counts, versions and health inputs, by name: one
 * statement whatever the number of groups. Each group costs three index lookups — its instances not
 * ended (instances_group_status, by the two statuses so that the ended ones kept for a week are not
 * read), its ends since `now` − 24 h (instances_group_ended, which carries the cause: where the heap
 * pages are all-visible, as those of runners that ended mostly are, the count reads the index alone)
 * and its newest finished update (updates_group_requested).
 */
export async function groupSummaries(
  q: Queryable,
  now: Date,
  ids?: string[],
  page: { limit: number | null; after: string | null } = { limit: null, after: null },
): Promise<GroupSummaryRow[]> {
  const day = new Date(now.getTime() - 24 * 3600 * 1000);
  const hour = new Date(now.getTime() - 3600 * 1000);
  const only = ids ? ids.filter(isUuid) : null;
  if (only && only.length === 0) return [];
  const params: unknown[] = [day, hour];
  let where = '';
  if (only) {
    params.push(only);
    where += ` AND g.id = ANY($${params.length}::uuid[])`;
  }
  // Live names are unique ignoring case, so lower(name) alone marks where a page ends.
  if (page.after !== null) {
    params.push(page.after);
    where += ` AND lower(g.name) > $${params.length}`;
  }
  return q.query<GroupSummaryRow>(
    `SELECT g.id::text AS id, g.name, g.is_default, g.key_prefix, g.desired_version, g.first_registered_at,
       g.created_at, g.updated_at, g.deleted_at,
       coalesce(a.connected_count, 0) AS connected_count, coalesce(a.instance_count, 0) AS instance_count,
       coalesce(a.disconnected_count, 0) AS disconnected_count, a.versions,
       e.ends_day, e.ends_hour,
       lu.id::text AS last_update_id, lu.state AS last_update_state, lu.target_version AS last_update_target_version,
       lu.from_versions AS last_update_from_versions, lu.requested_by AS last_update_requested_by,
       lu.requested_at AS last_update_requested_at, lu.deadline_at AS last_update_deadline_at,
       lu.finished_at AS last_update_finished_at, lu.reason AS last_update_reason
     FROM runner_groups g
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE i.status = 'connected')::int AS connected_count,
              count(*) FILTER (WHERE i.status = 'disconnected')::int AS disconnected_count,
              count(*)::int AS instance_count,
              coalesce(array_agg(DISTINCT i.version) FILTER (WHERE i.status = 'connected'), array_agg(DISTINCT i.version)) AS versions
       FROM instances i WHERE i.group_id = g.id AND i.status IN ('connected', 'disconnected')
     ) a ON true
     LEFT JOIN LATERAL (
       SELECT jsonb_object_agg(c.cause, c.day) AS ends_day, jsonb_object_agg(c.cause, c.hour) FILTER (WHERE c.hour > 0) AS ends_hour
       FROM (
         SELECT t.term_cause AS cause, count(*)::int AS day, count(*) FILTER (WHERE t.term_at > $2)::int AS hour
         FROM instances t WHERE t.group_id = g.id AND t.status = 'terminated' AND t.term_at > $1 AND t.term_cause IS NOT NULL
         GROUP BY t.term_cause
       ) c
     ) e ON true
     LEFT JOIN LATERAL (
       SELECT u.* FROM updates u WHERE u.group_id = g.id AND u.state <> 'in_progress'
       ORDER BY u.requested_at DESC, u.id DESC LIMIT 1
     ) lu ON true
     WHERE g.deleted_at IS NULL${where}
     ORDER BY lower(g.name), g.id ${page.limit ? `LIMIT ${Number(page.limit)}` : ''}`,
    params,
  );
}

/** Live groups with their instance counts and versions, by name. */
export async function listGroups(q: Queryable): Promise<GroupRow[]> {
  return q.query<GroupRow>(`${summary} WHERE g.deleted_at IS NULL ORDER BY lower(g.name)`);
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
