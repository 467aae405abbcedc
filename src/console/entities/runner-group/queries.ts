import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../lib/query-keys';
import { listGroups, listUpdates } from './requests';

/** All runner groups with status, counts, versions and active update. */
export const runnerGroupsQuery = () =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.list(),
    queryFn: ({ signal }) => listGroups(signal),
  });

/** A group's updates, newest first, with per-instance progress. */
export const groupUpdatesQuery = (groupId: string) =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.updates(groupId),
    queryFn: ({ signal }) => listUpdates(groupId, signal),
  });
