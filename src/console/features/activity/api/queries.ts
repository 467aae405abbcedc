import { infiniteQueryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { type AuditFilters, listAuditEvents } from './requests';

/** The audit log for a filter, paged by `nextCursor`. */
export const auditEventsQuery = (filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.auditEvents.list(filters),
    queryFn: ({ pageParam, signal }) => listAuditEvents({ ...filters, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
