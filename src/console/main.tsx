import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { Providers } from './app/providers';
import { AppRoutes } from './app/router';
import { createQueryClient } from './lib/query-client';
import './tokens.css';

async function start() {
  // `npm run dev:mock`: the msw service worker plays the control plane. The flag is a build-time
  // constant, so production bundles drop this branch and never contain msw.
  if (import.meta.env.PADDOCK_MOCK) {
    const { startMockWorker } = await import('./testing/browser');
    await startMockWorker();
  }
  const root = document.getElementById('root');
  if (!root) throw new Error('no #root element');
  createRoot(root).render(
    <StrictMode>
      <Providers queryClient={createQueryClient()}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </Providers>
    </StrictMode>,
  );
}

void start();
