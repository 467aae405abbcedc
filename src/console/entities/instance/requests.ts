import { api } from '../../../contract/paths';
import type { Instance } from '../../../contract/schemas';
import { apiRequest } from '../../lib/api-client';

/** A group's instances, with termination records. */
export function listInstances(groupId: string, signal?: AbortSignal): Promise<Instance[]> {
  return apiRequest<Instance[]>(api.instances(groupId), { signal });
}
