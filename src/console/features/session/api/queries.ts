import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { getSession } from './requests';

/** The current session; null when signed out. */
export const sessionQuery = () =>
  queryOptions({
    queryKey: queryKeys.session,
    queryFn: ({ signal }) => getSession(signal),
    staleTime: 60_000,
  });
