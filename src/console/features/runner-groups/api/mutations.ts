import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { GroupWithKey, RunnerGroup } from '../../../../contract';
import { queryKeys } from '../../../lib/query-keys';
import { createGroup, deleteGroup, patchGroup, requestUpdate, rotateKey } from './requests';

const list = queryKeys.runnerGroups.list();

/** The group without its key: the only shape that may enter the query cache. */
export function withoutKey({ registrationKey: _key, ...group }: GroupWithKey): RunnerGroup {
  return group;
}

/**
 * Creates a group. The answer carries the registration key, so the mutation is garbage-collected
 * at once (`gcTime: 0`) and the list cache gets the group without it.
 */
export function useCreateGroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createGroup,
    gcTime: 0,
    meta: { invalidates: [list] },
    onSuccess: (created) => {
      const group = withoutKey(created);
      queryClient.setQueryData<RunnerGroup[]>(list, (old) => {
        const others = (old ?? []).filter((g) => g.id !== group.id).map((g) => (group.isDefault ? { ...g, isDefault: false } : g));
        return [...others, group];
      });
    },
  });
}

/** Rotates the key: same rules as creation, the new key lives only in the dialog. */
export function useRotateKey() {
  return useMutation({
    mutationFn: rotateKey,
    gcTime: 0,
    meta: { invalidates: [list] },
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
    mutationFn: deleteGroup,
    meta: { invalidates: [list] },
    onSuccess: (_data, id) => {
      queryClient.setQueryData<RunnerGroup[]>(list, (old) => old?.filter((g) => g.id !== id));
      queryClient.removeQueries({ queryKey: queryKeys.runnerGroups.detail(id) });
    },
  });
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
