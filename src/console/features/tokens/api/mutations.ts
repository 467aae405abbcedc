import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiToken } from '../../../../contract/tokens';
import { queryKeys } from '../../../lib/query-keys';
import { createToken, revokeToken } from './requests';

const list = queryKeys.tokens.list();

/**
 * Creates a token. The answer carries its secret, so the mutation is garbage-collected at once
 * (`gcTime: 0`; the dialog also resets it) and only the token without its secret enters the list cache.
 */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    gcTime: 0,
    meta: { invalidates: [list] },
    onSuccess: ({ token }) => {
      queryClient.setQueryData<ApiToken[]>(list, (old) => [token, ...(old ?? []).filter((t) => t.id !== token.id)]);
    },
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeToken,
    meta: { invalidates: [list] },
    onSuccess: (_data, id) => {
      queryClient.setQueryData<ApiToken[]>(list, (old) => old?.filter((t) => t.id !== id));
    },
  });
}
