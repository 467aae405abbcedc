import { api, type InstallPlatform, InstallTemplate } from '../../../../contract';
import { apiRequest } from '../../../lib/api-client';

/** What a platform's commands need except the key (the server never sends the key here). */
export function getInstallTemplate(platform: InstallPlatform, signal?: AbortSignal): Promise<InstallTemplate> {
  return apiRequest(api.install(platform), { parse: InstallTemplate.parse, signal });
}
