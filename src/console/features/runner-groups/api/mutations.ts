import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../../contract/paths';
import type { ForgetEndedResponse, Instance, PatchGroupBody, RunnerGroup, Update, UpdateRequestBody } from '../../../../contract/schemas';
import { apiRequest } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

// The writes on runner groups, each fetcher beside the hook that uses it; the reads are the
// runner-group entity's, and the two writes that answer with a registration key (create, rotate) are
// the install feature's. Answers are typed, not parsed (see entities/runner-group/requests.ts).

const list = queryKeys.runnerGroups.list();

/** `PATCH /runner-groups/{id}`: the one fetcher behind rename and Set as Default. */
function patchGroup({ id, ...body }: PatchGroupBody & { id: string }): Promise<RunnerGroup> {
  return apiRequest<RunnerGroup>(api.runnerGroup(id), { method: 'PATCH', body });
}

export function useRenameGroup(groupId: string) {
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => patchGroup({ id, name }),
    meta: { invalidates: [list, queryKeys.runnerGroups.detail(groupId)] },
  });
}

export function useSetDefault() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => patchGroup({ id, isDefault: true }),
    meta: { invalidates: [list] },
    onSuccess: (group) => {
      queryClient.setQueryData<RunnerGroup[]>(list, (old) =>
        old?.map((g) => (g.id === group.id ? group : { ...g, isDefault: false })),
      );
    },
  });
}

export function useDeleteGroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest(api.runnerGroup(id), { method: 'DELETE' }),
    meta: { invalidates: [list] },
    onSuccess: (_data, id) => {
      queryClient.setQueryData<RunnerGroup[]>(list, (old) => old?.filter((g) => g.id !== id));
      queryClient.removeQueries({ queryKey: queryKeys.runnerGroups.detail(id) });
    },
  });
}

/** `POST /runner-groups/{id}/updates`; the Idempotency-Key replays the first answer to a retry. */
function requestUpdate({ id, idempotencyKey, ...body }: UpdateRequestBody & { id: string; idempotencyKey: string }): Promise<Update> {
  return apiRequest<Update>(api.updates(id), { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
}

export function useRequestUpdate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: requestUpdate,
    onSuccess: (update) => {
      queryClient.setQueryData<RunnerGroup[]>(list, (old) =>
        old?.map((g) => (g.id === update.groupId ? { ...g, activeUpdate: update } : g)),
      );
    },
    onSettled: (_d, _e, vars) => {
      void queryClient.invalidateQueries({ queryKey: list });
      void queryClient.invalidateQueries({ queryKey: queryKeys.runnerGroups.updates(vars.id) });
    },
  });
}

// ---- Instances: Stop, Forget, Forget all ended (PRODUCT.md §3 round 2) ----

/** `POST …/instances/{instanceId}/stop`: its next heartbeat reply tells the runner to stop; 202 with the instance. */
export function useStopInstance(groupId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (instanceId: string) => apiRequest<Instance>(api.instanceStop(groupId, instanceId), { method: 'POST', body: {} }),
    meta: { invalidates: [queryKeys.runnerGroups.instances(groupId)] },
    onSuccess: (instance) => {
      queryClient.setQueryData<Instance[]>(queryKeys.runnerGroups.instances(groupId), (old) =>
        old?.map((i) => (i.id === instance.id ? instance : i)),
      );
    },
  });
}

/** `DELETE …/instances/{instanceId}`: the record of an ended or disconnected instance goes; 204. */
export function useForgetInstance(groupId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (instanceId: string) => apiRequest(api.instance(groupId, instanceId), { method: 'DELETE' }),
    meta: { invalidates: [list, queryKeys.runnerGroups.instances(groupId)] },
    onSuccess: (_data, instanceId) => {
      queryClient.setQueryData<Instance[]>(queryKeys.runnerGroups.instances(groupId), (old) => old?.filter((i) => i.id !== instanceId));
    },
  });
}

/** `DELETE …/instances?ended=true`: every ended instance's record goes; 200 with how many. */
export function useForgetEndedInstances(groupId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<ForgetEndedResponse>(`${api.instances(groupId)}?ended=true`, { method: 'DELETE' }),
    meta: { invalidates: [list, queryKeys.runnerGroups.instances(groupId)] },
    onSuccess: () => {
      queryClient.setQueryData<Instance[]>(queryKeys.runnerGroups.instances(groupId), (old) => old?.filter((i) => i.status !== 'terminated'));
    },
  });
}
