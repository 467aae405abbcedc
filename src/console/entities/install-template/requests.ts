import { api } from '../../../contract/paths';
import { type InstallPlatform, InstallTemplate } from '../../../contract/schemas';
import { apiRequest } from '../../lib/api-client';

/**
 * What a platform's install commands need except the key (the server never sends the key here):
 * the URL runners dial, the image, the chart, the template URL. Parsed with the contract's schema;
 * only dialogs load it, so zod stays out of the Runners page's first load.
 */
export function getInstallTemplate(platform: InstallPlatform, signal?: AbortSignal): Promise<InstallTemplate> {
  return apiRequest(api.install(platform), { parse: InstallTemplate.parse, signal });
}
