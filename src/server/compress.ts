import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Smaller answers are sent as they are: compressing them costs more than the bytes it saves. */
const minBytes = 1024;

export type Encoding = 'br' | 'gzip';

/** The encoding the client accepts that we prefer (br, then gzip), or null. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | null {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return null;
}

/** `raw` in `encoding`, or `raw` itself when it is too small to gain from it (then it is sent as it is). */
export async function encode(raw: Buffer, encoding: Encoding): Promise<Buffer> {
  if (raw.length < minBytes) return raw;
  return encoding === 'br'
    ? // Quality 4: most of brotli's gain on JSON at a small part of the default (11)'s time.
      brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
    : gzipAsync(raw, { level: 6 });
}

/**
 * Compresses JSON answers to GETs (lists, mostly) with br or gzip when the client accepts it. zlib's async
 * functions run on libuv's thread pool, so a large list is compressed beside the event loop, not on
 * it: heartbeats keep being answered meanwhile. Event streams are left alone (they are written as
 * they go), and so are answers already encoded (a shared list read: see routes/runner-groups.ts).
 */
export function compressJson(): MiddlewareHandler {
  return async (c, next) => {
    // Only reads answer lists. Every other answer is a small object, and merely looking at a body
    // turns @hono/node-server's light response into a web stream: a third of a heartbeat's cost.
    if (c.req.method !== 'GET') return next();
    await next();
    const res = c.res;
    const type = res.headers.get('Content-Type') ?? '';
    if (!res.body || res.headers.has('Content-Encoding') || !/^application\/(problem\+)?json/.test(type)) return;
    const encoding = pickEncoding(c.req.header('Accept-Encoding'));
    res.headers.append('Vary', 'Accept-Encoding');
    if (!encoding) return;
    const raw = Buffer.from(await res.arrayBuffer());
    const body = await encode(raw, encoding);
    const headers = new Headers(res.headers);
    headers.delete('Content-Length');
    if (body !== raw) headers.set('Content-Encoding', encoding);
    c.res = new Response(new Uint8Array(body), { status: res.status, statusText: res.statusText, headers });
  };
}
