import type { GroupStatus, RunnerGroup, Update } from '../../../contract/schemas';
import { compareVersions } from '../../../contract/version';

// Pure read-models of runner groups: the dot and its label, versions, whether Update can run, how far
// an update got, and the orders a list of groups can take.

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

const statusRank: Record<GroupStatus, number> = { disconnected: 0, waiting: 1, connected: 2 };
const byName = (a: RunnerGroup, b: RunnerGroup) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

/** The orders a list of groups can take; ties go by name. */
export const groupOrder = {
  name: byName,
  // Problems first: red groups before green ones.
  status: (a: RunnerGroup, b: RunnerGroup) => statusRank[a.status] - statusRank[b.status] || byName(a, b),
  instances: (a: RunnerGroup, b: RunnerGroup) => b.instanceCount - a.instanceCount || byName(a, b),
  created: (a: RunnerGroup, b: RunnerGroup) => b.createdAt.localeCompare(a.createdAt) || byName(a, b),
};
