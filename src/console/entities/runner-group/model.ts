import type { GroupHealth, RunnerGroup, Update } from '../../../contract/schemas';
import { compareVersions } from '../../../contract/version';

// Pure read-models of runner groups: the health dot and its label, the Last update column, versions,
// whether Update can run, how far an update got, and the orders a list of groups can take.

/** The tone of a dot: green healthy, amber degraded, red down, grey waiting (always with its label). */
export type HealthTone = 'green' | 'amber' | 'red' | 'grey';

const healthTone: Record<GroupHealth, HealthTone> = { healthy: 'green', degraded: 'amber', down: 'red', waiting: 'grey' };
const healthWord: Record<GroupHealth, string> = { healthy: 'Healthy', degraded: 'Degraded', down: 'Down', waiting: 'Waiting' };

/**
 * The dot, its label and its description for a group (PRODUCT.md §2 "Group dot and health"):
 * "Healthy · 3 of 3", "Degraded · 2 of 3", "Down · 0 of 2", "Waiting for first runner" (connected of
 * instanceCount), described by the server's `healthReasons`.
 */
export function groupHealthDot(group: Pick<RunnerGroup, 'health' | 'healthReasons' | 'connectedCount' | 'instanceCount'>): {
  tone: HealthTone;
  label: string;
  description: string;
} {
  const label =
    group.health === 'waiting' ? 'Waiting for first runner' : `${healthWord[group.health]} · ${group.connectedCount.toLocaleString()} of ${group.instanceCount.toLocaleString()}`;
  return { tone: healthTone[group.health], label, description: group.healthReasons.join('; ') };
}

/** The health filter's options, in the order problems come first. */
export const healthOptions: ReadonlyArray<{ value: GroupHealth; label: string }> = [
  { value: 'down', label: 'Down' },
  { value: 'degraded', label: 'Degraded' },
  { value: 'waiting', label: 'Waiting' },
  { value: 'healthy', label: 'Healthy' },
];

/** "just now", "5 min ago", "2 h ago", "1 d ago": an age short enough for a list cell. */
export function shortAgo(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms) || ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/**
 * The Last update column: the running update (its progress is drawn by the caller), else how the last
 * one ended — "Rolled back · 2 h ago" with its reason, "Updated to 1.5.0 · 1 d ago" — or nothing yet.
 */
export type LastUpdateCell =
  | { kind: 'running'; update: Update }
  | { kind: 'rolled_back'; label: string; targetVersion: string; reason: string | null; at: string }
  | { kind: 'succeeded'; label: string; at: string }
  | { kind: 'none' };

export function lastUpdateCell(group: Pick<RunnerGroup, 'activeUpdate' | 'lastUpdate'>, now: number): LastUpdateCell {
  if (group.activeUpdate?.state === 'in_progress') return { kind: 'running', update: group.activeUpdate };
  const u = group.lastUpdate;
  if (!u || u.state === 'in_progress') return { kind: 'none' };
  const at = u.finishedAt ?? u.requestedAt;
  if (u.state === 'rolled_back') {
    return { kind: 'rolled_back', label: `Rolled back · ${shortAgo(at, now)}`, targetVersion: u.targetVersion, reason: u.reason, at };
  }
  return { kind: 'succeeded', label: `Updated to ${u.targetVersion} · ${shortAgo(at, now)}`, at };
}

/** Versions sorted oldest first, and whether any is older than the latest. */
export function versionInfo(group: Pick<RunnerGroup, 'versions' | 'latestVersion'>): { versions: string[]; behind: boolean } {
  const versions = [...new Set(group.versions)].sort(compareVersions);
  return { versions, behind: versions.some((v) => compareVersions(v, group.latestVersion) < 0) };
}

/** Why Update is not possible right now, or null when it is. */
export function updateBlockedReason(group: RunnerGroup): string | null {
  if (group.activeUpdate?.state === 'in_progress') return 'An update is already running.';
  if (group.connectedCount === 0) return 'No instance is connected.';
  const { versions } = versionInfo(group);
  if (versions.length > 0 && versions.every((v) => compareVersions(v, group.latestVersion) >= 0)) {
    return `Already on the latest version (${group.latestVersion}).`;
  }
  return null;
}

/** How far an update got: instances updated out of those it covers. */
export function updateProgress(update: Update): { done: number; total: number; failed: number } {
  const total = update.instances.length;
  const done = update.instances.filter((i) => i.state === 'updated').length;
  const failed = update.instances.filter((i) => i.state === 'failed' || i.state === 'rolled_back').length;
  return { done, total, failed };
}

// Problems first (PRODUCT.md §3 round 2): down, degraded, waiting, healthy.
const healthRank: Record<GroupHealth, number> = { down: 0, degraded: 1, waiting: 2, healthy: 3 };
const byName = (a: RunnerGroup, b: RunnerGroup) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

/** The orders a list of groups can take; ties go by name. */
export const groupOrder = {
  name: byName,
  health: (a: RunnerGroup, b: RunnerGroup) => healthRank[a.health] - healthRank[b.health] || byName(a, b),
  instances: (a: RunnerGroup, b: RunnerGroup) => b.instanceCount - a.instanceCount || byName(a, b),
  created: (a: RunnerGroup, b: RunnerGroup) => b.createdAt.localeCompare(a.createdAt) || byName(a, b),
};
