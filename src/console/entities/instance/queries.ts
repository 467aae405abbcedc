import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../lib/query-keys';
import { listInstances } from './requests';

/** Instances of one group; the key nests under the group's. */
export const instancesQuery = (groupId: string) =>
  queryOptions({
    queryKey: queryKeys.runnerGroups.instances(groupId),
    queryFn: ({ signal }) => listInstances(groupId, signal),
  });
