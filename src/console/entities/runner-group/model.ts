import type { GroupStatus, RunnerGroup, Update } from '../../../contract/schemas';
import { compareVersions } from '../../../contract/version';

/** The dot and its text label for a group (PRODUCT.md §2). */
export function groupStatus(group: Pick<RunnerGroup, 'status' | 'connectedCount' | 'instanceCount'>): {
  tone: 'green' | 'red';
  label: string;
} {
  if (group.status === 'waiting') return { tone: 'red', label: 'Waiting for first runner' };
  const counts = `${group.connectedCount} of ${group.instanceCount}`;
  return group.status === 'connected'
    ? { tone: 'green', label: `Connected · ${counts}` }
    : { tone: 'red', label: `Disconnected · ${counts}` };
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

export type StatusFilter = 'all' | GroupStatus;
export type SortKey = 'name' | 'status' | 'instances' | 'created';

const statusRank: Record<GroupStatus, number> = { disconnected: 0, waiting: 1, connected: 2 };

/** The groups the Runners page shows for a search, status filter and sort. */
export function visibleGroups(groups: readonly RunnerGroup[], search: string, status: StatusFilter, sort: SortKey): RunnerGroup[] {
  const q = search.trim().toLowerCase();
  const byName = (a: RunnerGroup, b: RunnerGroup) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
  const compare: Record<SortKey, (a: RunnerGroup, b: RunnerGroup) => number> = {
    name: byName,
    // Problems first: red groups before green ones.
    status: (a, b) => statusRank[a.status] - statusRank[b.status] || byName(a, b),
    instances: (a, b) => b.instanceCount - a.instanceCount || byName(a, b),
    created: (a, b) => b.createdAt.localeCompare(a.createdAt) || byName(a, b),
  };
  return groups
    .filter((g) => (status === 'all' || g.status === status) && (!q || g.name.toLowerCase().includes(q)))
    .sort(compare[sort]);
}
