import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const sources = ['src/console', 'src/contract', 'index.html', 'vite.config.ts', 'public', 'package-lock.json'];

/** Newest modification time of a file or directory tree, in ms (0 when missing). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** Builds the console into dist/ when it is missing or older than its sources; says why it builds. */
export async function buildConsoleIfStale(say: (message: string) => void = console.log): Promise<void> {
  const builtAt = newest(join(root, 'dist/index.html'));
  const changedAt = Math.max(...sources.map((s) => newest(join(root, s))));
  if (builtAt !== 0 && changedAt <= builtAt) return;
  say(builtAt === 0 ? 'Building the console…' : 'Console sources changed; rebuilding…');
  await build({ root, logLevel: 'warn', mode: 'production' });
}
