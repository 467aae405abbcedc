import type { LiveEvent } from '../../contract';
import type { Queryable } from './db';

/** The NOTIFY channel every replica LISTENs on. */
export const eventsChannel = 'paddock_events';

/** A live event as stored, with its id (the SSE `id:`). */
export type StoredEvent = LiveEvent & { id: string };

/** Records a change and NOTIFYs every replica (delivered when the surrounding transaction commits). */
export async function publish(q: Queryable, at: Date, event: LiveEvent): Promise<void> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO events (at, kind, op, group_id, entity_id) VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id',
    [at, event.kind, event.op, event.groupId, event.entityId],
  );
  await q.query('SELECT pg_notify($1, $2)', [eventsChannel, JSON.stringify({ id: row!.id, ...event })]);
}

/** Records many changes in one statement and NOTIFYs each (a batch of forgotten or lost instances). */
export async function publishMany(q: Queryable, at: Date, events: LiveEvent[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `WITH stored AS (
       INSERT INTO events (at, kind, op, group_id, entity_id)
       SELECT $1::timestamptz, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       RETURNING id, kind, op, group_id, entity_id
     )
     SELECT pg_notify($6, json_build_object('id', id::text, 'kind', kind, 'op', op, 'groupId', group_id, 'entityId', entity_id)::text)
     FROM stored ORDER BY id`,
    [at, events.map((e) => e.kind), events.map((e) => e.op), events.map((e) => e.groupId), events.map((e) => e.entityId), eventsChannel],
  );
}

/** Events after an id, oldest first (for `Last-Event-ID` replay). */
export async function eventsAfter(q: Queryable, afterId: string, limit = 5000): Promise<StoredEvent[]> {
  const rows = await q.query<{ id: string; kind: LiveEvent['kind']; op: LiveEvent['op']; group_id: string; entity_id: string }>(
    'SELECT id::text AS id, kind, op, group_id, entity_id FROM events WHERE id > $1::bigint ORDER BY events.id LIMIT $2',
    [afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, op: r.op, groupId: r.group_id, entityId: r.entity_id }));
}

/**
 * Drops up to `limit` events older than a time (clients further behind than that reload everything);
 * returns how many. It looks at the oldest `limit` ids only (ids grow with time), so a batch costs the
 * same however long the log is.
 */
export async function pruneEvents(q: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await q.query(
    'DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT $2) AND at < $1 RETURNING 1 AS deleted',
    [before, limit],
  );
  return rows.length;
}
