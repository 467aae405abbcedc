import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ZodType, z } from 'zod';
import { AuditQuery, CreateGroupBody, HeartbeatBody, PatchGroupBody, RegisterBody, RunnerEventBody, UpdateRequestBody } from '../contract';
import { fieldErrors } from './http';
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

describe('fieldErrors', () => {
  const errorsOf = (schema: ZodType, value: unknown) => {
    const result = schema.safeParse(value);
    if (result.success) throw new Error(`${JSON.stringify(value)} was accepted`);
    return fieldErrors(result.error.issues as never);
  };

  it.each([
    ['a wrong type', HeartbeatBody, { version: true }, [{ field: 'version', message: 'must be a string' }]],
    ['a missing field', RunnerEventBody, { type: 'update-started' }, [{ field: 'updateId', message: 'is required and must be a string' }]],
    ['a number out of range', AuditQuery, { limit: '0' }, [{ field: 'limit', message: 'must be at least 1' }]],
    ['a number that is not one', AuditQuery, { limit: 'ten' }, [{ field: 'limit', message: 'must be a number' }]],
    ['a string too long', AuditQuery, { actor: 'a'.repeat(129) }, [{ field: 'actor', message: 'must be at most 128 characters' }]],
    ['a one-character limit', z.string().max(1), 'ab', [{ field: 'body', message: 'must be at most 1 character' }]],
    ['a list too short', z.array(z.string()).min(2), ['a'], [{ field: 'body', message: 'must be at least 2 items' }]],
    ['an empty string', RegisterBody.shape.os, '', [{ field: 'body', message: 'must not be empty' }]],
    ['a value off the list', RegisterBody.shape.platform, 'windows', [{ field: 'body', message: 'must be one of kubernetes, docker, ec2, process' }]],
    ['an unknown discriminator', RunnerEventBody, { type: 42 }, [{ field: 'type', message: 'must be one of update-started, update-failed, terminated, goodbye' }]],
    ['an integer expected', RunnerEventBody, { type: 'goodbye', signal: 1.5 }, [{ field: 'signal', message: 'must be an integer' }]],
    ['an unknown field', UpdateRequestBody, { target: '1.0.0' }, [{ field: 'target', message: 'is not a known field' }]],
    ['not an object', CreateGroupBody, 'prod', [{ field: 'body', message: 'must be a JSON object' }]],
  ])("states the rule for %s instead of zod's default message", (_what, schema, value, expected) => {
    expect(errorsOf(schema as ZodType, value)).toEqual(expected);
  });

  it("keeps a schema's own message", () => {
    expect(errorsOf(CreateGroupBody, { name: '<b>' })).toEqual([{ field: 'name', message: expect.stringMatching(/^may contain only letters, digits/) }]);
    expect(errorsOf(PatchGroupBody, {})).toEqual([{ field: 'body', message: 'give name or isDefault' }]);
    expect(errorsOf(UpdateRequestBody, { targetVersion: 'latest' })).toEqual([{ field: 'targetVersion', message: 'must be a version such as 1.4.0' }]);
  });

  it('reports the broken fields of the union branch a value took, and the union itself otherwise', () => {
    expect(errorsOf(HeartbeatBody, { version: '1.4.0', lastError: { kind: 'dns', message: 'm', at: '2026-01-01T00:00:00Z', extra: 1 } })).toEqual([
      { field: 'lastError.extra', message: 'is not a known field' },
    ]);
    expect(errorsOf(HeartbeatBody, { version: '1.4.0', lastError: true })).toEqual([
      { field: 'lastError', message: 'must be an object {kind, message, at}, a string of at most 500 characters, or null' },
    ]);
  });

  it('never hands out one of zod\'s default messages for any runner-protocol or console body', () => {
    const bad: Array<[ZodType, unknown]> = [
      [RegisterBody, { name: 1, platform: 2, hostname: [], address: {}, os: null, arch: 'x'.repeat(65), version: '1', replaces: 'r'.repeat(65) }],
      [HeartbeatBody, { version: null, lastError: { kind: null, message: 5, at: 5 } }],
      [RunnerEventBody, { type: 'terminated', exitCode: 256, signal: 0, reason: 'r'.repeat(65) }],
      [RunnerEventBody, { type: 'update-failed', updateId: 'u'.repeat(65), reason: 'r'.repeat(501) }],
      [CreateGroupBody, { name: '', isDefault: 'yes' }],
      [AuditQuery, { limit: '1.5', cursor: 'c'.repeat(129) }],
    ];
    for (const [schema, value] of bad) {
      for (const e of errorsOf(schema, value)) expect(e.message, `${e.field} of ${JSON.stringify(value)}`).toMatch(/^(must|is|may|give) /);
    }
  });
});
