// `npm start`, step one: builds the console when dist/ is missing or older than its sources (unless
// PADDOCK_DIST_DIR points at a build to serve as it is), and the server bundle when it is stale. Then
// package.json's start script replaces the shell with `node build/server/main.js` (src/server/main.ts
// compiled): the server runs as plain JavaScript, in a process that never loaded tsx or Vite.
import { buildConsoleIfStale } from './build-console';
import { buildServerIfStale } from './build-server';

if (!process.env.PADDOCK_DIST_DIR?.trim()) await buildConsoleIfStale();
await buildServerIfStale();
