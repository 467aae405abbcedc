import { useMutation } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { renameGroup } from './requests';

export function useRenameGroup(groupId: string) {
  return useMutation({
    mutationFn: renameGroup,
    meta: { invalidates: [queryKeys.runnerGroups.list(), queryKeys.runnerGroups.detail(groupId)] },
  });
}
