import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { type AuditFilters, listAuditEvents, listAuditGroups } from './requests';

/** The audit log for a filter, paged by `nextCursor`. */
export const auditEventsQuery = (filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.auditEvents.list(filters),
    queryFn: ({ pageParam, signal }) => listAuditEvents({ ...filters, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

/** The groups the audit log names, deleted ones included. */
export const auditGroupsQuery = () =>
  queryOptions({
    queryKey: queryKeys.auditEvents.groups(),
    queryFn: ({ signal }) => listAuditGroups(signal),
  });
