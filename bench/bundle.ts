// Console JavaScript for the Runners page, gzip, beside the floor (react + react-dom alone), both
// built with Vite into temp dirs with a manifest (vite.config.ts and dist/ are left alone).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { repoRoot } from '../src/testing/processes';

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

export interface BundleFigures {
  runnersPageJsGzipBytes: number | null;
  floorGzipBytes: number | null;
  /** The files counted for the Runners page, for the notes. */
  runnersFiles: string[];
  notes: string[];
}

/** The Runners route module, should it ever be split into a lazy chunk (dialogs it opens later are not counted). */
const runnersRoute = /(^|\/)app\/routes\/runners\.[jt]sx?$/;

const gzipSize = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;

/** The entry chunk and its static imports, transitively; plus any lazily loaded Runners route. */
export function runnersPageFiles(manifest: Manifest): { files: string[]; lazyRoutes: string[] } {
  const entry = Object.entries(manifest).find(([, c]) => c.isEntry);
  if (!entry) throw new Error('no entry chunk in the Vite manifest');
  const seen = new Set<string>();
  const lazyRoutes: string[] = [];
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) return;
    seen.add(key);
    for (const k of chunk.imports ?? []) visit(k);
  };
  visit(entry[0]);
  // A Runners route split into its own chunk is still part of what the page needs to show.
  for (const key of [...seen]) {
    for (const d of manifest[key]?.dynamicImports ?? []) {
      if (runnersRoute.test(d) && !seen.has(d)) {
        lazyRoutes.push(d);
        visit(d);
      }
    }
  }
  const files = [...seen].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
  return { files, lazyRoutes };
}

async function buildWithManifest(outDir: string, config: Parameters<typeof build>[0]): Promise<Manifest> {
  await build({
    ...config,
    logLevel: 'warn',
    mode: 'production',
    build: { ...config?.build, outDir, emptyOutDir: true, manifest: true, target: 'es2022', sourcemap: false },
  });
  return JSON.parse(readFileSync(join(outDir, '.vite/manifest.json'), 'utf8')) as Manifest;
}

/** Builds the console as `npm run build` would, with a manifest, into `outDir` (the bench serves it from there). */
export function buildConsole(outDir: string): Promise<Manifest> {
  return buildWithManifest(outDir, { root: repoRoot, configFile: join(repoRoot, 'vite.config.ts') });
}

/** Builds the console into `consoleOut` (kept, so the bench's servers can serve it) and the floor into a temp dir. */
export async function measureBundle(consoleOut: string): Promise<BundleFigures> {
  const notes: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'paddock-bench-floor-'));
  try {
    let floorGzipBytes: number | null = null;
    try {
      const manifest = await buildWithManifest(tmp, {
        root: join(repoRoot, 'bench/floor'),
        configFile: false,
        plugins: [react()],
      });
      floorGzipBytes = runnersPageFiles(manifest).files.reduce((sum, f) => sum + gzipSize(join(tmp, f)), 0);
    } catch (e) {
      notes.push(`floor build failed: ${(e as Error).message.split('\n')[0]}`);
    }

    let runnersPageJsGzipBytes: number | null = null;
    let runnersFiles: string[] = [];
    try {
      const manifest = await buildConsole(consoleOut);
      const { files, lazyRoutes } = runnersPageFiles(manifest);
      runnersFiles = files;
      runnersPageJsGzipBytes = files.reduce((sum, f) => sum + gzipSize(join(consoleOut, f)), 0);
      notes.push(
        `bundle: Runners page = entry chunk + its static imports${lazyRoutes.length ? ` + lazy route ${lazyRoutes.join(', ')}` : ''} (${files.length} JS files, gzip level 9)`,
      );
    } catch (e) {
      notes.push(`console build failed: ${(e as Error).message.split('\n')[0]}`);
    }
    return { runnersPageJsGzipBytes, floorGzipBytes, runnersFiles, notes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
