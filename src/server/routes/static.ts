import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { Hono } from 'hono';
import { type AppEnv, problemResponse } from '../http';
import { notFound } from '../problem';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const missingBuild = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Paddock</title></head>
<body><h1>Paddock</h1><p>The console has not been built yet. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>The API is available under <code>/api/v1</code>.</p></body></html>`;

async function fileAt(path: string): Promise<Buffer | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? await readFile(path) : null;
  } catch {
    return null;
  }
}

/**
 * The console's client-side routes (src/console/app/router.tsx, addresses of PRODUCT.md §3 round 2);
 * anything else is an unknown route. A group's or an instance's address is served whether or not it
 * exists: the page itself says when it was deleted.
 */
const consoleRoutes = new Set(['/', '/sign-in', '/activity', '/runners', '/notifications', '/settings/tokens']);
const consolePatterns = [/^\/runners\/[^/]+$/, /^\/runners\/[^/]+\/instances\/[^/]+$/];

/** Whether a path (trailing slashes ignored) is one of the console's addresses. */
export function isConsoleRoute(pathname: string): boolean {
  const path = pathname.replace(/\/+$/, '') || '/';
  return consoleRoutes.has(path) || consolePatterns.some((p) => p.test(path));
}

/**
 * Serves the built console from `distDir`: files as they are, the console's routes get index.html.
 * An unknown route is a 404: a browser (Accept: text/html) still gets index.html, whose own page says
 * "Page not found"; any other client gets problem+json (PRODUCT.md §8), as does a missing asset.
 */
export function staticRoutes(distDir: string) {
  const root = resolve(distDir);
  const r = new Hono<AppEnv>();
  r.get('*', async (c) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      pathname = '/';
    }
    const candidate = resolve(join(root, pathname));
    if ((candidate === root || candidate.startsWith(root + sep)) && pathname !== '/') {
      const body = await fileAt(candidate);
      if (body) {
        const immutable = pathname.startsWith('/assets/');
        return c.body(new Uint8Array(body), 200, {
          'Content-Type': types[extname(candidate).toLowerCase()] ?? 'application/octet-stream',
          'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
    }
    const known = isConsoleRoute(pathname);
    const wantsPage = (c.req.header('Accept') ?? '').includes('text/html');
    if (!known && (!wantsPage || pathname.startsWith('/assets/'))) return problemResponse(notFound('No such route.'));
    const status = known ? 200 : 404;
    const index = await fileAt(join(root, 'index.html'));
    if (!index) return c.html(missingBuild, status, { 'Cache-Control': 'no-store' });
    return c.body(new Uint8Array(index), status, { 'Content-Type': types['.html']!, 'Cache-Control': 'no-cache' });
  });
  return r;
}
