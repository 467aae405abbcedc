import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { getGroup, listGroups, listUpdates } from './requests';

/** All runner groups with status, counts, versions and active update. */
export const runnerGroupsQuery = () =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.list(),
    queryFn: ({ signal }) => listGroups(signal),
  });

export const runnerGroupQuery = (id: string) =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.detail(id),
    queryFn: ({ signal }) => getGroup(id, signal),
  });

/** A group's updates, newest first, with per-instance progress. */
export const groupUpdatesQuery = (id: string) =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.updates(id),
    queryFn: ({ signal }) => listUpdates(id, signal),
  });
