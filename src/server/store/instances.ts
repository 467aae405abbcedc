import type { Platform, ReportedRunnerError } from '../../contract';
import type { Queryable } from './db';

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
  /** Who recorded the end when not the runner ('reconciler'); added by migration 9. */
  term_observed_by?: string | null;
  replaced_by: string | null;
  update_started_id: string | null;
}

const instanceColumns = `i.id::text AS id, i.group_id::text AS group_id, i.name, i.platform, i.hostname, i.address,
  i.os, i.arch, i.version, i.status, i.started_at, i.last_heartbeat_at, i.heartbeats_on_version, i.disconnected_at,
  i.last_error, i.term_exit_code, i.term_signal, i.term_reason, i.term_at, i.term_cause, i.term_observed_by, i.replaced_by::text AS replaced_by,
  i.update_started_id::text AS update_started_id`;

/** An instance found by its token, with whether its group is deleted. */
export type TokenInstance = InstanceRow & { group_deleted: boolean };

export async function findInstanceByToken(q: Queryable, tokenHash: string): Promise<TokenInstance | null> {
  const [row] = await q.query<TokenInstance>(
    `SELECT ${instanceColumns}, g.deleted_at IS NOT NULL AS group_deleted
     FROM instances i JOIN runner_groups g ON g.id = i.group_id WHERE i.token_hash = $1`,
    [tokenHash],
  );
  return row ?? null;
}

/** An instance of a group found by its id (what `replaces` names), with whether its group is deleted. */
export async function findInstanceInGroup(q: Queryable, id: string, groupId: string): Promise<TokenInstance | null> {
  const [row] = await q.query<TokenInstance>(
    `SELECT ${instanceColumns}, g.deleted_at IS NOT NULL AS group_deleted
     FROM instances i JOIN runner_groups g ON g.id = i.group_id WHERE i.id::text = $1 AND i.group_id = $2`,
    [id, groupId],
  );
  return row ?? null;
}

export async function listInstances(q: Queryable, groupId: string): Promise<InstanceRow[]> {
  return q.query<InstanceRow>(
    `SELECT ${instanceColumns} FROM instances i WHERE i.group_id = $1
     ORDER BY CASE i.status WHEN 'connected' THEN 0 WHEN 'disconnected' THEN 1 ELSE 2 END, i.started_at DESC, i.id`,
    [groupId],
  );
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

/** Records how an instance ended (status terminated) unless an earlier record must be kept. */
export async function terminateInstance(
  q: Queryable,
  id: string,
  t: { exitCode: number | null; signal: number | null; reason: string | null; at: Date; cause: string },
  options: { keepReplaced?: boolean } = {},
): Promise<boolean> {
  // A record the reconciler wrote is final too: the pod it read is gone, nothing can correct it.
  const rows = await q.query(
    `UPDATE instances SET status = 'terminated', term_exit_code = $2, term_signal = $3, term_reason = $4, term_at = $5, term_cause = $6
     WHERE id = $1 AND term_observed_by IS NULL ${options.keepReplaced === false ? '' : "AND coalesce(term_cause, '') <> 'replaced'"} RETURNING id`,
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
  t: { exitCode: number | null; signal: number | null; reason: string | null; at: Date; cause: string; observedBy: string },
): Promise<InstanceRow | null> {
  const [row] = await q.query<InstanceRow>(
    `UPDATE instances i SET status = 'terminated', term_exit_code = $2, term_signal = $3, term_reason = $4, term_at = $5,
       term_cause = $6, term_observed_by = $7
     WHERE i.id = $1 AND i.term_cause IS NULL AND i.status <> 'terminated' RETURNING ${instanceColumns}`,
    [id, t.exitCode, t.signal, t.reason, t.at, t.cause, t.observedBy],
  );
  return row ?? null;
}

/** Marks an instance disconnected at once (goodbye), with a SIGTERM record when it said so. */
export async function disconnectInstance(
  q: Queryable,
  id: string,
  at: Date,
  sigterm: boolean,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE instances SET status = 'disconnected', disconnected_at = $2,
       term_exit_code = CASE WHEN $3 THEN NULL ELSE term_exit_code END,
       term_signal = CASE WHEN $3 THEN 15 ELSE term_signal END,
       term_reason = CASE WHEN $3 THEN NULL ELSE term_reason END,
       term_at = CASE WHEN $3 THEN $2 ELSE term_at END,
       term_cause = CASE WHEN $3 THEN 'sigterm' ELSE term_cause END
     WHERE id = $1 AND status = 'connected' RETURNING id`,
    [id, at, sigterm],
  );
  return rows.length === 1;
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

/** Deletes ended instances older than the retention window. */
export async function pruneInstances(q: Queryable, before: Date): Promise<void> {
  await q.query(
    `DELETE FROM instances WHERE status <> 'connected' AND last_heartbeat_at < $1
       AND coalesce(term_at, disconnected_at, last_heartbeat_at) < $1`,
    [before],
  );
}
