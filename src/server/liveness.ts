import { classifyTermination, type GroupStatus, type ObservedBy, type Instance, type RunnerGroup, type Termination, type Update } from '../contract';
import { groupHealth, healthInputOf, recentEndsOf } from './health';
import type { GroupSummaryRow } from './store/groups';
import type { InstanceJsonRow, InstanceRow } from './store/instances';
import type { UpdateInstanceRow, UpdateRow } from './store/updates';

const iso = (d: Date | string) => new Date(d).toISOString();

/** Group status from counts: connected when any instance is, waiting when none ever registered. */
export function groupStatus(connectedCount: number, everRegistered: boolean): GroupStatus {
  if (connectedCount > 0) return 'connected';
  return everRegistered ? 'disconnected' : 'waiting';
}

/**
 * An instance's termination record. A disconnected instance that reported no exit has none: it may
 * still come back (PRODUCT.md §2 "once it has ended", §4 "missed its heartbeats, no termination
 * record"); the console shows it as lost from the missing record.
 */
export function terminationOf(row: InstanceRow | InstanceJsonRow): Termination | null {
  if (row.term_cause && row.term_at) {
    return {
      exitCode: row.term_exit_code,
      signal: row.term_signal,
      reason: row.term_reason,
      at: iso(row.term_at),
      cause: row.term_cause as Termination['cause'],
      ...(row.term_observed_by ? { observedBy: row.term_observed_by as ObservedBy } : {}),
    };
  }
  if (row.status === 'terminated') {
    return {
      exitCode: row.term_exit_code,
      signal: row.term_signal,
      reason: row.term_reason,
      at: iso(row.term_at ?? row.last_heartbeat_at),
      cause: classifyTermination(row.term_exit_code, row.term_signal, row.term_reason),
    };
  }
  return null;
}

export function instanceView(row: InstanceRow | InstanceJsonRow): Instance {
  const lastError = typeof row.last_error === 'string' ? JSON.parse(row.last_error) : row.last_error;
  return {
    id: row.id,
    groupId: row.group_id,
    name: row.name,
    platform: row.platform,
    hostname: row.hostname,
    address: row.address,
    os: row.os,
    arch: row.arch,
    version: row.version,
    status: row.status,
    startedAt: iso(row.started_at),
    lastHeartbeatAt: iso(row.last_heartbeat_at),
    disconnectedAt: row.status === 'connected' || !row.disconnected_at ? null : iso(row.disconnected_at),
    lastError: lastError ?? null,
    termination: terminationOf(row),
    stopRequestedAt: row.stop_requested_at ? iso(row.stop_requested_at) : null,
  };
}

export function updateView(row: UpdateRow, instances: UpdateInstanceRow[]): Update {
  return {
    id: row.id,
    groupId: row.group_id,
    state: row.state,
    targetVersion: row.target_version,
    fromVersions: row.from_versions,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    deadlineAt: iso(row.deadline_at),
    finishedAt: row.finished_at ? iso(row.finished_at) : null,
    reason: row.reason,
    instances: instances
      .filter((i) => i.update_id === row.id)
      .map((i) => ({ instanceId: i.instance_id, name: i.name, version: i.version, state: i.state })),
  };
}

/** The newest finished update as a group answer carries it (without per-instance progress). */
function lastUpdateOf(row: GroupSummaryRow): Update | null {
  if (!row.last_update_id || !row.last_update_state) return null;
  const from = row.last_update_from_versions;
  return {
    id: row.last_update_id,
    groupId: row.id,
    state: row.last_update_state,
    targetVersion: row.last_update_target_version ?? '',
    fromVersions: typeof from === 'string' ? (JSON.parse(from) as string[]) : (from ?? []),
    requestedBy: row.last_update_requested_by ?? '',
    requestedAt: iso(row.last_update_requested_at!),
    deadlineAt: iso(row.last_update_deadline_at!),
    finishedAt: row.last_update_finished_at ? iso(row.last_update_finished_at) : null,
    reason: row.last_update_reason,
    instances: [],
  };
}

export function groupView(
  row: GroupSummaryRow,
  settings: Pick<RunnerGroup, 'latestVersion' | 'updateDeadlineSeconds'>,
  activeUpdate: Update | null,
  now: Date,
): RunnerGroup {
  const { health, healthReasons } = groupHealth(healthInputOf(row), now);
  return {
    id: row.id,
    name: row.name,
    isDefault: row.is_default,
    status: groupStatus(row.connected_count, row.first_registered_at !== null),
    connectedCount: row.connected_count,
    instanceCount: row.instance_count,
    versions: (row.versions ?? []).filter((v) => v !== null).sort(),
    latestVersion: settings.latestVersion,
    updateDeadlineSeconds: settings.updateDeadlineSeconds,
    keyPrefix: row.key_prefix,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    activeUpdate,
    health,
    healthReasons,
    recentEnds: recentEndsOf(row),
    lastUpdate: lastUpdateOf(row),
  };
}

/** Whether the sweeper may mark instances disconnected yet: not within one offline window of start-up. */
export function pastStartupGrace(startedAt: Date, now: Date, offlineAfterSeconds: number): boolean {
  return now.getTime() - startedAt.getTime() >= offlineAfterSeconds * 1000;
}

/** The last-heartbeat time before which a connected instance counts as disconnected. */
export function offlineCutoff(now: Date, offlineAfterSeconds: number): Date {
  return new Date(now.getTime() - offlineAfterSeconds * 1000);
}
