import { api, InstallTemplate } from '../../../../contract';
import { apiRequest } from '../../../lib/api-client';

/** The Docker install template: the guidance needs only its serverUrl (what runners dial). */
export function getDockerTemplate(signal?: AbortSignal): Promise<InstallTemplate> {
  return apiRequest(api.install('docker'), { parse: InstallTemplate.parse, signal });
}
