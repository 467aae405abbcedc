import type { Update, UpdateInstanceState } from '../../contract';
import type { Queryable } from './db';

export interface UpdateRow {
  id: string;
  group_id: string;
  state: Update['state'];
  target_version: string;
  from_versions: string[];
  requested_by: string;
  requested_at: Date;
  deadline_at: Date;
  finished_at: Date | null;
  reason: string | null;
  connected_at_request: number;
}

export interface UpdateInstanceRow {
  update_id: string;
  instance_id: string;
  name: string;
  from_version: string;
  version: string;
  state: UpdateInstanceState;
}

const updateColumns = `u.id::text AS id, u.group_id::text AS group_id, u.state, u.target_version, u.from_versions,
  u.requested_by, u.requested_at, u.deadline_at, u.finished_at, u.reason, u.connected_at_request`;

function parse(row: UpdateRow): UpdateRow {
  return { ...row, from_versions: typeof row.from_versions === 'string' ? JSON.parse(row.from_versions) : row.from_versions };
}

export async function insertUpdate(
  q: Queryable,
  u: Omit<UpdateRow, 'state' | 'finished_at' | 'reason'>,
  rows: Array<Omit<UpdateInstanceRow, 'update_id'>>,
): Promise<void> {
  await q.query(
    `INSERT INTO updates (id, group_id, state, target_version, from_versions, requested_by, requested_at, deadline_at, connected_at_request)
     VALUES ($1, $2, 'in_progress', $3, $4, $5, $6, $7, $8)`,
    [u.id, u.group_id, u.target_version, JSON.stringify(u.from_versions), u.requested_by, u.requested_at, u.deadline_at, u.connected_at_request],
  );
  let position = 0;
  for (const r of rows) {
    await q.query(
      `INSERT INTO update_instances (update_id, instance_id, name, from_version, version, state, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [u.id, r.instance_id, r.name, r.from_version, r.version, r.state, position++],
    );
  }
}

export async function findActiveUpdate(q: Queryable, groupId: string): Promise<UpdateRow | null> {
  const [row] = await q.query<UpdateRow>(`SELECT ${updateColumns} FROM updates u WHERE u.group_id = $1 AND u.state = 'in_progress'`, [
    groupId,
  ]);
  return row ? parse(row) : null;
}

/** The group's newest update, whatever its state. */
export async function findLatestUpdate(q: Queryable, groupId: string): Promise<UpdateRow | null> {
  const [row] = await q.query<UpdateRow>(
    `SELECT ${updateColumns} FROM updates u WHERE u.group_id = $1 ORDER BY u.requested_at DESC, u.id DESC LIMIT 1`,
    [groupId],
  );
  return row ? parse(row) : null;
}

export async function listUpdates(q: Queryable, groupId: string, limit = 50): Promise<UpdateRow[]> {
  const rows = await q.query<UpdateRow>(
    `SELECT ${updateColumns} FROM updates u WHERE u.group_id = $1 ORDER BY u.requested_at DESC, u.id DESC LIMIT $2`,
    [groupId, limit],
  );
  return rows.map(parse);
}

export async function activeUpdates(q: Queryable, groupIds?: string[]): Promise<UpdateRow[]> {
  const rows = await q.query<UpdateRow>(
    `SELECT ${updateColumns} FROM updates u WHERE u.state = 'in_progress' ${groupIds ? 'AND u.group_id::text = ANY($1::text[])' : ''}`,
    groupIds ? [groupIds] : [],
  );
  return rows.map(parse);
}

export async function updateInstanceRows(q: Queryable, updateIds: string[]): Promise<UpdateInstanceRow[]> {
  if (updateIds.length === 0) return [];
  return q.query<UpdateInstanceRow>(
    `SELECT update_id::text AS update_id, instance_id::text AS instance_id, name, from_version, version, state
     FROM update_instances WHERE update_id::text = ANY($1::text[]) ORDER BY position, instance_id`,
    [updateIds],
  );
}

/** Ends an in-progress update; false when it had already ended (another replica got there first). */
export async function finishUpdate(
  q: Queryable,
  id: string,
  state: 'succeeded' | 'rolled_back',
  at: Date,
  reason: string | null,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE updates SET state = $2, finished_at = $3, reason = $4 WHERE id = $1 AND state = 'in_progress' RETURNING id`,
    [id, state, at, reason],
  );
  if (rows.length === 1 && state === 'rolled_back') {
    await q.query(`UPDATE update_instances SET state = 'rolled_back' WHERE update_id = $1 AND state IN ('pending', 'updating')`, [id]);
  }
  return rows.length === 1;
}

/**
 * Marks the group's in-progress update rolled back, leaving its per-instance rows as they were: for
 * a group being deleted, whose runners are cut off anyway.
 */
export async function abandonActiveUpdate(q: Queryable, groupId: string, at: Date, reason: string): Promise<void> {
  await q.query(`UPDATE updates SET state = 'rolled_back', finished_at = $2, reason = $3 WHERE group_id = $1 AND state = 'in_progress'`, [
    groupId,
    at,
    reason,
  ]);
}

/** The group an update belongs to, or null for an unknown update. */
export async function findUpdateGroupId(q: Queryable, updateId: string): Promise<string | null> {
  const [row] = await q.query<{ group_id: string }>('SELECT group_id::text AS group_id FROM updates WHERE id = $1', [updateId]);
  return row?.group_id ?? null;
}

/** Updates of live groups, counted by state (for /metrics). */
export async function countUpdatesByState(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ state: string; n: number }>(
    `SELECT u.state, count(*)::int AS n FROM updates u JOIN runner_groups g ON g.id = u.group_id
     WHERE g.deleted_at IS NULL GROUP BY u.state`,
  );
  return new Map(rows.map((r) => [r.state, r.n]));
}

export async function setUpdateInstance(
  q: Queryable,
  updateId: string,
  instanceId: string,
  patch: { state?: UpdateInstanceState; version?: string; name?: string; newInstanceId?: string },
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE update_instances SET state = coalesce($3, state), version = coalesce($4, version), name = coalesce($5, name),
       instance_id = coalesce($6::uuid, instance_id)
     WHERE update_id = $1 AND instance_id = $2 RETURNING instance_id`,
    [updateId, instanceId, patch.state ?? null, patch.version ?? null, patch.name ?? null, patch.newInstanceId ?? null],
  );
  return rows.length === 1;
}

export async function addUpdateInstance(q: Queryable, updateId: string, r: Omit<UpdateInstanceRow, 'update_id'>): Promise<void> {
  await q.query(
    `INSERT INTO update_instances (update_id, instance_id, name, from_version, version, state, position)
     VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(position), -1) + 1 FROM update_instances WHERE update_id = $1))
     ON CONFLICT (update_id, instance_id) DO NOTHING`,
    [updateId, r.instance_id, r.name, r.from_version, r.version, r.state],
  );
}

export async function findIdempotent(
  q: Queryable,
  actor: string,
  scope: string,
  key: string,
): Promise<{ status: number; body: unknown } | null> {
  const [row] = await q.query<{ status: number; body: unknown }>(
    'SELECT status, body FROM idempotency_keys WHERE actor = $1 AND scope = $2 AND key = $3',
    [actor, scope, key],
  );
  return row ? { status: row.status, body: typeof row.body === 'string' ? JSON.parse(row.body) : row.body } : null;
}

export async function saveIdempotent(
  q: Queryable,
  entry: { actor: string; scope: string; key: string; status: number; body: unknown; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO idempotency_keys (actor, scope, key, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [entry.actor, entry.scope, entry.key, entry.status, JSON.stringify(entry.body), entry.at],
  );
}

export async function pruneIdempotency(q: Queryable, before: Date): Promise<void> {
  await q.query('DELETE FROM idempotency_keys WHERE created_at < $1', [before]);
}
