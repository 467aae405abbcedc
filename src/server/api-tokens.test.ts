import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiToken, api, type CreatedToken, type Update } from '../contract';
import { tokenUsageWriteMs } from './api-tokens';
import { hashSecret } from './keys';
import { memoryLogger } from './logger';
import { keepAliveMs } from './routes/events';
import { type RunningServer, startServer } from './server';
import { deleteApiToken } from './store/api-tokens';
import { type Backend, waitFor } from './testing/db';
import { createGroup, type Harness, heartbeat, register, setUpSignedInHarness } from './testing/harness';
import { openApiChecker } from './testing/openapi-check';
import { call, openSse } from './testing/sse';

const backends: Backend[] = ['pglite', 'postgres'];

/** Makes a token as the signed-in user (console session) and answers it with its secret. */
async function makeToken(h: Harness, body: Record<string, unknown> = {}): Promise<CreatedToken> {
  const res = await h.call('POST', api.tokens, { body: { name: 'ci', scope: 'write', ...body } });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A call made with the token alone: no cookie, no CSRF header. */
const withToken = (h: Harness, secret: string) => (method: string, path: string, body?: unknown) =>
  h.call(method, path, { bearer: secret, cookie: null, body });

describe.each(backends)('API tokens on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  it('shows the secret once, with no-store; no GET, audit entry or table holds it, only its hash', async () => {
    const res = await h.call('POST', api.tokens, { body: { name: '  terraform ci ', scope: 'write' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { token, secret } = (await res.json()) as CreatedToken;
    expect(secret).toMatch(/^pat_[0-9A-Za-z]{40}$/);
    expect(token).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'terraform ci',
      scope: 'write',
      prefix: secret.slice(0, 8),
      owner: 'admin',
      createdAt: '2026-03-01T12:00:00.000Z',
      expiresAt: null,
      lastUsedAt: null,
      lastUsedFrom: null,
    });
    const listed = await h.call('GET', api.tokens);
    expect(await listed.clone().json()).toEqual([token]);
    const audit = await h.call('GET', api.auditEvents);
    const entry = (await audit.clone().json()).items[0];
    expect(entry).toMatchObject({ actor: 'admin', action: 'token.created', detail: { name: 'terraform ci', scope: 'write', owner: 'admin' } });
    const rows = await t.db.query<{ secret_hash: string }>('SELECT * FROM api_tokens');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash).toBe(hashSecret(secret));
    const stored = JSON.stringify(await t.db.query('SELECT * FROM api_tokens')) + JSON.stringify(await t.db.query('SELECT * FROM audit_events'));
    const everything = [await listed.text(), await audit.text(), stored, h.logs.join('\n')].join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(8));
  });

  it('does everything an admin does in the console with a write token alone: no cookie, no CSRF header; audit entries name the token', async () => {
    const { secret } = await makeToken(h, { name: 'automation' });
    const as = withToken(h, secret);
    const created = await as('POST', api.runnerGroups, { name: 'From a script' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const group = await created.json();
    expect((await as('PATCH', api.runnerGroup(group.id), { name: 'Scripted' })).status).toBe(200);
    expect((await as('GET', api.install('docker'))).status).toBe(200);
    const runner = await register(h, group.registrationKey);
    await heartbeat(h, runner.instanceToken);
    const update = await as('POST', api.updates(group.id), { targetVersion: '1.4.0' });
    expect(update.status).toBe(202);
    expect(((await update.json()) as Update).requestedBy).toBe('admin (token automation)');
    expect((await as('GET', api.instances(group.id))).status).toBe(200);
    expect((await as('GET', api.updates(group.id))).status).toBe(200);
    expect((await as('POST', api.registrationKey(group.id))).status).toBe(201);
    const second = await (await as('POST', api.runnerGroups, { name: 'Second' })).json();
    expect((await as('PATCH', api.runnerGroup(second.id), { isDefault: true })).status).toBe(200);
    expect((await as('DELETE', api.runnerGroup(second.id))).status).toBe(204);
    expect((await as('GET', api.auditGroups)).status).toBe(200);

    const log = await (await as('GET', api.auditEvents)).json();
    const byToken = log.items.filter((e: { actor: string }) => e.actor === 'admin (token automation)').map((e: { action: string }) => e.action);
    for (const action of ['group.created', 'group.renamed', 'update.requested', 'group.key_rotated', 'group.default_set', 'group.deleted']) {
      expect(byToken, action).toContain(action);
    }
    expect(log.items.filter((e: { actor: string }) => e.actor === 'admin').map((e: { action: string }) => e.action)).toEqual(['token.created']);
    // What a user did with a token is theirs when the log is filtered by user.
    const mine = await (await as('GET', `${api.auditEvents}?user=ADMIN`)).json();
    expect(mine.items.map((e: { actor: string }) => e.actor)).toContain('admin (token automation)');
    expect((await (await as('GET', `${api.auditEvents}?user=adm`)).json()).items).toEqual([]);
  });

  it('a read token reads everything and 403s every mutation, changing nothing', async () => {
    const { id } = await createGroup(h, 'Kept');
    const { secret } = await makeToken(h, { name: 'dashboards', scope: 'read' });
    const as = withToken(h, secret);
    for (const path of [api.runnerGroups, api.runnerGroup(id), api.instances(id), api.updates(id), api.auditEvents, api.install('helm')]) {
      expect((await as('GET', path)).status, path).toBe(200);
    }
    for (const [method, path, body] of [
      ['POST', api.runnerGroups, { name: 'Nope' }],
      ['PATCH', api.runnerGroup(id), { name: 'Renamed' }],
      ['DELETE', api.runnerGroup(id), undefined],
      ['POST', api.registrationKey(id), undefined],
      ['POST', api.updates(id), {}],
    ] as const) {
      const res = await as(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).detail).toMatch(/read scope/);
    }
    const groups = await (await h.call('GET', api.runnerGroups)).json();
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['Kept']);
  });

  it("never does more than its owner's role: a viewer's write token reads but cannot mutate", async () => {
    const { id } = await createGroup(h, 'Theirs');
    await h.paddock.accounts.addUser('vic', 'viewer', 'viewer-password');
    await h.signIn('vic', 'viewer-password');
    const { token, secret } = await makeToken(h, { name: 'vic-ci', scope: 'write' });
    expect(token.owner).toBe('vic');
    const as = withToken(h, secret);
    expect((await as('GET', api.runnerGroups)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', api.runnerGroups, { name: 'Nope' }],
      ['DELETE', api.runnerGroup(id), undefined],
      ['POST', api.updates(id), {}],
    ] as const) {
      const res = await as(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).detail).toMatch(/admin role/);
    }
    // Promoting the owner takes effect at once (the role is read per request)...
    await t.db.query("UPDATE users SET role = 'admin' WHERE username = 'vic'");
    expect((await as('PATCH', api.runnerGroup(id), { name: 'Now mine' })).status).toBe(200);
    // ...and removing the owner kills the token.
    await h.paddock.accounts.removeUser('vic');
    const gone = await as('GET', api.runnerGroups);
    expect(gone.status).toBe(401);
    expect((await gone.json()).detail).toBe('The API token is unknown, revoked or expired.');
    expect(await t.db.query('SELECT * FROM api_tokens')).toEqual([]);
  });

  it('cannot use /session or /tokens: a token cannot mint, list or revoke tokens (403)', async () => {
    const { token, secret } = await makeToken(h);
    const as = withToken(h, secret);
    for (const [method, path, body] of [
      ['GET', api.tokens, undefined],
      ['POST', api.tokens, { name: 'child', scope: 'write' }],
      ['DELETE', api.token(token.id), undefined],
      ['GET', api.session, undefined],
      ['DELETE', api.session, undefined],
    ] as const) {
      const res = await as(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).detail).toMatch(/API tokens cannot/);
    }
    expect((await (await h.call('GET', api.tokens)).json()).map((x: ApiToken) => x.name)).toEqual(['ci']);
  });

  it('401s an expired, revoked, unknown or malformed token, even with a valid session cookie beside it', async () => {
    const expiring = await makeToken(h, { name: 'short', expiresAt: '2026-03-01T13:00:00Z' });
    expect(expiring.token.expiresAt).toBe('2026-03-01T13:00:00.000Z');
    const revoked = await makeToken(h, { name: 'revoked' });
    expect((await withToken(h, expiring.secret)('GET', api.runnerGroups)).status).toBe(200);
    expect((await h.call('DELETE', api.token(revoked.token.id))).status).toBe(204);
    h.clock.advance(3600);
    const refused = [
      expiring.secret,
      revoked.secret,
      `pat_${'A'.repeat(40)}`,
      'pat_short',
      `${revoked.secret}x`,
      'prk_not-a-token',
      'x'.repeat(500),
    ];
    for (const secret of refused) {
      // The cookie does not rescue a bad bearer: a request has one credential.
      const res = await h.call('GET', api.runnerGroups, { bearer: secret });
      expect(res.status, secret.slice(0, 12)).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).detail).toBe('The API token is unknown, revoked or expired.');
    }
    await h.signIn(); // the console session idled out meanwhile
    const listed = (await (await h.call('GET', api.tokens)).json()) as ApiToken[];
    expect(listed.map((x) => x.name)).toEqual(['short']); // expired ones stay listed until revoked
    const audit = await (await h.call('GET', `${api.auditEvents}?limit=1`)).json();
    expect(audit.items[0]).toMatchObject({ action: 'token.revoked', actor: 'admin', detail: { name: 'revoked', owner: 'admin' } });
    expect(h.logs.join('\n')).not.toContain(revoked.secret.slice(4));
  });

  it('400s bad names, scopes and times, 409s a duplicate name of the same owner, and writes nothing', async () => {
    for (const [body, field] of [
      [{ scope: 'read' }, 'name'],
      [{ name: '', scope: 'read' }, 'name'],
      [{ name: 'x'.repeat(65), scope: 'read' }, 'name'],
      [{ name: '<b>x</b>', scope: 'read' }, 'name'],
      [{ name: 'ok' }, 'scope'],
      [{ name: 'ok', scope: 'admin' }, 'scope'],
      [{ name: 'ok', scope: 'read', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'ok', scope: 'read', expiresAt: '2026-03-01T11:59:59Z' }, 'expiresAt'],
      [{ name: 'ok', scope: 'read', owner: 'someone' }, 'owner'],
    ] as const) {
      const res = await h.call('POST', api.tokens, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await makeToken(h, { name: 'Deploy' });
    const dup = await h.call('POST', api.tokens, { body: { name: 'deploy', scope: 'read' } });
    expect(dup.status).toBe(409);
    expect(await t.db.query('SELECT name FROM api_tokens')).toEqual([{ name: 'Deploy' }]);
    // Another owner may use the name.
    await h.paddock.accounts.addUser('olga', 'admin', 'olga-password');
    await h.signIn('olga', 'olga-password');
    expect((await h.call('POST', api.tokens, { body: { name: 'deploy', scope: 'read' } })).status).toBe(201);
  });

  it('lists your own tokens (admins see everyone\'s); only the owner or an admin can revoke, others get 404', async () => {
    const adminToken = await makeToken(h, { name: 'admin-ci' });
    await h.paddock.accounts.addUser('vic', 'viewer', 'viewer-password');
    await h.signIn('vic', 'viewer-password');
    const vicToken = await makeToken(h, { name: 'vic-ci', scope: 'read' });
    expect((await (await h.call('GET', api.tokens)).json()).map((x: ApiToken) => x.name)).toEqual(['vic-ci']);
    expect((await h.call('DELETE', api.token(adminToken.token.id))).status).toBe(404);
    expect((await h.call('DELETE', api.token('not-a-uuid'))).status).toBe(404);
    await h.signIn();
    expect((await (await h.call('GET', api.tokens)).json()).map((x: ApiToken) => `${x.owner}/${x.name}`).sort()).toEqual(['admin/admin-ci', 'vic/vic-ci']);
    expect((await h.call('DELETE', api.token(vicToken.token.id))).status).toBe(204);
    expect((await h.call('DELETE', api.token(vicToken.token.id))).status).toBe(404);
    expect((await withToken(h, vicToken.secret)('GET', api.runnerGroups)).status).toBe(401);
    expect((await withToken(h, adminToken.secret)('GET', api.runnerGroups)).status).toBe(200);
  });

  it('records the last use at most once a minute', async () => {
    const { token, secret } = await makeToken(h);
    const as = withToken(h, secret);
    const lastUsed = async () => ((await (await h.call('GET', api.tokens)).json()) as ApiToken[]).find((x) => x.id === token.id)!.lastUsedAt;
    await as('GET', api.runnerGroups);
    expect(await lastUsed()).toBe('2026-03-01T12:00:00.000Z');
    h.clock.advance(tokenUsageWriteMs / 1000 - 1);
    await as('GET', api.runnerGroups);
    expect(await lastUsed()).toBe('2026-03-01T12:00:00.000Z');
    h.clock.advance(1);
    await as('GET', api.runnerGroups);
    expect(await lastUsed()).toBe('2026-03-01T12:01:00.000Z');
  });
});

describe('API tokens over real HTTP', () => {
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('records the client address, follows live events with a token, and the OpenAPI document needs no sign-in', async () => {
    server = await startServer({ port: 0, dataDir: 'memory', adminPassword: 'real-http-password', logger: memoryLogger(), distDir: '/nonexistent', timers: false });
    const url = server.url;
    const doc = await fetch(`${url}${api.openapi}`);
    expect(doc.status).toBe(200);
    await openApiChecker().assertResponse('GET', api.openapi, doc);
    expect((await doc.json()).servers).toEqual([{ url, description: 'This control plane.' }]);

    const { secret } = await server.paddock.tokens.create('test', 'admin', { name: 'live', scope: 'write' });
    const auth = { Authorization: `Bearer ${secret}` };
    // The address is the socket's peer, as for sign-in: a client's own X-Forwarded-For is not believed.
    const groups = await fetch(`${url}${api.runnerGroups}`, { headers: { ...auth, 'X-Forwarded-For': '203.0.113.9' } });
    expect(groups.status).toBe(200);
    const [listed] = await server.paddock.tokens.list(null);
    expect(listed).toMatchObject({ name: 'live', lastUsedFrom: '127.0.0.1' });

    const sse = await openSse(`${url}${api.events}`, auth);
    try {
      expect(sse.res.status).toBe(200);
      expect(sse.res.headers.get('content-type')).toContain('text/event-stream');
      const made = await call(url, 'POST', api.runnerGroups, { bearer: secret, body: { name: 'Seen live' } });
      expect(made.status).toBe(201);
      await sse.waitFor((m) => m.event === 'group');
      expect(sse.ended()).toBe(false);

      // Revoked on this replica: the stream ends at once, and opening it again is refused.
      await server.paddock.tokens.revoke('test', null, listed!.id);
      await waitFor(() => sse.ended(), { timeoutMs: 5_000, what: 'the stream of a revoked token to end' });
      expect((await openSse(`${url}${api.events}`, auth)).res.status).toBe(401);
    } finally {
      sse.close();
    }
  }, 120_000);

  it("ends a token's event stream at the next keep-alive when another replica revoked it", async () => {
    server = await startServer({ port: 0, dataDir: 'memory', adminPassword: 'real-http-password', logger: memoryLogger(), distDir: '/nonexistent', timers: false });
    const { token, secret } = await server.paddock.tokens.create('test', 'admin', { name: 'elsewhere', scope: 'read' });
    const sse = await openSse(`${server.url}${api.events}`, { Authorization: `Bearer ${secret}` });
    try {
      expect(sse.res.status).toBe(200);
      await waitFor(() => sse.comments.includes('connected'), { what: 'the stream to open' });
      // What another replica's revocation leaves here: the row gone, no signal in this process.
      expect(await deleteApiToken(server.store.db, token.id)).toBe(true);
      await waitFor(() => sse.ended(), { timeoutMs: keepAliveMs + 10_000, what: 'the stream of a token revoked elsewhere to end' });
      expect(sse.comments).not.toContain('keep-alive');
    } finally {
      sse.close();
    }
  }, 120_000);
});
