import { api } from '../../../../contract/paths';
import type { Instance, RunnerGroup } from '../../../../contract/schemas';
import { apiRequest } from '../../../lib/api-client';

/** A group's instances, with termination records. */
export function listInstances(groupId: string, signal?: AbortSignal): Promise<Instance[]> {
  return apiRequest<Instance[]>(api.instances(groupId), { signal });
}

export function renameGroup({ id, name }: { id: string; name: string }): Promise<RunnerGroup> {
  return apiRequest<RunnerGroup>(api.runnerGroup(id), { method: 'PATCH', body: { name } });
}
