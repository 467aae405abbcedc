// `npm start`: builds the console when dist/ is missing or older than its sources, then serves it
// and the API on one port (src/server/main.ts reads the environment).
import { buildConsoleIfStale } from './build-console';

await buildConsoleIfStale();
await import('../src/server/main');
