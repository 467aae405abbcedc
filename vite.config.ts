import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** Mock mode serves msw's worker straight from node_modules: no copy in public/, none in dist/. */
function mockServiceWorker(): Plugin {
  return {
    name: 'paddock-mock-service-worker',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/mockServiceWorker.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.setHeader('Service-Worker-Allowed', '/');
        res.end(readFileSync(new URL('./node_modules/msw/lib/mockServiceWorker.js', import.meta.url)));
      });
    },
  };
}

const controlPlane = process.env.PADDOCK_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig(({ mode }) => ({
  plugins: mode === 'mock' ? [react(), mockServiceWorker()] : [react()],
  define: { 'import.meta.env.PADDOCK_MOCK': JSON.stringify(mode === 'mock') },
  build: { outDir: 'dist', sourcemap: false, target: 'es2022' },
  server: {
    host: '127.0.0.1',
    // `npm run dev` proxies the API to a control plane; `npm run dev:mock` serves msw instead.
    proxy: mode === 'mock' ? undefined : { '/api': { target: controlPlane, changeOrigin: false }, '/metrics': controlPlane },
  },
  test: {
    // One PGlite per worker is ~750 MB and 4 s; two workers keep the 2-core machines responsive.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['src/contract/**/*.test.ts', 'src/server/**/*.test.ts', 'src/runner/**/*.test.ts', 'deploy/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'console',
          environment: 'jsdom',
          include: ['src/console/**/*.test.{ts,tsx}'],
          setupFiles: ['src/console/testing/setup.ts'],
          testTimeout: 15_000,
        },
      },
    ],
  },
}));
