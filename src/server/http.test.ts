import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { call, signInTo } from './testing/sse';

let server: RunningServer;
let cookie: string;

beforeAll(async () => {
  server = await startServer({ port: 0, dataDir: 'memory', adminPassword: 'http-password', logger: memoryLogger(), distDir: '/nonexistent' });
  cookie = await signInTo(server.url, 'admin', 'http-password');
});
afterAll(() => server?.close());

/** Sends a body over a real socket, with Content-Length or chunked, and reads the answer. */
function send(path: string, chunks: string[], framing: 'length' | 'chunked') {
  const url = new URL(path, server.url);
  const body = chunks.join('');
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    cookie,
    'x-requested-with': 'paddock',
    origin: server.url,
    ...(framing === 'length' ? { 'content-length': Buffer.byteLength(body) } : { 'transfer-encoding': 'chunked' }),
  };
  return new Promise<{ status: number; type: string | undefined; text: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const groupNames = async () =>
  ((await (await call(server.url, 'GET', '/api/v1/runner-groups', { cookie })).json()) as Array<{ name: string }>).map((g) => g.name);

describe('request bodies over real HTTP', () => {
  const big = JSON.stringify({ name: 'Too big', pad: 'y'.repeat(70_000) });
  const halves = [big.slice(0, 35_000), big.slice(35_000)];

  it.each(['length', 'chunked'] as const)('413s a body over 64 KiB sent with %s framing, and writes nothing', async (framing) => {
    const res = await send('/api/v1/runner-groups', halves, framing);
    expect(res.status).toBe(413);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.text).detail).toMatch(/64 KiB/);
    expect(await groupNames()).not.toContain('Too big');
  });

  it.each(['length', 'chunked'] as const)('takes a body under the limit sent with %s framing', async (framing) => {
    const name = `Fits ${framing}`;
    const res = await send('/api/v1/runner-groups', [JSON.stringify({ name })], framing);
    expect(res.status).toBe(201);
    expect(await groupNames()).toContain(name);
  });
});
