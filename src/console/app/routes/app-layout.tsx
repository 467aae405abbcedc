import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { ConnectionBanner } from '../../components/connection-banner';
import { Layout } from '../../components/layout';
import { LoadBoundary } from '../../components/load-boundary';
import { LoadingState, StateBox } from '../../components/page-state';
import { Button } from '../../components/ui/button';
import { runnerGroupsQuery } from '../../entities/runner-group/queries';
import { UpdateAnnouncer } from '../../features/runner-groups/components/update-announcer';
import { useSignOut } from '../../features/session/api/mutations';
import { sessionQuery } from '../../features/session/api/queries';
import { errorMessage, setUnauthorizedHandler } from '../../lib/api-client';
import { startLiveEvents } from '../../lib/live-events';
import { PermissionsProvider } from '../../lib/permissions';

/** Signed-in frame: sends visitors to Sign in, provides the role, follows live events, announces updates. */
export function AppLayoutRoute() {
  const queryClient = useQueryClient();
  const location = useLocation();
  const session = useQuery(sessionQuery());
  const signOut = useSignOut();
  const signedIn = Boolean(session.data);
  // Updates end while any page is open: the announcer lives here, once, not on the Runners page.
  const groups = useQuery({ ...runnerGroupsQuery(), enabled: signedIn });

  useEffect(() => {
    // Any 401 (idle timeout, server restart with new secrets) means: sign in again.
    setUnauthorizedHandler(() => queryClient.setQueryData(sessionQuery().queryKey, null));
    return () => setUnauthorizedHandler(null);
  }, [queryClient]);

  useEffect(() => {
    if (!signedIn) return;
    // Mock mode has no event stream (msw cannot hold one open): it polls instead.
    return startLiveEvents(queryClient, import.meta.env.PADDOCK_MOCK ? { EventSourceImpl: null, pollMs: 3_000 } : {});
  }, [signedIn, queryClient]);

  if (session.isPending) return <LoadingState label="Loading Paddock…" />;
  if (session.isError && session.data === undefined) {
    return (
      <main style={{ padding: '2rem' }}>
        <StateBox tone="error" title="Paddock could not be reached" action={<Button onClick={() => void session.refetch()}>Try again</Button>}>
          {errorMessage(session.error)}
        </StateBox>
      </main>
    );
  }
  if (!session.data) {
    // Signing out starts afresh at Sign in; only an expired session or a deep link comes back to its page.
    const from = signOut.isIdle && location.pathname !== '/' ? location.pathname : undefined;
    return <Navigate to={from ? `/sign-in?from=${encodeURIComponent(from)}` : '/sign-in'} replace />;
  }

  return (
    <PermissionsProvider role={session.data.role}>
      <Layout
        username={session.data.username}
        role={session.data.role}
        signingOut={signOut.isPending}
        onSignOut={() => signOut.mutate()}
        banner={<ConnectionBanner />}
      >
        {/* A page whose code cannot load fails here alone: navigation and the banner stay, and it tries
            again when the control plane is back or the user goes to another page. */}
        <LoadBoundary resetKey={location.pathname}>
          <Suspense fallback={<LoadingState label="Loading…" />}>
            <Outlet />
          </Suspense>
        </LoadBoundary>
        <UpdateAnnouncer groups={groups.data} />
      </Layout>
    </PermissionsProvider>
  );
}
