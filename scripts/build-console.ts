import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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
  // In a child process: Vite and its bundler stay out of the server's memory (≈30 MiB loaded, a few
  // hundred while building, which an idle server would keep until a full GC).
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [vite, 'build', '--mode', 'production', '--logLevel', 'warn'], { cwd: root }, (err) =>
      err ? reject(new Error(`the console build failed (${err.message.split('\n')[0]})`)) : resolve(),
    );
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  });
}
