import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from './logger';
import { type RunningServer, startServer } from './server';
import { signInTo } from './testing/sse';

// PRODUCT.md §8 round 2: problem+json for every error the server can answer (Node's own included), the
// JSON depth limit before any recursive work, and install URLs and the CSRF origin from configuration only.

/** Sends raw bytes and answers the whole response text (the server closes the connection). */
function raw(url: string, request: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write(request);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

/** Status and problem body of a raw response. */
function parse(response: string): { status: number; type: string | undefined; body: { status?: number; title?: string } } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const type = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim();
  return { status, type, body: body ? JSON.parse(body) : {} };
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('errors from the HTTP layer are problem+json', () => {
  let server: RunningServer;
  const password = 'wire-password';
  beforeAll(async () => {
    server = await startServer({ port: 0, dataDir: 'memory', adminPassword: password, logger: memoryLogger(), distDir: '/nonexistent' });
  });
  afterAll(() => server?.close());

  it('a path that does not decode (/%ff) is 404 problem+json, not the console page', async () => {
    for (const path of ['/%ff', '/api/v1/runner-groups/%ff', '/runners/%E0%A4%A']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
      expect((await res.json()).detail).toContain('percent-encoded');
    }
  });

  it("Node's own refusals carry a problem+json body: headers too large, not HTTP, no Host", async () => {
    const big = parse(await raw(server.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`));
    expect(big).toMatchObject({ status: 431, type: 'application/problem+json', body: { status: 431 } });
    const garbage = parse(await raw(server.url, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage).toMatchObject({ status: 400, type: 'application/problem+json', body: { status: 400 } });
    const noHost = parse(await raw(server.url, 'GET /api/v1/healthz HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expect(noHost).toMatchObject({ status: 400, type: 'application/problem+json', body: { status: 400 } });
    const badChunk = parse(
      await raw(server.url, 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'),
    );
    expect(badChunk).toMatchObject({ status: 400, type: 'application/problem+json' });
    // the server still answers afterwards
    expect((await fetch(`${server.url}/api/v1/healthz`)).status).toBe(200);
  });

  it('JSON nested deeper than 64 levels is 400 without signing in, and 64 levels is not refused for depth', async () => {
    for (const depth of [65, 5000, 30_000]) {
      const res = await fetch(`${server.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'paddock' },
        body: depth === 30_000 ? `{"username":${nested(depth)}}` : nested(depth),
      });
      expect(res.status, String(depth)).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.stringify(await res.json())).toContain('64 levels');
    }
    // Brackets inside strings do not count.
    const inString = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'paddock' },
      body: JSON.stringify({ username: '['.repeat(100), password: 'x' }),
    });
    expect(inString.status).toBe(401);
    const shallow = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'paddock' },
      body: nested(64),
    });
    expect(shallow.status).toBe(400);
    expect(JSON.stringify(await shallow.json())).not.toContain('64 levels');
  });
});

describe('install URLs and allowed origins come from configuration, never the Host header', () => {
  let server: RunningServer;
  let publicServer: RunningServer;
  const password = 'origin-password';
  beforeAll(async () => {
    const common = { port: 0, dataDir: 'memory', adminPassword: password, logger: memoryLogger(), distDir: '/nonexistent' };
    server = await startServer({ ...common, host: '127.0.0.1' });
    publicServer = await startServer({ ...common, host: '127.0.0.1', publicUrl: 'https://paddock.example.com' });
  });
  afterAll(async () => {
    await server?.close();
    await publicServer?.close();
  });

  /** GET with a Host header of the client's choosing (fetch will not send one). */
  async function getWithHost(s: RunningServer, path: string, host: string, cookie: string) {
    const res = await raw(s.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    const [head = '', body = ''] = res.split('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body) };
  }

  it('the install template carries PADDOCK_PUBLIC_URL, else the listen address', async () => {
    const cookie = await signInTo(server.url, 'admin', password);
    const plain = await getWithHost(server, '/api/v1/install/docker', 'evil.example:6666', cookie);
    expect(plain.status).toBe(200);
    expect(plain.body.serverUrl).toBe(server.url);
    expect(JSON.stringify(plain.body)).not.toContain('evil.example');

    const publicCookie = await signInTo(publicServer.url, 'admin', password);
    const configured = await getWithHost(publicServer, '/api/v1/install/docker', 'evil.example', publicCookie);
    expect(configured.body.serverUrl).toBe('https://paddock.example.com');
    expect(JSON.stringify(configured.body)).not.toContain('evil.example');
  });

  it('a mutation whose Origin matches only its own Host header is refused (403), and the configured origin is accepted', async () => {
    const cookie = await signInTo(server.url, 'admin', password);
    const body = JSON.stringify({ name: 'Rebound' });
    const spoofed = await raw(
      server.url,
      `POST /api/v1/runner-groups HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example\r\nCookie: ${cookie}\r\nX-Requested-With: paddock\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(parse(spoofed)).toMatchObject({ status: 403, type: 'application/problem+json' });
    const list = await (await fetch(`${server.url}/api/v1/runner-groups`, { headers: { Cookie: cookie } })).json();
    expect(list).toEqual([]);
    const same = await fetch(`${server.url}/api/v1/runner-groups`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-Requested-With': 'paddock', 'Content-Type': 'application/json', Origin: server.url },
      body,
    });
    expect(same.status).toBe(201);
  });
});
