import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkedBodyComplete, runLoad } from './load';

// The generator's own correctness (counts, statuses, framing, bodies sent), not its speed.
let server: Server;
let base: string;
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${body}`);
      if (req.url === '/chunked') {
        // A chunk whose data ends like the last chunk, sent in pieces: only the real end completes it.
        res.setHeader('keep-alive', 'timeout=10');
        res.write('{"a":"0\r\n');
        setImmediate(() => {
          res.write('\r\n"}');
          res.end();
        });
      } else if (req.url === '/close') {
        res.setHeader('connection', 'close');
        res.end('bye');
      } else if (req.url === '/teapot') {
        res.statusCode = 418;
        res.end('no');
      } else res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// Ends at maxRequests; the long duration is only a ceiling, so a loaded machine still reaches the count.
const quick = { connections: 4, warmupMs: 0, durationMs: 60_000, maxRequests: 200 };

describe('runLoad', () => {
  it.each(['/json', '/chunked', '/close'])('counts every answer of %s as a success, with its body and headers sent', async (path) => {
    bodies.length = 0;
    const r = await runLoad({
      ...quick,
      baseUrl: base,
      build: (i) => ({ path, method: 'POST', headers: { authorization: `Bearer t${i % 3}` }, body: `{"n":${i}}` }),
    });
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThanOrEqual(200);
    expect(bodies.length).toBeGreaterThanOrEqual(r.requests);
    expect(bodies).toContain(`POST ${path} Bearer t1 {"n":1}`);
  });

  it('counts other statuses as errors, by kind', async () => {
    const r = await runLoad({ ...quick, baseUrl: base, build: () => ({ path: '/teapot', method: 'GET' }) });
    expect(r.errors).toBe(r.requests);
    expect(Object.keys(r.errorKinds)).toEqual(['HTTP 418']);
  });

  it('offers a fixed rate in the open loop', async () => {
    const r = await runLoad({ ...quick, durationMs: 1_000, maxRequests: 1e6, offeredPerSec: 200, baseUrl: base, build: () => ({ path: '/json', method: 'GET' }) });
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(150);
    expect(r.requests).toBeLessThan(250);
  });

  it('counts a refused connection as an error instead of hanging', async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const r = await runLoad({ ...quick, durationMs: 100, baseUrl: `http://127.0.0.1:${port}`, build: () => ({ path: '/', method: 'GET' }) });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.errors).toBe(r.requests);
    expect(Object.keys(r.errorKinds)).toEqual(['ECONNREFUSED']);
  });
});

describe('chunkedBodyComplete', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  it.each([
    ['', false],
    ['5\r\nhello\r\n', false],
    ['5\r\nhello\r\n0\r\n', false],
    ['5\r\nhello\r\n0\r\n\r\n', true],
    // data that ends like the last chunk does not end the body
    ['9\r\n{"a":"0\r\n\r\n', false],
    ['9\r\n{"a":"0\r\n\r\n4\r\n\r\n"}\r\n0\r\n\r\n', true],
    ['a\r\n0123456789\r\n0\r\n\r\n', true],
  ])('%j → %s', (body, complete) => {
    const head = 'HTTP/1.1 200 OK\r\nkeep-alive: timeout=10\r\n\r\n';
    expect(chunkedBodyComplete(b(head + body), head.length)).toBe(complete);
  });
});
