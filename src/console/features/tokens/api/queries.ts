import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { listTokens } from './requests';

/** The API tokens the signed-in user may see. */
export const tokensQuery = () =>
  queryOptions({
    queryKey: queryKeys.tokens.list(),
    queryFn: ({ signal }) => listTokens(signal),
  });
