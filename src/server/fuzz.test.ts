import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './store/db';
import { allTables } from './store/migrations';
import { type Backend, openTestDb, waitFor } from './testing/db';
import { createGroup, createHarness, type Harness, heartbeat, register } from './testing/harness';

// Property: whatever a client sends — body, path id, query string, headers — the answer is never a 5xx,
// every 4xx is problem+json, and an invalid request changes nothing (PRODUCT.md §8).

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

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('a\u0000b', '\ud800', '', ' '));

/** Text as it arrives in a header over HTTP: its UTF-8 bytes read as Latin-1, without the bytes HTTP forbids. */
const asHeader = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'), (b) => String.fromCharCode(b))
    .join('')
    .replace(/[\0\r\n]/g, '');

/** Percent-encoded text as a client may send it: control characters, NUL, invalid UTF-8, lone surrogates, stray '%'. */
const percentJunk = fc
  .array(
    fc.oneof(
      // NUL is what PostgreSQL text refuses, so it comes often.
      { weight: 2, arbitrary: fc.constant('%00') },
      fc.constantFrom(
        '%01', '%1F', '%7F', '%C3%A9', '%E2%80%AE', '%ED%A0%80', '%F0%9F%92%A9', '%FF', '%C0%AF', '%E0%A4%A', '%', '%zz',
        '%25', '%2B', '+', '%20', '%0A', '%2F', '%3F', '%23',
      ),
      fc.string({ maxLength: 4 }).map(encodeURIComponent),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((a) => a.join(''));

/** Path segments that are not ids: not-UUIDs, unicode, very long, percent-encoded (valid or not), dot segments. */
const junkSegment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
  { weight: 2, arbitrary: percentJunk },
  fc.string({ minLength: 100, maxLength: 2000 }).map(encodeURIComponent),
  fc
    .uuid()
    .chain((u) => fc.constantFrom(u.toUpperCase(), `${u}x`, `{${u}}`, ` ${u}`, `${u}\u0000`, u.replace(/-/g, '')))
    .map(encodeURIComponent),
  fc.constantFrom(
    'null', 'undefined', '0', '-1', '1e309', 'NaN', '..%2F..', '%2e%2e', 'x'.repeat(5000), '%00'.repeat(300),
    "'%20OR%201=1--", '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ),
);

/** Query values: numbers out of range, negative, huge, non-numeric, unicode, empty, percent junk. */
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
  percentJunk,
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.integer({ min: -5, max: 500 }).map(String),
  fc.uuid(),
  fc.constantFrom(
    '', '0', '-1', '1.5', '1e2', '1e400', 'NaN', 'Infinity', '-Infinity', '0x10', '+5', '%205%20', '9223372036854775807',
    '9223372036854775808', '999999999999999999', '1'.repeat(19), '1'.repeat(200), 'x'.repeat(3000), 'admin', 'Fuzz', '%27', '%5C',
  ),
);
/** Mostly the parameters routes read (an unknown one is a 400 before any value is looked at), some junk. */
const queryKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('cursor', 'limit', 'group', 'groupId', 'user', 'actor', 'lastEventId') },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('platform', 'id', 'x', '', 'limit[]', '__proto__'), percentJunk) },
);
const queryString = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v, bare]) => (bare && v === '' ? k : `${k}=${v}`)).join('&')}`));

/** Last-Event-ID: ids out of range, negative, huge, non-numeric, unicode. */
const lastEventId = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer({ min: -3, max: 60 }).map(String),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '', ' ', '0', '00', '-0', '-1', '1.0', '1e3', '0x10', 'NaN', '9223372036854775807', '9223372036854775808', '999999999999999999',
    '1'.repeat(19), '9'.repeat(400), '٣', '１２', '\u00b2', '1\u00a0', 'null',
  ),
);

/** A Cookie header for the session: none, junk, percent-encoded junk, too long; never the admin's own. */
const junkCookie = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 60 }).map((s) => `paddock_session=${asHeader(s).replace(/[;,]/g, '')}`),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `paddock_session=${encodeURIComponent(s)}`),
  fc.constantFrom('paddock_session=', 'paddock_session=%00', 'paddock_session=%E0%A4%A', `paddock_session=${'a'.repeat(129)}`, 'a=b; c'),
);

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('fuzzed requests on %s', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let h: Harness;
  let groupId: string;
  let token: string;
  let key: string;
  let deletedGroupId: string;

  beforeAll(async () => {
    ({ db, drop } = await openTestDb(backend));
    h = await createHarness(db);
    await h.signIn();
    const g = await createGroup(h, 'Fuzz');
    groupId = g.id;
    key = g.key;
    token = (await register(h, key)).instanceToken;
    await register(h, key, { name: 'runner-2', platform: 'docker' });
    expect((await heartbeat(h, token, { version: '1.3.0' })).status).toBe(200);
    const gone = await createGroup(h, 'Fuzz deleted');
    await register(h, gone.key);
    expect((await h.call('DELETE', `/api/v1/runner-groups/${gone.id}`)).status).toBe(204);
    deletedGroupId = gone.id;
  });
  afterAll(async () => {
    await h?.paddock.stop();
    await drop?.();
  });

  /** Every row of every table, so "changes nothing" is checked on the database itself. */
  async function snapshot(): Promise<Record<string, string[]>> {
    await h.paddock.batcher.flush();
    const out: Record<string, string[]> = {};
    for (const t of allTables) {
      out[t] = (await db.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM ${t} t ORDER BY 1`)).map((x) => x.r);
    }
    return out;
  }

  /** Compares table by table, so a failure names the table that changed. */
  async function expectUnchanged(before: Record<string, string[]>): Promise<void> {
    const after = await snapshot();
    for (const t of allTables) expect(after[t], `rows of ${t}`).toEqual(before[t]);
  }

  /** Reads the answer and checks it is no 5xx and every 4xx is problem+json carrying its status. */
  async function expectHandled(res: Response, what: string): Promise<void> {
    const text = await res.text();
    expect(res.status, `${what} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get('content-type'), `${what} → ${res.status}`).toBe('application/problem+json');
      expect(JSON.parse(text).status, what).toBe(res.status);
    }
  }

  describe('JSON bodies', () => {
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

    it('of the right shape with any text in their strings never produce a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(shaped, async ([path, auth, b]) => {
          const res = await h.call('POST', path, { body: b, bearer: auth === 'key' ? key : auth === 'token' ? token : undefined });
          await expectHandled(res, `POST ${path} ${JSON.stringify(b)}`);
        }),
        { numRuns: 150 },
      );
    });

    it('of any text never produce a 5xx; every 4xx is problem+json, every 400 names its fields', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: routes().length - 1 }), body, async (i, raw) => {
          const [method, path, auth] = routes()[i]!;
          const res = await h.call(method, path, {
            raw,
            headers: { 'Content-Type': 'application/json' },
            bearer: auth === 'key' ? key : auth === 'token' ? token : undefined,
          });
          const text = await res.clone().text();
          await expectHandled(res, `${method} ${path} ${raw}`);
          if (res.status === 400) expect(Array.isArray(JSON.parse(text).errors), `${method} ${path} ${raw}`).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
    it('nested to any depth or sized around the 64 KiB limit: deeper than 64 levels is 400, over 64 KiB is 413, never a 5xx, nothing written', async () => {
      const before = await snapshot();
      const openers = ['[', '{"name":', '{"lastError":', '[1,', '{"a":[{"b":'];
      const closers: Record<string, string> = { '[': ']', '{"name":': '}', '{"lastError":': '}', '[1,': ']', '{"a":[{"b":': '}]}' };
      const levels = (opener: string) => (opener.match(/[[{]/g) ?? []).length;
      const nestedBody = fc
        .record({
          // At least 2: a one-level body could be a valid request (a rename), and this property is about refusals.
          depth: fc.oneof(fc.integer({ min: 2, max: 70 }), fc.integer({ min: 60, max: 6000 })),
          pattern: fc.array(fc.constantFrom(...openers), { minLength: 1, maxLength: 4 }),
          inner: fc.oneof(fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)), fc.constantFrom('"x"', '1', 'null', '{}', '[]', '"[[[{{{"')),
          truncate: fc.boolean(),
        })
        .map(({ depth, pattern, inner, truncate }) => {
          const opens = Array.from({ length: depth }, (_, i) => pattern[i % pattern.length]!);
          const text = `${opens.join('')}${inner}${opens.map((o) => closers[o]).reverse().join('')}`;
          const levelCount = opens.reduce((n, o) => n + levels(o), 0) + (inner.startsWith('{') || inner.startsWith('[') ? 1 : 0);
          return { text: truncate ? text.slice(0, Math.ceil(text.length / 2)) : text, levelCount, truncate };
        });
      const sizedBody = fc.integer({ min: 64 * 1024 - 64, max: 64 * 1024 + 64 }).map((size) => {
        const text = `{"name":"${'x'.repeat(Math.max(0, size - 11))}"}`;
        return { text, levelCount: 1, truncate: false };
      });
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: routes().length - 1 }), fc.oneof(nestedBody, sizedBody), async (i, b) => {
          const [method, path, auth] = routes()[i]!;
          const res = await h.call(method, path, {
            raw: b.text,
            headers: { 'Content-Type': 'application/json' },
            bearer: auth === 'key' ? key : auth === 'token' ? token : undefined,
          });
          const what = `${method} ${path} depth=${b.levelCount} bytes=${Buffer.byteLength(b.text)} ${b.text.slice(0, 80)}`;
          const text = await res.clone().text();
          await expectHandled(res, what);
          expect(res.status, what).toBeGreaterThanOrEqual(400);
          if (Buffer.byteLength(b.text) > 64 * 1024) expect(res.status, what).toBe(413);
          else if (b.levelCount > 64 && !b.truncate && res.status === 400) expect(text, what).toContain('64 levels');
        }),
        { numRuns: 120 },
      );
      await expectUnchanged(before);
    });
  });

  describe('invalid requests that change nothing', () => {
    it('DELETE of a group by a junk, unknown or deleted id, with any body and headers: a 4xx, and nothing is deleted', async () => {
      const before = await snapshot();
      const id = fc.oneof(
        { weight: 4, arbitrary: junkSegment },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constant('deleted') },
      );
      await fc.assert(
        fc.asyncProperty(
          id,
          fc.option(body, { nil: undefined }),
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
          fc.boolean(),
          fc.oneof(fc.constant(undefined), fc.constant('session'), junkCookie),
          async (seg, raw, type, csrf, cookie) => {
            const path = `/api/v1/runner-groups/${seg === 'deleted' ? deletedGroupId : seg}`;
            const res = await h.call('DELETE', path, {
              raw,
              headers: type ? { 'Content-Type': type } : {},
              csrf,
              cookie: cookie === undefined ? null : cookie === 'session' ? h.cookie : cookie,
            });
            const what = `DELETE ${path.slice(0, 200)} ${raw} csrf=${csrf} cookie=${cookie}`;
            expect(res.status, what).toBeGreaterThanOrEqual(400);
            await expectHandled(res, what);
          },
        ),
        { numRuns: 150 },
      );
      await expectUnchanged(before);
      expect((await h.call('GET', `/api/v1/runner-groups/${groupId}`)).status).toBe(200);
    });

    it('PATCH, key rotation and update requests to a junk, unknown or deleted id, with any Idempotency-Key: a 4xx, and nothing is written', async () => {
      const before = await snapshot();
      const id = fc.oneof({ weight: 4, arbitrary: junkSegment }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constant('deleted') });
      const idempotencyKey = fc.option(
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', 'k', 'x'.repeat(129))).map(asHeader),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('PATCH', 'rotate', 'update'), id, fc.option(body, { nil: undefined }), idempotencyKey, async (op, seg, raw, ik) => {
          const target = seg === 'deleted' ? deletedGroupId : seg;
          const [method, path] =
            op === 'PATCH'
              ? ['PATCH', `/api/v1/runner-groups/${target}`]
              : ['POST', `/api/v1/runner-groups/${target}/${op === 'rotate' ? 'registration-key' : 'updates'}`];
          const res = await h.call(method, path, {
            raw: raw ?? (op === 'PATCH' ? '{"name":"Renamed by fuzz"}' : undefined),
            headers: { 'Content-Type': 'application/json', ...(ik === undefined ? {} : { 'Idempotency-Key': ik }) },
          });
          const what = `${method} ${path.slice(0, 200)} ${raw} Idempotency-Key=${JSON.stringify(ik)}`;
          expect(res.status, what).toBeGreaterThanOrEqual(400);
          await expectHandled(res, what);
        }),
        { numRuns: 150 },
      );
      await expectUnchanged(before);
    });

    it('DELETE of the session with junk cookies, bodies or no CSRF header: 401/403, and the session lives on', async () => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(
          fc.option(body, { nil: undefined }),
          junkCookie,
          fc.boolean(),
          fc.option(fc.string({ maxLength: 40 }).map(asHeader), { nil: undefined }),
          async (raw, cookie, withOwnCookie, origin) => {
            // With the admin's own cookie the request is only invalid without the CSRF header.
            const res = await h.call('DELETE', '/api/v1/session', {
              raw,
              headers: { 'Content-Type': 'application/json', ...(origin === undefined ? {} : { Origin: origin }) },
              cookie: withOwnCookie ? h.cookie : cookie,
              csrf: !withOwnCookie,
            });
            const what = `DELETE /api/v1/session ${raw} cookie=${withOwnCookie ? 'own' : cookie} origin=${origin}`;
            expect([401, 403], what).toContain(res.status);
            await expectHandled(res, what);
          },
        ),
        { numRuns: 100 },
      );
      await expectUnchanged(before);
      expect((await h.call('GET', '/api/v1/session')).status).toBe(200);
    });

    it('every GET with a junk path id and any query string: no 5xx, 4xx is problem+json, and nothing changes', async () => {
      const before = await snapshot();
      const gets = (seg: string) => [
        '/api/v1/runner-groups',
        `/api/v1/runner-groups/${seg}`,
        `/api/v1/runner-groups/${seg}/instances`,
        `/api/v1/runner-groups/${seg}/updates`,
        '/api/v1/audit-events',
        `/api/v1/install/${seg}`,
        '/api/v1/session',
        '/api/v1/healthz',
        '/api/v1/readyz',
        '/metrics',
        `/api/v1/${seg}`,
      ];
      const segment = fc.oneof({ weight: 4, arbitrary: junkSegment }, { weight: 1, arbitrary: fc.constantFrom('real', 'deleted', 'helm') });
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: gets('').length - 1 }),
          segment,
          queryString,
          fc.boolean(),
          async (i, seg, qs, signedIn) => {
            const id = seg === 'real' ? groupId : seg === 'deleted' ? deletedGroupId : seg;
            const path = `${gets(id)[i]!}${qs}`;
            const res = await h.call('GET', path, { cookie: signedIn ? h.cookie : null });
            await expectHandled(res, `GET ${path.slice(0, 300)} signedIn=${signedIn}`);
          },
        ),
        { numRuns: 400 },
      );
      await expectUnchanged(before);
    });

    it('the audit log query: a 200 page or a 400 naming the parameter, and nothing changes', async () => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(queryString, async (qs) => {
          const res = await h.call('GET', `/api/v1/audit-events${qs}`);
          const text = await res.clone().text();
          await expectHandled(res, `GET /api/v1/audit-events${qs.slice(0, 300)}`);
          expect([200, 400], qs).toContain(res.status);
          const b = JSON.parse(text);
          if (res.status === 200) expect(Array.isArray(b.items), qs).toBe(true);
          else expect(b.errors.length, qs).toBeGreaterThan(0);
        }),
        { numRuns: 150 },
      );
      await expectUnchanged(before);
    });

    it('the event stream with any query and Last-Event-ID: 200 event-stream or a 4xx problem+json, and aborting frees it', async () => {
      const before = await snapshot();
      const subscribers = h.paddock.hub.size;
      await fc.assert(
        fc.asyncProperty(
          queryString,
          fc.option(lastEventId, { nil: undefined }),
          fc.option(lastEventId, { nil: undefined }),
          fc.boolean(),
          async (qs, header, param, signedIn) => {
            const query = param === undefined ? qs : `${qs ? `${qs}&` : '?'}lastEventId=${encodeURIComponent(param)}`;
            const what = `GET /api/v1/events${query.slice(0, 300)} Last-Event-ID=${JSON.stringify(header)} signedIn=${signedIn}`;
            const res = await h.call('GET', `/api/v1/events${query}`, {
              headers: header === undefined ? {} : { 'Last-Event-ID': asHeader(header) },
              cookie: signedIn ? h.cookie : null,
            });
            if (res.status !== 200) return expectHandled(res, what);
            expect(res.headers.get('content-type'), what).toMatch(/^text\/event-stream/);
            const reader = res.body!.getReader();
            const first = await reader.read();
            expect(new TextDecoder().decode(first.value), what).toContain(': connected');
            await reader.cancel();
          },
        ),
        { numRuns: 150 },
      );
      await waitFor(() => h.paddock.hub.size === subscribers, { what: 'every aborted stream to unsubscribe' });
      await expectUnchanged(before);
    });
  });
});
