import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { LoadBoundary } from '../components/load-boundary';
import { AppLayoutRoute } from './routes/app-layout';
import { NotFoundRoute } from './routes/not-found';
import { RunnersRoute } from './routes/runners';

// Sign in and Activity load on demand; the Runners page is in the first bundle. Declarative routes
// keep react-router's data-router code (~16 KiB gzip) out of the first load.
const SignInRoute = lazy(() => import('./routes/sign-in').then((m) => ({ default: m.Component })));
const ActivityRoute = lazy(() => import('./routes/activity').then((m) => ({ default: m.Component })));

/** The console's routes. */
export function AppRoutes() {
  return (
    <LoadBoundary>
      <Suspense fallback={null}>
      <Routes>
        <Route path="/sign-in" element={<SignInRoute />} />
        <Route path="/" element={<AppLayoutRoute />}>
          <Route index element={<RunnersRoute />} />
          <Route path="activity" element={<ActivityRoute />} />
          {/* The page the left navigation calls Runners lives at /; a typed /runners lands there too. */}
          <Route path="runners" element={<Navigate to="/" replace />} />
          <Route path="*" element={<NotFoundRoute />} />
        </Route>
      </Routes>
      </Suspense>
    </LoadBoundary>
  );
}
