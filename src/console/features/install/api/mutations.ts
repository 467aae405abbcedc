import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../../contract/paths';
import type { CreateGroupBody, GroupWithKey, RunnerGroup } from '../../../../contract/schemas';
import { apiRequest } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

// The two requests whose answer carries a registration key (PRODUCT.md §2: exactly one response each).
// Both mutations are garbage-collected at once (`gcTime: 0`) and reset by their dialog on success, so
// the key lives only in that dialog's state; what enters the query cache is the group without it.

/** A registration key as issued, split once from the answer: the group it opens, and the key. */
export interface IssuedKey {
  group: RunnerGroup;
  registrationKey: string;
}

function split({ registrationKey, ...group }: GroupWithKey): IssuedKey {
  return { group, registrationKey };
}

const list = queryKeys.runnerGroups.list();

/** `POST /runner-groups`: 201 with the group and its key. */
export function useCreateGroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateGroupBody) => apiRequest<GroupWithKey>(api.runnerGroups, { method: 'POST', body }).then(split),
    gcTime: 0,
    meta: { invalidates: [list] },
    onSuccess: ({ group }) => {
      queryClient.setQueryData<RunnerGroup[]>(list, (old) => {
        const others = (old ?? []).filter((g) => g.id !== group.id).map((g) => (group.isDefault ? { ...g, isDefault: false } : g));
        return [...others, group];
      });
    },
  });
}

/** `POST /runner-groups/{id}/registration-key`: the old key stops working for new registrations. */
export function useRotateKey() {
  return useMutation({
    mutationFn: (groupId: string) => apiRequest<GroupWithKey>(api.registrationKey(groupId), { method: 'POST' }).then(split),
    gcTime: 0,
    meta: { invalidates: [list] },
  });
}
