// `npm start`: builds the console when dist/ is missing or older than its sources, then serves it
// and the API on one port (src/server/main.ts reads the environment). With PADDOCK_DIST_DIR set, that
// build is served as it is and dist/ is left alone.
import { buildConsoleIfStale } from './build-console';

if (!process.env.PADDOCK_DIST_DIR?.trim()) await buildConsoleIfStale();
await import('../src/server/main');
