import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { getDockerTemplate } from './requests';

/** The install template: the URL runners dial and the chart (shared key with the install view's Docker tab). */
export const installTemplateQuery = () =>
  queryOptions({
    queryKey: queryKeys.install('docker'),
    queryFn: ({ signal }) => getDockerTemplate(signal),
    staleTime: 5 * 60_000,
  });
