import { MutationCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError } from './api-client';

declare module '@tanstack/react-query' {
  interface Register {
    /** Mutations declare the queries they make stale; the MutationCache invalidates them in one place. */
    mutationMeta: { invalidates?: readonly QueryKey[] };
  }
}

/** The console's QueryClient: invalidation from `meta.invalidates`, no retries on 4xx. */
export function createQueryClient(options: { retry?: boolean } = {}): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    mutationCache: new MutationCache({
      onSettled: (_data, error, _variables, _context, mutation) => {
        // A mutation that never reached the server changed nothing: nothing to refetch.
        if (error instanceof ApiError && error.isNetworkError) return;
        for (const key of mutation.meta?.invalidates ?? []) void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
    defaultOptions: {
      queries: {
        retry:
          options.retry === false
            ? false
            : (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        // Last data stays on screen while the control plane is away.
        refetchOnWindowFocus: true,
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}
