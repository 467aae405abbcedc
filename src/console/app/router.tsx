import { Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { LoadBoundary } from '../components/load-boundary';
import { retryableLazy } from '../components/retryable-lazy';
import { AppLayoutRoute } from './routes/app-layout';
import { NotFoundRoute } from './routes/not-found';
import { RunnersRoute } from './routes/runners';

// Sign in, Activity and API tokens load on demand; the Runners page is in the first bundle. Declarative routes
// keep react-router's data-router code (~16 KiB gzip) out of the first load.
const SignInRoute = retryableLazy(() => import('./routes/sign-in').then((m) => m.Component));
const ActivityRoute = retryableLazy(() => import('./routes/activity').then((m) => m.Component));
const TokensRoute = retryableLazy(() => import('./routes/tokens').then((m) => m.Component));

/** The console's routes. */
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
            <Route index element={<RunnersRoute />} />
            <Route path="activity" element={<ActivityRoute />} />
            <Route path="settings/tokens" element={<TokensRoute />} />
            {/* The page the left navigation calls Runners lives at /; a typed /runners lands there too. */}
            <Route path="runners" element={<Navigate to="/" replace />} />
            <Route path="*" element={<NotFoundRoute />} />
          </Route>
        </Routes>
      </Suspense>
    </LoadBoundary>
  );
}

/**
 * Fetches the Activity page's code once the first page has rendered and the browser is idle, so going
 * there later needs no request (and still works when the control plane has gone away meanwhile).
 */
function preloadWhenIdle(preload: () => void): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(preload, { timeout: 5_000 });
    return () => window.cancelIdleCallback(handle);
  }
  const timer = setTimeout(preload, 2_000);
  return () => clearTimeout(timer);
}
