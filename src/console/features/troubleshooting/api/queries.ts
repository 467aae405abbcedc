import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { getDockerTemplate } from './requests';

/** The URL runners dial, from the install template (shared key with the install view's Docker tab). */
export const serverUrlQuery = () =>
  queryOptions({
    queryKey: queryKeys.install('docker'),
    queryFn: ({ signal }) => getDockerTemplate(signal),
    staleTime: 5 * 60_000,
    select: (template) => template.serverUrl,
  });
