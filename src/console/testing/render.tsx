import type { QueryClient } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { Providers } from '../app/providers';
import { AppRoutes } from '../app/router';
import { createQueryClient } from '../lib/query-client';

/** Renders any element with a fresh QueryClient (no retries) and a router at `route`. */
export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const queryClient = createQueryClient({ retry: false });
  const user = userEvent.setup();
  const result = render(
    <Providers queryClient={queryClient}>
      <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
    </Providers>,
  );
  return { ...result, user, queryClient };
}

/** Renders the whole console (routes, layout, session) at `route`. */
export function renderApp(route = '/') {
  return renderWithProviders(<AppRoutes />, { route });
}

/** Renders the console and waits for the Runners heading. */
export async function renderRunners() {
  const r = renderApp('/');
  await screen.findByRole('heading', { name: 'Runners', level: 1 });
  return r;
}

/** Everything a QueryClient holds, as one string, to search for secrets. */
export function dumpQueryClient(queryClient: QueryClient): string {
  const queries = queryClient
    .getQueryCache()
    .getAll()
    .map((q) => JSON.stringify({ key: q.queryKey, data: q.state.data }));
  const mutations = queryClient
    .getMutationCache()
    .getAll()
    .map((m) => JSON.stringify({ data: m.state.data, variables: m.state.variables }));
  return [...queries, ...mutations].join('\n');
}
