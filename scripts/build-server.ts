import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sources = ['src/server', 'src/contract', 'scripts/build-server.ts', 'package-lock.json'];

/**
 * The control plane as one JavaScript file, as `npm start` runs it. Running it through tsx instead
 * costs ≈70 MiB of RSS for the whole life of the server (the loader thread and every compiled module
 * kept with its source map) plus tsx's esbuild service process (≈15 MiB): a quarter of the 300 MiB the
 * idle server may use (PRODUCT.md §14). It sits as deep in the tree as src/server/config.ts, so paths
 * relative to the module (the console's dist/) resolve the same either way. Dependencies stay in
 * node_modules.
 */
export const serverBundle = join(root, 'build/server/main.js');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** Bundles src/server/main.ts into build/server/main.js when that is missing or older than its sources. */
export async function buildServerIfStale(say: (message: string) => void = console.log): Promise<void> {
  const builtAt = newest(serverBundle);
  const changedAt = Math.max(...sources.map((s) => newest(join(root, s))));
  if (builtAt !== 0 && changedAt <= builtAt) return;
  say(builtAt === 0 ? 'Building the server…' : 'Server sources changed; rebuilding the server…');
  // Imported here: the (short-lived) build step pays for Vite, never the server.
  const { build } = await import('vite');
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    build: {
      ssr: 'src/server/main.ts',
      outDir: 'build/server',
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'main.js' } },
    },
  });
}
