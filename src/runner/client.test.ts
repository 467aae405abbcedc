import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, RunnerCallError, RunnerClient } from './client';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failureOf(p: Promise<unknown>): Promise<RunnerCallError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunnerCallError);
  return err as RunnerCallError;
}

const hb = { version: '1.4.0' };

describe('classifyResponse', () => {
  it.each([
    [401, '{"detail":"registration key revoked or unknown"}', 'key_revoked', true],
    [410, '{"detail":"runner group deleted"}', 'group_deleted', true],
    [426, '', 'version_too_old', false],
    [400, '{"detail":"runner version 0.1.0 is too old"}', 'version_too_old', false],
    [503, 'oops', 'other', false],
    [504, '', 'timeout', false],
  ] as const)('%i %s → %s', (status, body, kind, final) => {
    const e = classifyResponse(status, body, '/x');
    expect(e.kind).toBe(kind);
    expect(e.final).toBe(final);
  });

  it('carries the problem detail the server wrote', () => {
    expect(classifyResponse(401, '{"detail":"registration key revoked or unknown"}', '/x').message).toContain('registration key revoked or unknown');
  });
});

describe('RunnerClient against real sockets', () => {
  it('sends the bearer credential and parses the answer', async () => {
    let auth = '';
    const url = await listen((req, res) => {
      auth = req.headers.authorization ?? '';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ commands: [], heartbeatSeconds: 5 }));
    });
    await expect(new RunnerClient(url).heartbeat('tok_1', hb)).resolves.toEqual({ commands: [], heartbeatSeconds: 5 });
    expect(auth).toBe('Bearer tok_1');
  });

  it('reports a refused connection as other', async () => {
    const url = await listen(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const e = await failureOf(new RunnerClient(url).heartbeat('t', hb));
    expect(e.kind).toBe('other');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('reports a server that never answers as timeout', async () => {
    const url = await listen(() => {});
    const e = await failureOf(new RunnerClient(url, 200).heartbeat('t', hb));
    expect(e.kind).toBe('timeout');
  });

  it('reports a TLS handshake failure as tls', async () => {
    const url = await listen((_req, res) => res.end('plain http'));
    const e = await failureOf(new RunnerClient(url.replace('http:', 'https:')).heartbeat('t', hb));
    expect(e.kind).toBe('tls');
  });

  it('reports a name that does not resolve as dns', async () => {
    const e = await failureOf(new RunnerClient('http://paddock.invalid', 5000).heartbeat('t', hb));
    expect(e.kind).toBe('dns');
  });
});
