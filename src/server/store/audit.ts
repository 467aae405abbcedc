import type { AuditEvent, AuditGroup, AuditPage } from '../../contract';
import type { Queryable } from './db';
import { publish, publishMany } from './events';

/** Records who did what to which group. */
export async function recordAudit(
  q: Queryable,
  entry: { at: Date; actor: string; action: string; group: { id: string; name: string } | null; detail?: Record<string, unknown> },
): Promise<void> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO audit_events (at, actor, action, group_id, group_name, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id',
    [entry.at, entry.actor, entry.action, entry.group?.id ?? null, entry.group?.name ?? null, JSON.stringify(entry.detail ?? {})],
  );
  // Its own live event, so an open Activity page refetches for new entries only (not for every heartbeat-driven group change).
  await publish(q, entry.at, { kind: 'audit', op: 'upsert', groupId: entry.group?.id ?? '', entityId: row!.id });
}

/**
 * Records many entries in one statement (the sweeper ending a batch of instances as lost), with one
 * live event per group named: the Activity page refetches once per event anyway.
 */
export async function recordAudits(
  q: Queryable,
  entries: Array<{ at: Date; actor: string; action: string; group: { id: string; name: string } | null; detail?: Record<string, unknown> }>,
): Promise<void> {
  if (entries.length === 0) return;
  const rows = await q.query<{ id: string; group_id: string | null }>(
    `INSERT INTO audit_events (at, actor, action, group_id, group_name, detail)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[])
     RETURNING id::text AS id, group_id::text AS group_id`,
    [
      entries.map((e) => e.at.toISOString()),
      entries.map((e) => e.actor),
      entries.map((e) => e.action),
      entries.map((e) => e.group?.id ?? null),
      entries.map((e) => e.group?.name ?? null),
      entries.map((e) => JSON.stringify(e.detail ?? {})),
    ],
  );
  const lastByGroup = new Map<string, string>();
  for (const r of rows) lastByGroup.set(r.group_id ?? '', r.id);
  await publishMany(
    q,
    entries[0]!.at,
    [...lastByGroup].map(([groupId, id]) => ({ kind: 'audit', op: 'upsert', groupId, entityId: id })),
  );
}

/** One page of the audit log, newest first; the cursor is the last id seen. */
export async function listAudit(
  q: Queryable,
  filter: { groupId?: string; group?: string; actor?: string; cursor?: string; limit: number },
): Promise<AuditPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.groupId) {
    params.push(filter.groupId);
    where.push(`group_id::text = $${params.length}`);
  }
  if (filter.group) {
    params.push(filter.group);
    where.push(`(group_id::text = $${params.length} OR lower(group_name) = lower($${params.length}))`);
  }
  if (filter.actor) {
    // Usernames are unique ignoring case (users_username_ci), so "ADMIN" is admin; what a user did
    // with an API token ("admin (token ci)") is theirs too (usernames hold no spaces).
    params.push(filter.actor);
    const n = params.length;
    where.push(`(lower(actor) = lower($${n}) OR left(lower(actor), length($${n}) + 8) = lower($${n}) || ' (token ')`);
  }
  if (filter.cursor) {
    params.push(filter.cursor);
    where.push(`audit_events.id < $${params.length}::bigint`);
  }
  params.push(filter.limit + 1);
  const rows = await q.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    group_id: string | null;
    group_name: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT id::text AS id, at, actor, action, group_id::text AS group_id, group_name, detail FROM audit_events
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_events.id DESC LIMIT $${params.length}`,
    params,
  );
  const items: AuditEvent[] = rows.slice(0, filter.limit).map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    groupId: r.group_id,
    groupName: r.group_name,
    detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : (r.detail ?? {}),
  }));
  return { items, nextCursor: rows.length > filter.limit ? (items[items.length - 1]?.id ?? null) : null };
}

/**
 * Every group the audit log names, deleted ones included, for the Activity page's group filter:
 * its current name, or for a deleted group the name it had last.
 */
export async function listAuditGroups(q: Queryable): Promise<AuditGroup[]> {
  const rows = await q.query<{ id: string; name: string; deleted: boolean }>(
    `SELECT a.group_id::text AS id, coalesce(g.name, a.group_name, a.group_id::text) AS name,
       (g.id IS NULL OR g.deleted_at IS NOT NULL) AS deleted
     FROM (SELECT DISTINCT ON (group_id) group_id, group_name FROM audit_events WHERE group_id IS NOT NULL ORDER BY group_id, id DESC) a
     LEFT JOIN runner_groups g ON g.id = a.group_id
     ORDER BY deleted, lower(coalesce(g.name, a.group_name, a.group_id::text)), a.group_id`,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, deleted: r.deleted }));
}

/**
 * Deletes up to `limit` audit entries older than the retention window, oldest first; returns how many.
 * Like the event log it looks at the oldest `limit` ids only, so a batch costs the same at any size.
 */
export async function pruneAudit(q: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await q.query(
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT $2) AND at < $1 RETURNING 1 AS deleted',
    [before, limit],
  );
  return rows.length;
}
