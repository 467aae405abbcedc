import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './store/db';
import { openTestDb } from './testing/db';
import { createGroup, createHarness, type Harness, register } from './testing/harness';

// Property: whatever JSON (or not-JSON) a client sends, the answer is never a 5xx, and every 4xx is problem+json.
let db: Db;
let drop: () => Promise<void>;
let h: Harness;
let groupId: string;
let token: string;
let key: string;

beforeAll(async () => {
  ({ db, drop } = await openTestDb('pglite'));
  h = await createHarness(db);
  await h.signIn();
  const g = await createGroup(h, 'Fuzz');
  groupId = g.id;
  key = g.key;
  token = (await register(h, key)).instanceToken;
});
afterAll(async () => {
  await h?.paddock.stop();
  await drop?.();
});

const fieldNames = [
  'name', 'isDefault', 'targetVersion', 'username', 'password', 'platform', 'hostname', 'address', 'os', 'arch',
  'version', 'replaces', 'lastError', 'type', 'updateId', 'reason', 'exitCode', 'signal', 'kind', 'message', 'at',
];
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('1.4.0', 'process', 'docker', 'goodbye', 'terminated', 'update-started', 'update-failed', 15, 137, null, true, ''),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('a\u0000b', '\ud800', 'x'.repeat(300)),
  fc.uuid(),
);
const objectBody = fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 8 });
const body = fc.oneof(
  objectBody.map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '[]', 'null', '{"name":', '\u0000', '{"name":"\ud800"}'),
);

const routes = () =>
  [
    ['POST', '/api/v1/runner-groups', 'console'],
    ['PATCH', `/api/v1/runner-groups/${groupId}`, 'console'],
    ['POST', `/api/v1/runner-groups/${groupId}/updates`, 'console'],
    ['POST', '/api/v1/session', 'console'],
    ['POST', '/api/v1/runner/register', 'key'],
    ['POST', '/api/v1/runner/register', 'token'],
    ['POST', '/api/v1/runner/heartbeat', 'token'],
    ['POST', '/api/v1/runner/events', 'token'],
  ] as const;

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('a\u0000b', '\ud800', '', ' '));
const shaped = fc.oneof(
  fc
    .record({
      name: anyText,
      platform: fc.constantFrom('process', 'docker'),
      hostname: anyText,
      address: anyText,
      os: anyText,
      arch: anyText,
      version: fc.constantFrom('1.3.0', '1.4.0'),
    })
    .map((b) => ['/api/v1/runner/register', 'key', b] as const),
  fc
    .record({ type: fc.constantFrom('update-failed', 'update-started'), updateId: anyText, reason: anyText })
    .map((b) => ['/api/v1/runner/events', 'token', b.type === 'update-started' ? { type: b.type, updateId: b.updateId } : b] as const),
  fc
    .record({ kind: fc.constantFrom('dns', 'other'), message: anyText, at: fc.constant('2026-01-01T00:00:00.000Z') })
    .map((e) => ['/api/v1/runner/heartbeat', 'token', { version: '1.3.0', lastError: e }] as const),
  fc.record({ name: anyText }).map((b) => ['/api/v1/runner-groups', 'console', b] as const),
  fc.record({ username: anyText, password: anyText }).map((b) => ['/api/v1/session', 'console', b] as const),
);

describe('fuzzed JSON bodies', () => {
  it('of the right shape with any text in their strings never produce a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(shaped, async ([path, auth, b]) => {
        const res = await h.call('POST', path, { body: b, bearer: auth === 'key' ? key : auth === 'token' ? token : undefined });
        const text = await res.text();
        expect(res.status, `${path} ${JSON.stringify(b)} → ${text}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 300 },
    );
  });

  it('never produce a 5xx; every 4xx is problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes().length - 1 }), body, async (i, raw) => {
        const [method, path, auth] = routes()[i]!;
        const res = await h.call(method, path, {
          raw,
          headers: { 'Content-Type': 'application/json' },
          bearer: auth === 'key' ? key : auth === 'token' ? token : undefined,
        });
        const text = await res.text();
        expect(res.status, `${method} ${path} ${raw} → ${text}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), `${method} ${path} ${raw}`).toBe('application/problem+json');
          const p = JSON.parse(text);
          expect(p.status).toBe(res.status);
          if (res.status === 400) expect(Array.isArray(p.errors)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never produce a 5xx from odd ids, query strings or headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.dictionary(fc.constantFrom('groupId', 'actor', 'cursor', 'limit', 'x'), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
        fc.string({ maxLength: 40 }),
        async (id, query, lastEventId) => {
          const seg = encodeURIComponent(id);
          const qs = new URLSearchParams(query).toString();
          for (const [method, path] of [
            ['GET', `/api/v1/runner-groups/${seg}`],
            ['GET', `/api/v1/runner-groups/${seg}/instances`],
            ['GET', `/api/v1/runner-groups/${seg}/updates`],
            ['DELETE', `/api/v1/runner-groups/${seg}x`],
            ['GET', `/api/v1/audit-events?${qs}`],
            ['GET', `/api/v1/install/${seg}`],
          ] as const) {
            const res = await h.call(method, path, { headers: { 'Idempotency-Key': lastEventId.replace(/[^\x20-\x7e]/g, '') || 'k' } });
            expect(res.status, `${method} ${path}`).toBeLessThan(500);
            if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
            await res.body?.cancel();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
