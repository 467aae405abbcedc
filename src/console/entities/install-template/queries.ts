import { queryOptions } from '@tanstack/react-query';
import type { InstallPlatform } from '../../../contract/schemas';
import { queryKeys } from '../../lib/query-keys';
import { getInstallTemplate } from './requests';

/**
 * The install template of a platform: the install view's commands and the troubleshooting guidance's
 * server URL read the same entry. Only the template is cached: the commands carrying the key are
 * computed while rendering and never enter a query key or the cache.
 */
export const installTemplateQuery = (platform: InstallPlatform) =>
  queryOptions({
    queryKey: queryKeys.install(platform),
    queryFn: ({ signal }) => getInstallTemplate(platform, signal),
    staleTime: 5 * 60_000,
  });
