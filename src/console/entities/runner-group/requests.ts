import { api } from '../../../contract/paths';
import type { RunnerGroup, Update } from '../../../contract/schemas';
import { apiRequest } from '../../lib/api-client';

// The runner-group reads every feature shares. Answers are typed by the contract but not parsed at
// runtime: zod would add ~27 KiB gzip to the Runners page's first load (PRODUCT.md §9 allows 150 KiB).
// The server validates with the contract. Writes live with the feature that makes them.

/** All runner groups with status, counts, versions and active update. */
export function listGroups(signal?: AbortSignal): Promise<RunnerGroup[]> {
  return apiRequest<RunnerGroup[]>(api.runnerGroups, { signal });
}

/** A group's updates, newest first, with per-instance progress. */
export function listUpdates(groupId: string, signal?: AbortSignal): Promise<Update[]> {
  return apiRequest<Update[]>(api.updates(groupId), { signal });
}
