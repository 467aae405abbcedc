import type { Platform, ReportedRunnerError } from '../../contract';
import type { Queryable } from './db';
import { isUuid } from './groups';

export interface InstanceRow {
  id: string;
  group_id: string;
  name: string;
  platform: Platform;
  hostname: string;
  address: string;
  os: string;
  arch: string;
  version: string;
  status: 'connected' | 'disconnected' | 'terminated';
  started_at: Date;
  last_heartbeat_at: Date;
  heartbeats_on_version: number;
  disconnected_at: Date | null;
  last_error: ReportedRunnerError | null;
  term_exit_code: number | null;
  term_signal: number | null;
  term_reason: string | null;
  term_at: Date | null;
  term_cause: string | null;
  /** Who recorded the end when not the runner ('reconciler', 'server' for lost); added by migration 9. */
  term_observed_by?: string | null;
  replaced_by: string | null;
  update_started_id: string | null;
  stop_requested_at: Date | null;
}

const instanceColumns = `i.id::text AS id, i.group_id::text AS group_id, i.name, i.platform, i.hostname, i.address,
  i.os, i.arch, i.version, i.status, i.started_at, i.last_heartbeat_at, i.heartbeats_on_version, i.disconnected_at,
  i.last_error, i.term_exit_code, i.term_signal, i.term_reason, i.term_at, i.term_cause, i.term_observed_by, i.replaced_by::text AS replaced_by,
  i.update_started_id::text AS update_started_id, i.stop_requested_at`;

/** An instance found by its token, with its group's name and whether the group is deleted. */
export type TokenInstance = InstanceRow & { group_deleted: boolean; group_name: string };

export async function findInstanceByToken(q: Queryable, tokenHash: string): Promise<TokenInstance | null> {
  const [row] = await q.query<TokenInstance>(
    `SELECT ${instanceColumns}, g.deleted_at IS NOT NULL AS group_deleted, g.name AS group_name
     FROM instances i JOIN runner_groups g ON g.id = i.group_id WHERE i.token_hash = $1`,
    [tokenHash],
  );
  return row ?? null;
}

/** An instance of a group found by its id (what `replaces` names), with whether its group is deleted. */
export async function findInstanceInGroup(q: Queryable, id: string, groupId: string): Promise<TokenInstance | null> {
  const [row] = await q.query<TokenInstance>(
    `SELECT ${instanceColumns}, g.deleted_at IS NOT NULL AS group_deleted, g.name AS group_name
     FROM instances i JOIN runner_groups g ON g.id = i.group_id WHERE i.id::text = $1 AND i.group_id = $2`,
    [id, groupId],
  );
  return row ?? null;
}

/** One instance of a group by id; null for an unknown id, an id of another group, or a forgotten instance. */
export async function findInstance(q: Queryable, groupId: string, id: string): Promise<InstanceRow | null> {
  if (!isUuid(groupId) || !isUuid(id)) return null;
  const [row] = await q.query<InstanceRow>(`SELECT ${instanceColumns} FROM instances i WHERE i.id = $1 AND i.group_id = $2`, [id, groupId]);
  return row ?? null;
}

/** Where a page of a group's instances starts: after this instance in the list's order. */
export interface InstanceCursor {
  rank: number;
  startedAt: string;
  id: string;
}

const statusRank = `CASE i.status WHEN 'connected' THEN 0 WHEN 'disconnected' THEN 1 ELSE 2 END`;

/** An instance row as the database's JSON gives it: timestamps as ISO text. */
export type InstanceJsonRow = { [K in keyof InstanceRow]: InstanceRow[K] extends Date ? string : InstanceRow[K] extends Date | null ? string | null : InstanceRow[K] };

/**
 * The rows of `select` built by the database as one JSON text and parsed at once, in no particular
 * order. For thousands of rows this is several times cheaper than PGlite's row-by-row protocol, whose
 * decoding runs on the server's own thread (4,000 instances: ≈ 200 ms → ≈ 60 ms), so a big list holds
 * heartbeats up for that much less.
 */
async function rowsAsJson<T>(q: Queryable, select: string, params: unknown[]): Promise<T[]> {
  const [r] = await q.query<{ rows: string | null }>(`SELECT json_agg(x)::text AS rows FROM (${select}) x`, params);
  return r?.rows ? (JSON.parse(r.rows) as T[]) : [];
}

/** A page of a group's instances in the list's order (connected first, newest first) after `after`; sort it with compareInstanceOrder. */
export async function listInstances(q: Queryable, groupId: string, page: { limit: number; after: InstanceCursor | null }): Promise<InstanceJsonRow[]> {
  const a = page.after;
  return rowsAsJson<InstanceJsonRow>(
    q,
    `SELECT ${instanceColumns} FROM instances i WHERE i.group_id = $1
     ${a ? `AND (${statusRank} > $2 OR (${statusRank} = $2 AND (i.started_at < $3 OR (i.started_at = $3 AND i.id > $4::uuid))))` : ''}
     ORDER BY ${statusRank}, i.started_at DESC, i.id
     LIMIT ${Number(page.limit)}`,
    a ? [groupId, a.rank, a.startedAt, a.id] : [groupId],
  );
}

/**
 * Up to `limit` of a group's instances in id order after `afterId`: a whole list is read in such
 * pieces, each its own short query, so heartbeats are answered between them. By id, every instance is
 * read exactly once even when it changes state meanwhile; the caller sorts (compareInstanceOrder).
 */
export async function listInstancesChunk(q: Queryable, groupId: string, afterId: string | null, limit: number): Promise<InstanceJsonRow[]> {
  return rowsAsJson<InstanceJsonRow>(
    q,
    `SELECT ${instanceColumns} FROM instances i WHERE i.group_id = $1 ${afterId ? 'AND i.id > $2::uuid' : ''} ORDER BY i.id LIMIT ${Number(limit)}`,
    afterId ? [groupId, afterId] : [groupId],
  );
}

const rankOf = (status: string) => (status === 'connected' ? 0 : status === 'disconnected' ? 1 : 2);

/**
 * The list's order over answers (connected, then disconnected, then ended; newest first; then id),
 * the same as listInstances' SQL and its cursor: ISO times compare as text, and lower-case UUID text
 * compares as PostgreSQL compares uuids.
 */
export function compareInstanceOrder(a: { status: string; startedAt: string; id: string }, b: { status: string; startedAt: string; id: string }): number {
  return rankOf(a.status) - rankOf(b.status) || (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Where the next page starts: after this instance (an answer) in the list's order. */
export function instanceCursor(view: { status: string; startedAt: string; id: string }): InstanceCursor {
  return { rank: rankOf(view.status), startedAt: view.startedAt, id: view.id };
}

export async function connectedInstances(q: Queryable, groupId: string): Promise<InstanceRow[]> {
  return q.query<InstanceRow>(`SELECT ${instanceColumns} FROM instances i WHERE i.group_id = $1 AND i.status = 'connected' ORDER BY i.name, i.id`, [
    groupId,
  ]);
}

export async function insertInstance(
  q: Queryable,
  i: {
    id: string;
    groupId: string;
    tokenHash: string;
    name: string;
    platform: Platform;
    hostname: string;
    address: string;
    os: string;
    arch: string;
    version: string;
    at: Date;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO instances (id, group_id, token_hash, name, platform, hostname, address, os, arch, version, status,
       started_at, last_heartbeat_at, heartbeats_on_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'connected', $11, $11, 0)`,
    [i.id, i.groupId, i.tokenHash, i.name, i.platform, i.hostname, i.address, i.os, i.arch, i.version, i.at],
  );
}

/** How an instance ended, as stored. */
export interface EndRecord {
  exitCode: number | null;
  signal: number | null;
  reason: string | null;
  at: Date;
  cause: string;
}

/**
 * Records how an instance ended (status terminated). A record, once written, is final (PRODUCT.md
 * §2): an instance that has ended already keeps its record (whoever wrote it: the runner, an update
 * that replaced it, the reconciler or the lost sweep), and false says nothing changed.
 */
export async function terminateInstance(q: Queryable, id: string, t: EndRecord): Promise<boolean> {
  const rows = await q.query(
    `UPDATE instances SET status = 'terminated', term_exit_code = $2, term_signal = $3, term_reason = $4, term_at = $5, term_cause = $6
     WHERE id = $1 AND status <> 'terminated' RETURNING id`,
    [id, t.exitCode, t.signal, t.reason, t.at, t.cause],
  );
  return rows.length === 1;
}

/** Links a replaced instance to the instance that replaced it (its token registers nothing more). */
export async function setReplacedBy(q: Queryable, id: string, replacementId: string): Promise<void> {
  await q.query('UPDATE instances SET replaced_by = $2 WHERE id = $1', [id, replacementId]);
}

/** Remembers that an instance took up an update, so its heartbeat replies stop repeating the command. */
export async function markUpdateStarted(q: Queryable, id: string, updateId: string): Promise<void> {
  await q.query('UPDATE instances SET update_started_id = $2 WHERE id = $1', [id, updateId]);
}

/** Where an observed end applies: an instance of the group by name, and whether it has a record already. */
export type NamedInstance = InstanceRow & { ended: boolean };

/**
 * The group's instance of that name an observed end applies to: the newest one not yet ended (no
 * termination record), else the newest of that name (already ended); null when none has that name.
 * Locked until the transaction ends, so two reports of one end cannot both write it.
 */
export async function findInstanceToEnd(q: Queryable, groupId: string, name: string): Promise<NamedInstance | null> {
  const [row] = await q.query<NamedInstance>(
    `SELECT ${instanceColumns}, (i.term_cause IS NOT NULL OR i.status = 'terminated') AS ended
     FROM instances i WHERE i.group_id = $1 AND i.name = $2
     ORDER BY (i.term_cause IS NOT NULL OR i.status = 'terminated'), i.started_at DESC, i.id DESC LIMIT 1
     FOR UPDATE OF i`,
    [groupId, name],
  );
  return row ?? null;
}

/** Writes an observed end on an instance without a record and answers the row; null when one was written meanwhile (it stays). */
export async function recordObservedEnd(
  q: Queryable,
  id: string,
  t: EndRecord & { observedBy: string },
): Promise<InstanceRow | null> {
  const [row] = await q.query<InstanceRow>(
    `UPDATE instances i SET status = 'terminated', term_exit_code = $2, term_signal = $3, term_reason = $4, term_at = $5,
       term_cause = $6, term_observed_by = $7
     WHERE i.id = $1 AND i.term_cause IS NULL AND i.status <> 'terminated' RETURNING ${instanceColumns}`,
    [id, t.exitCode, t.signal, t.reason, t.at, t.cause, t.observedBy],
  );
  return row ?? null;
}

/**
 * A goodbye that says nothing of how the runner ends: disconnected at once (it may come back).
 * Goodbyes that do say (SIGTERM, a stop that was asked for) end the instance: terminateInstance.
 */
export async function disconnectInstance(q: Queryable, id: string, at: Date): Promise<boolean> {
  const rows = await q.query(
    `UPDATE instances SET status = 'disconnected', disconnected_at = $2 WHERE id = $1 AND status = 'connected' RETURNING id`,
    [id, at],
  );
  return rows.length === 1;
}

/**
 * Asks a connected instance to stop (kept from the first ask); null when it is not connected (or
 * unknown). `first` says this call made the request: of two at once, the second waits for the row
 * and then finds it asked already, so the request is audited once.
 */
export async function requestStop(
  q: Queryable,
  groupId: string,
  id: string,
  at: Date,
): Promise<{ row: InstanceRow; first: boolean } | null> {
  if (!isUuid(groupId) || !isUuid(id)) return null;
  const [asked] = await q.query<InstanceRow>(
    `UPDATE instances i SET stop_requested_at = $3
     WHERE i.id = $1 AND i.group_id = $2 AND i.status = 'connected' AND i.stop_requested_at IS NULL RETURNING ${instanceColumns}`,
    [id, groupId, at],
  );
  if (asked) return { row: asked, first: true };
  const [again] = await q.query<InstanceRow>(
    `SELECT ${instanceColumns} FROM instances i WHERE i.id = $1 AND i.group_id = $2 AND i.status = 'connected' FOR UPDATE`,
    [id, groupId],
  );
  return again ? { row: again, first: false } : null;
}

/** What forgetting removed, for the audit entry and the live events. */
export interface ForgottenInstance {
  id: string;
  name: string;
  status: InstanceRow['status'];
}

/**
 * Removes instance records that are not connected (one by id, or every ended one of the group), and
 * remembers their tokens' hashes so that a runner that comes back is told to stop (410).
 */
export async function forgetInstances(
  q: Queryable,
  groupId: string,
  which: { id: string } | { ended: true },
  at: Date,
): Promise<ForgottenInstance[]> {
  if (!isUuid(groupId) || ('id' in which && !isUuid(which.id))) return [];
  const filter = 'id' in which ? "id = $3 AND status <> 'connected'" : "status = 'terminated'";
  return q.query<ForgottenInstance>(
    `WITH gone AS (
       DELETE FROM instances WHERE group_id = $1 AND ${filter}
       RETURNING id, group_id, name, status, token_hash
     ), remembered AS (
       INSERT INTO forgotten_tokens (token_hash, instance_id, group_id, forgotten_at)
       SELECT token_hash, id, group_id, $2 FROM gone ON CONFLICT (token_hash) DO NOTHING
     )
     SELECT id::text AS id, name, status FROM gone ORDER BY name, id`,
    'id' in which ? [groupId, at, which.id] : [groupId, at],
  );
}

/** Whether a token belonged to an instance that was forgotten (its runner must stop: 410). */
export async function isForgottenToken(q: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM forgotten_tokens WHERE token_hash = $1', [tokenHash]);
  return rows.length > 0;
}

/** Forgets forgotten tokens older than the retention window (their instances would have been pruned by then). */
export async function pruneForgottenTokens(q: Queryable, before: Date): Promise<void> {
  await q.query('DELETE FROM forgotten_tokens WHERE forgotten_at < $1', [before]);
}

/** An instance the sweeper ended as lost, with its group's name (for the audit entry). */
export interface LostInstance {
  id: string;
  group_id: string;
  group_name: string;
  name: string;
}

/**
 * Ends instances of live groups disconnected since before the cutoff with cause lost (no exit
 * recorded), at most `limit` per call. Rows are claimed with SKIP LOCKED, so replicas sweeping at
 * the same moment end each instance once and never wait on each other.
 */
export async function markLost(q: Queryable, cutoff: Date, at: Date, limit: number): Promise<LostInstance[]> {
  return q.query<LostInstance>(
    // The claim reads instances_disconnected_since alone (in its order, so the LIMIT stops the scan):
    // joined to the groups, PGlite, which never ANALYZEs, picked a walk over every group each second.
    `WITH claimed AS (
       SELECT i.id FROM instances i
       WHERE i.status = 'disconnected' AND i.disconnected_at < $1
         AND NOT EXISTS (SELECT 1 FROM runner_groups d WHERE d.id = i.group_id AND d.deleted_at IS NOT NULL)
       ORDER BY i.disconnected_at LIMIT $3 FOR UPDATE OF i SKIP LOCKED
     )
     UPDATE instances i SET status = 'terminated', term_exit_code = NULL, term_signal = NULL, term_reason = NULL,
       term_at = $2, term_cause = 'lost', term_observed_by = 'server'
     FROM claimed c, runner_groups g
     WHERE i.id = c.id AND g.id = i.group_id AND i.status = 'disconnected'
     RETURNING i.id::text AS id, i.group_id::text AS group_id, g.name AS group_name, i.name`,
    [cutoff, at, limit],
  );
}

/** A heartbeat that changes something durable: reconnection, a version change or a new last error. */
export async function writeThroughHeartbeat(
  q: Queryable,
  id: string,
  hb: { at: Date; version: string; versionChanged: boolean; lastError: ReportedRunnerError | null | undefined },
): Promise<InstanceRow | null> {
  const [row] = await q.query<InstanceRow>(
    `UPDATE instances i SET
       last_heartbeat_at = greatest(i.last_heartbeat_at, $2),
       status = CASE WHEN i.status = 'terminated' THEN i.status ELSE 'connected' END,
       disconnected_at = CASE WHEN i.status = 'terminated' THEN i.disconnected_at ELSE NULL END,
       term_exit_code = CASE WHEN i.status = 'disconnected' THEN NULL ELSE i.term_exit_code END,
       term_signal = CASE WHEN i.status = 'disconnected' THEN NULL ELSE i.term_signal END,
       term_reason = CASE WHEN i.status = 'disconnected' THEN NULL ELSE i.term_reason END,
       term_at = CASE WHEN i.status = 'disconnected' THEN NULL ELSE i.term_at END,
       term_cause = CASE WHEN i.status = 'disconnected' THEN NULL ELSE i.term_cause END,
       version = $3,
       heartbeats_on_version = CASE WHEN $4 THEN 1 ELSE i.heartbeats_on_version + 1 END,
       last_error = CASE WHEN $5 THEN $6::jsonb ELSE i.last_error END
     WHERE i.id = $1 RETURNING ${instanceColumns}`,
    [id, hb.at, hb.version, hb.versionChanged, hb.lastError !== undefined, hb.lastError ? JSON.stringify(hb.lastError) : null],
  );
  return row ?? null;
}

/** Writes a batch of plain heartbeats in one statement. */
export async function writeHeartbeatBatch(
  q: Queryable,
  batch: Array<{ id: string; at: Date; count: number; version: string }>,
): Promise<void> {
  if (batch.length === 0) return;
  await q.query(
    `UPDATE instances i SET last_heartbeat_at = greatest(i.last_heartbeat_at, v.at),
       heartbeats_on_version = i.heartbeats_on_version + v.n
     FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::timestamptz[]) AS at, unnest($3::int[]) AS n, unnest($4::text[]) AS version) v
     WHERE i.id = v.id AND i.version = v.version`,
    [batch.map((b) => b.id), batch.map((b) => b.at.toISOString()), batch.map((b) => b.count), batch.map((b) => b.version)],
  );
}

/**
 * Brings connected instances' last heartbeats that lie more than `skewMs` after `now` back to
 * `now`: written before the clock was stepped back, they would keep a runner that died since then
 * green for as long as the step. The allowance keeps replicas whose clocks differ a little from
 * rewriting each other's heartbeats every second.
 */
export async function clampFutureHeartbeats(q: Queryable, now: Date, skewMs = 2000): Promise<number> {
  const rows = await q.query(
    `UPDATE instances SET last_heartbeat_at = $1 WHERE status = 'connected' AND last_heartbeat_at > $2 RETURNING id`,
    [now, new Date(now.getTime() + skewMs)],
  );
  return rows.length;
}

/** Connected instances whose last heartbeat is older than the cutoff become disconnected. */
export async function sweepDisconnected(q: Queryable, cutoff: Date, at: Date): Promise<Array<{ id: string; group_id: string }>> {
  return q.query<{ id: string; group_id: string }>(
    `UPDATE instances SET status = 'disconnected', disconnected_at = $2
     WHERE status = 'connected' AND last_heartbeat_at < $1
     RETURNING id::text AS id, group_id::text AS group_id`,
    [cutoff, at],
  );
}

/** Instances of live groups, counted by status (for /metrics). */
export async function countInstancesByStatus(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ status: string; n: number }>(
    `SELECT i.status, count(*)::int AS n FROM instances i JOIN runner_groups g ON g.id = i.group_id
     WHERE g.deleted_at IS NULL GROUP BY i.status`,
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}

/**
 * Deletes up to `limit` ended instances older than the retention window; returns how many it deleted
 * (fewer than `limit`: none are left). Small batches, so the heartbeats queued behind each one wait
 * for milliseconds, not for the whole backlog (PGlite runs one statement at a time).
 */
export async function pruneInstances(q: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await q.query(
    `DELETE FROM instances WHERE id IN (
       SELECT id FROM instances WHERE status <> 'connected' AND last_heartbeat_at < $1
         AND coalesce(term_at, disconnected_at, last_heartbeat_at) < $1
       LIMIT $2)
     RETURNING 1 AS deleted`,
    [before, limit],
  );
  return rows.length;
}
