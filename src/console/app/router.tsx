import { Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { LoadBoundary } from '../components/load-boundary';
import { preloadWhenIdle, retryableLazy } from '../components/retryable-lazy';
import { paths } from '../lib/paths';
import { AppLayoutRoute } from './routes/app-layout';
import { NotFoundRoute } from './routes/not-found';
import { RunnersRoute } from './routes/runners';

// Sign in, Activity and API tokens load on demand; the Runners page is in the first bundle. Declarative routes
// keep react-router's data-router code (~16 KiB gzip) out of the first load.
const SignInRoute = retryableLazy(() => import('./routes/sign-in').then((m) => m.Component));
const ActivityRoute = retryableLazy(() => import('./routes/activity').then((m) => m.Component));
const NotificationsRoute = retryableLazy(() => import('./routes/notifications').then((m) => m.Component));
const TokensRoute = retryableLazy(() => import('./routes/tokens').then((m) => m.Component));

/** The console's routes (addresses: lib/paths.ts, PRODUCT.md §3 round 2). */
export function AppRoutes() {
  const location = useLocation();
  useEffect(() => preloadWhenIdle(ActivityRoute.preload), []);
  // The layout keeps its own boundary around the page; this one only catches what fails outside it
  // (Sign in, the layout itself).
  return (
    <LoadBoundary resetKey={location.pathname}>
      <Suspense fallback={null}>
        <Routes>
          <Route path="/sign-in" element={<SignInRoute />} />
          <Route path="/" element={<AppLayoutRoute />}>
            <Route index element={<Navigate to={paths.runners()} replace />} />
            {/* The list, a group's Edit dialog over it, and one of its instances: one page, three addresses. */}
            <Route path="runners/*" element={<RunnersRoute />} />
            <Route path="activity" element={<ActivityRoute />} />
            <Route path="notifications" element={<NotificationsRoute />} />
            <Route path="settings/tokens" element={<TokensRoute />} />
            <Route path="*" element={<NotFoundRoute />} />
          </Route>
        </Routes>
      </Suspense>
    </LoadBoundary>
  );
}
