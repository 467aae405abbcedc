import type { NotificationEventType, TerminationCause } from '../../contract';
import type { Queryable } from './db';

/** A channel as stored; `secret` and `url` are read only by the dispatcher and the channel's own routes. */
export interface ChannelRow {
  id: string;
  name: string;
  type: 'webhook' | 'slack' | 'email';
  url: string | null;
  recipients: string[] | null;
  secret: string | null;
  events: NotificationEventType[];
  group_ids: string[] | null;
  causes: TerminationCause[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const channelColumns = `c.id::text AS id, c.name, c.type, c.url, c.recipients, c.secret, c.events, c.group_ids, c.causes,
  c.enabled, c.disabled_reason, c.created_at, c.updated_at`;

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function parseChannel(r: ChannelRow): ChannelRow {
  return { ...r, recipients: json(r.recipients), events: json(r.events)!, group_ids: json(r.group_ids), causes: json(r.causes) };
}

export async function listChannels(q: Queryable, options: { enabledOnly?: boolean } = {}): Promise<ChannelRow[]> {
  const rows = await q.query<ChannelRow>(
    `SELECT ${channelColumns} FROM notification_channels c ${options.enabledOnly ? 'WHERE c.enabled' : ''} ORDER BY lower(c.name), c.id`,
  );
  return rows.map(parseChannel);
}

export async function findChannel(q: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<ChannelRow | null> {
  const [row] = await q.query<ChannelRow>(
    `SELECT ${channelColumns} FROM notification_channels c WHERE c.id::text = $1 ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row ? parseChannel(row) : null;
}

export async function channelNameTaken(q: Queryable, name: string, exceptId?: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM notification_channels WHERE lower(name) = lower($1) AND ($2::uuid IS NULL OR id <> $2::uuid)', [
    name,
    exceptId ?? null,
  ]);
  return rows.length > 0;
}

export async function insertChannel(q: Queryable, c: Omit<ChannelRow, 'created_at' | 'updated_at' | 'disabled_reason'> & { at: Date }): Promise<void> {
  await q.query(
    `INSERT INTO notification_channels (id, name, type, url, recipients, secret, events, group_ids, causes, enabled, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [
      c.id,
      c.name,
      c.type,
      c.url,
      c.recipients === null ? null : JSON.stringify(c.recipients),
      c.secret,
      JSON.stringify(c.events),
      c.group_ids === null ? null : JSON.stringify(c.group_ids),
      c.causes === null ? null : JSON.stringify(c.causes),
      c.enabled,
      c.at,
    ],
  );
}

/** Writes a channel's changeable fields; re-enabling clears why it was disabled. */
export async function updateChannel(
  q: Queryable,
  id: string,
  c: Pick<ChannelRow, 'name' | 'url' | 'recipients' | 'events' | 'group_ids' | 'causes' | 'enabled' | 'disabled_reason'>,
  at: Date,
): Promise<void> {
  await q.query(
    `UPDATE notification_channels SET name = $2, url = $3, recipients = $4, events = $5, group_ids = $6, causes = $7,
       enabled = $8, disabled_reason = $9, updated_at = $10 WHERE id = $1`,
    [
      id,
      c.name,
      c.url,
      c.recipients === null ? null : JSON.stringify(c.recipients),
      JSON.stringify(c.events),
      c.group_ids === null ? null : JSON.stringify(c.group_ids),
      c.causes === null ? null : JSON.stringify(c.causes),
      c.enabled,
      c.disabled_reason,
      at,
    ],
  );
}

export async function deleteChannel(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM notification_channels WHERE id = $1', [id]);
}

/** Turns a channel off for a reason (410 from its receiver); answers whether it was on. */
export async function disableChannel(q: Queryable, id: string, reason: string, at: Date): Promise<boolean> {
  const rows = await q.query('UPDATE notification_channels SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled RETURNING id', [
    id,
    reason,
    at,
  ]);
  return rows.length === 1;
}

/** Pending deliveries of a channel that was turned off are not sent later: cancelled. */
export async function cancelPendingDeliveries(q: Queryable, channelId: string, at: Date): Promise<void> {
  await q.query(
    `UPDATE notification_deliveries SET state = 'cancelled', finished_at = $2, claimed_until = NULL WHERE channel_id = $1 AND state = 'pending'`,
    [channelId, at],
  );
}

/** Which groups exist (not deleted) among some ids. */
export async function liveGroupIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  const rows = await q.query<{ id: string }>(
    'SELECT id::text AS id FROM runner_groups WHERE deleted_at IS NULL AND id::text = ANY($1::text[])',
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

// ---- the outbox ----

/**
 * Records an event and one pending delivery per channel, in the caller's transaction, and NOTIFYs
 * `wake` with its id (delivered at commit) so every replica's dispatcher starts at once.
 */
export async function insertEvent(
  q: Queryable,
  e: { id: string; type: string; groupId: string | null; at: Date; payload: unknown; channelIds: string[] },
  wake: string,
): Promise<void> {
  await q.query('INSERT INTO notification_events (id, type, group_id, at, payload) VALUES ($1, $2, $3, $4, $5)', [
    e.id,
    e.type,
    e.groupId,
    e.at,
    JSON.stringify(e.payload),
  ]);
  await q.query(
    `INSERT INTO notification_deliveries (event_id, channel_id, state, attempts, next_attempt_at, created_at)
     SELECT $1, unnest($2::uuid[]), 'pending', 0, $3, $3`,
    [e.id, e.channelIds, e.at],
  );
  await q.query('SELECT pg_notify($1, $2)', [wake, e.id]);
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  created_at: Date;
  channel: ChannelRow;
}

/**
 * Claims up to `limit` due deliveries of enabled channels until `leaseUntil`. Rows another replica
 * holds are skipped (FOR UPDATE SKIP LOCKED); a claim whose holder died runs out and is taken again.
 */
export async function claimDue(q: Queryable, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  const rows = await q.query<{ delivery_id: string; event_id: string; event_type: string; payload: unknown; attempts: number; delivery_created_at: Date } & ChannelRow>(
    `WITH due AS (
       SELECT d.id FROM notification_deliveries d JOIN notification_channels ch ON ch.id = d.channel_id
       WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1) AND ch.enabled
       ORDER BY d.next_attempt_at, d.id LIMIT $3
       FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE notification_deliveries d SET claimed_until = $2, attempts = d.attempts + 1
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.event_id, d.channel_id, d.attempts, d.created_at
     )
     SELECT claimed.id::text AS delivery_id, claimed.event_id::text AS event_id, e.type AS event_type, e.payload, claimed.attempts,
       claimed.created_at AS delivery_created_at, ${channelColumns}
     FROM claimed JOIN notification_events e ON e.id = claimed.event_id JOIN notification_channels c ON c.id = claimed.channel_id
     ORDER BY claimed.id`,
    [now, leaseUntil, limit],
  );
  return rows.map((r) => ({
    id: r.delivery_id,
    event_id: r.event_id,
    event_type: r.event_type,
    payload: json(r.payload as string),
    attempts: r.attempts,
    created_at: r.delivery_created_at,
    channel: parseChannel(r),
  }));
}

/**
 * Ends a claimed attempt: delivered, failed for good, or due again at `nextAttemptAt`. Only while
 * the claim is still ours (same attempt count, still pending): answers false when it is not.
 */
export async function settleDelivery(
  q: Queryable,
  d: { id: string; attempts: number; state: 'pending' | 'delivered' | 'failed'; nextAttemptAt: Date | null; at: Date },
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE notification_deliveries SET state = $3, next_attempt_at = coalesce($4, next_attempt_at), claimed_until = NULL,
       finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $5::timestamptz END
     WHERE id = $1::bigint AND attempts = $2 AND state = 'pending' RETURNING id`,
    [d.id, d.attempts, d.state, d.nextAttemptAt, d.at],
  );
  return rows.length === 1;
}

/** Extends a claim still ours (same attempt count, still pending) to `until`: the send is under way. */
export async function renewClaim(q: Queryable, id: string, attempts: number, until: Date): Promise<void> {
  await q.query(`UPDATE notification_deliveries SET claimed_until = $3 WHERE id = $1::bigint AND attempts = $2 AND state = 'pending'`, [
    id,
    attempts,
    until,
  ]);
}

/** Gives a claim back untried (shutdown in the middle of a send): it is due again at once. */
export async function releaseClaim(q: Queryable, id: string, attempts: number): Promise<void> {
  await q.query(
    `UPDATE notification_deliveries SET claimed_until = NULL, attempts = attempts - 1 WHERE id = $1::bigint AND attempts = $2 AND state = 'pending'`,
    [id, attempts],
  );
}

export interface AttemptRow {
  id: string;
  channel_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  at: Date;
  status: 'delivered' | 'failed';
  response_status: number | null;
  latency_ms: number;
  error: string | null;
  next_attempt_at: Date | null;
}

const attemptColumns = `a.id::text AS id, a.channel_id::text AS channel_id, a.event_id, a.event_type, a.attempt, a.at, a.status,
  a.response_status, a.latency_ms, a.error, a.next_attempt_at`;

export async function insertAttempt(q: Queryable, a: Omit<AttemptRow, 'id'>): Promise<AttemptRow> {
  const [row] = await q.query<AttemptRow>(
    `INSERT INTO notification_attempts AS a (channel_id, event_id, event_type, attempt, at, status, response_status, latency_ms, error, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${attemptColumns}`,
    [a.channel_id, a.event_id, a.event_type, a.attempt, a.at, a.status, a.response_status, a.latency_ms, a.error, a.next_attempt_at],
  );
  return row!;
}

/** A channel's delivery log, newest first. */
export async function listAttempts(q: Queryable, channelId: string, limit: number): Promise<AttemptRow[]> {
  return q.query<AttemptRow>(`SELECT ${attemptColumns} FROM notification_attempts a WHERE a.channel_id = $1 ORDER BY a.id DESC LIMIT $2`, [
    channelId,
    limit,
  ]);
}

/** The newest attempt of each channel. */
export async function lastAttempts(q: Queryable): Promise<Map<string, AttemptRow>> {
  const rows = await q.query<AttemptRow>(
    `SELECT DISTINCT ON (a.channel_id) ${attemptColumns} FROM notification_attempts a ORDER BY a.channel_id, a.id DESC`,
  );
  return new Map(rows.map((r) => [r.channel_id, r]));
}

/** Drops finished events and attempts older than a time. */
export async function pruneNotifications(q: Queryable, before: Date): Promise<void> {
  await q.query(
    `DELETE FROM notification_events e WHERE e.at < $1
       AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')`,
    [before],
  );
  await q.query('DELETE FROM notification_attempts WHERE at < $1', [before]);
  await q.query(
    'DELETE FROM notification_group_state s WHERE NOT EXISTS (SELECT 1 FROM runner_groups g WHERE g.id = s.group_id AND g.deleted_at IS NULL)',
  );
}

// ---- group alerts ----

/** One group as the alert evaluator reads it, with what it remembered last time. */
export interface AlertGroupRow {
  id: string;
  first_registered_at: Date | null;
  connected_count: number;
  disconnected_count: number;
  /** When the newest not-connected instance stopped being connected (its disconnect or its end). */
  last_lost_at: Date | null;
  health: string | null;
  since: Date | null;
  alerted: 'down' | 'degraded' | null;
  alerts_sent: Array<'group.down' | 'group.degraded'> | null;
}

/** The ids of every live group. */
export async function allLiveGroupIds(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ id: string }>('SELECT id::text AS id FROM runner_groups WHERE deleted_at IS NULL ORDER BY id');
  return rows.map((r) => r.id);
}

/** The live groups of `ids` with their counts and remembered alert state. */
export async function alertGroups(q: Queryable, ids: string[]): Promise<AlertGroupRow[]> {
  const rows = await q.query<AlertGroupRow>(
    `SELECT g.id::text AS id, g.first_registered_at,
       coalesce(a.connected_count, 0) AS connected_count, coalesce(a.disconnected_count, 0) AS disconnected_count,
       CASE WHEN coalesce(a.connected_count, 0) = 0 THEN (
         SELECT max(coalesce(i.disconnected_at, i.term_at)) FROM instances i WHERE i.group_id = g.id
       ) ELSE a.last_disconnect END AS last_lost_at,
       s.health, s.since, s.alerted, s.alerts_sent
     FROM runner_groups g
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE i.status = 'connected')::int AS connected_count,
              count(*) FILTER (WHERE i.status = 'disconnected' AND i.term_cause IS NULL)::int AS disconnected_count,
              max(i.disconnected_at) FILTER (WHERE i.status = 'disconnected') AS last_disconnect
       -- Not ended, said as the two statuses: the index then reads only those, not every ended one kept.
       FROM instances i WHERE i.group_id = g.id AND i.status IN ('connected', 'disconnected')
     ) a ON true
     LEFT JOIN notification_group_state s ON s.group_id = g.id
     WHERE g.deleted_at IS NULL AND g.id::text = ANY($1::text[])`,
    [ids],
  );
  return rows.map((r) => ({ ...r, alerts_sent: json<AlertGroupRow['alerts_sent']>(r.alerts_sent) }));
}

/** Groups whose alert may come due by time alone: unhealthy, and the alert for it not yet out. */
export async function groupsAwaitingAlert(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT group_id::text AS id FROM notification_group_state
     WHERE (health = 'down' AND alerted IS DISTINCT FROM 'down') OR (health = 'degraded' AND alerted IS NULL)`,
  );
  return rows.map((r) => r.id);
}

export async function saveAlertState(
  q: Queryable,
  groupId: string,
  s: { health: string; since: Date; alerted: string | null; alertsSent: string[] },
): Promise<void> {
  await q.query(
    `INSERT INTO notification_group_state (group_id, health, since, alerted, alerts_sent) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (group_id) DO UPDATE SET health = $2, since = $3, alerted = $4, alerts_sent = $5`,
    [groupId, s.health, s.since, s.alerted, JSON.stringify(s.alertsSent)],
  );
}

/** An update's facts for a payload. */
export async function updateFacts(
  q: Queryable,
  updateId: string,
): Promise<{ id: string; state: string; target_version: string; from_versions: string[]; requested_by: string; requested_at: Date; finished_at: Date | null; reason: string | null } | null> {
  const [row] = await q.query<{
    id: string;
    state: string;
    target_version: string;
    from_versions: string[] | string;
    requested_by: string;
    requested_at: Date;
    finished_at: Date | null;
    reason: string | null;
  }>(
    `SELECT id::text AS id, state, target_version, from_versions, requested_by, requested_at, finished_at, reason FROM updates WHERE id::text = $1`,
    [updateId],
  );
  return row ? { ...row, from_versions: json<string[]>(row.from_versions) ?? [] } : null;
}

/** Groups named by live events after an id, and the newest id seen (the alert evaluator's cursor). */
export async function groupsChangedSince(q: Queryable, afterId: string): Promise<{ ids: string[]; lastId: string }> {
  const rows = await q.query<{ group_id: string; last_id: string }>(
    `SELECT group_id, max(id)::text AS last_id FROM events
     WHERE id > $1::bigint AND kind IN ('group', 'instance', 'update') AND group_id <> '' GROUP BY group_id`,
    [afterId],
  );
  let lastId = afterId;
  for (const r of rows) if (BigInt(r.last_id) > BigInt(lastId)) lastId = r.last_id;
  return { ids: rows.map((r) => r.group_id), lastId };
}

/** The newest live event id (where a fresh evaluator starts reading). */
export async function newestEventId(q: Queryable): Promise<string> {
  const [row] = await q.query<{ id: string | null }>('SELECT max(id)::text AS id FROM events');
  return row?.id ?? '0';
}
