import { beforeEach, describe, expect, it } from 'vitest';
import type { RunnerGroup } from '../contract';
import { createGroup, type Harness, heartbeat, register, runnerBody, setUpSignedInHarness } from './testing/harness';

const t = setUpSignedInHarness('pglite');
let h: Harness;
beforeEach(() => {
  h = t.h;
});

const list = async (): Promise<RunnerGroup[]> => (await h.call('GET', '/api/v1/runner-groups')).json();

describe('runner groups', () => {
  it('creates with 201, the key once and no-store; the first group becomes the default', async () => {
    const res = await h.call('POST', '/api/v1/runner-groups', { body: { name: '  Prod EU  ' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const g = await res.json();
    expect(g).toMatchObject({ name: 'Prod EU', isDefault: true, status: 'waiting', connectedCount: 0, instanceCount: 0, versions: [] });
    expect(g.registrationKey).toMatch(/^prk_[0-9A-Za-z]{46}$/);
    expect(g.keyPrefix).toBe(g.registrationKey.slice(0, 8));
    expect(g.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('location')).toBe(`/api/v1/runner-groups/${g.id}`);
    const again = await h.call('GET', `/api/v1/runner-groups/${g.id}`);
    expect(await again.json()).not.toHaveProperty('registrationKey');
  });

  it('409s a duplicate name ignoring case, and changes nothing', async () => {
    await createGroup(h, 'Prod EU');
    const res = await h.call('POST', '/api/v1/runner-groups', { body: { name: 'prod eu' } });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await list()).toHaveLength(1);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ name: '<script>alert(1)</script>' }, 'name'],
    [{ name: 42 }, 'name'],
    [{}, 'name'],
    [{ name: 'ok', isDefault: 'yes' }, 'isDefault'],
    [{ name: 'ok', extra: 1 }, 'extra'],
    [[], 'body'],
  ])('400s %j naming the field %s', async (body, field) => {
    const res = await h.call('POST', '/api/v1/runner-groups', { body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const p = await res.json();
    expect(p.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await list()).toEqual([]);
  });

  it('400s malformed JSON and 413s a body over 64 KiB', async () => {
    const bad = await h.call('POST', '/api/v1/runner-groups', { raw: '{"name": ', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    const big = await h.call('POST', '/api/v1/runner-groups', { body: { name: 'x', pad: 'y'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    expect(await list()).toEqual([]);
  });

  it('keeps exactly one default: creating with isDefault or PATCH moves it', async () => {
    const a = await createGroup(h, 'A');
    const b = await createGroup(h, 'B', { isDefault: true });
    let groups = await list();
    expect(groups.filter((g) => g.isDefault).map((g) => g.name)).toEqual(['B']);
    const res = await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: { isDefault: true } });
    expect(res.status).toBe(200);
    groups = await list();
    expect(groups.filter((g) => g.isDefault).map((g) => g.id)).toEqual([a.id]);
    const unset = await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: { name: 'A renamed', isDefault: false } });
    expect(unset.status).toBe(400);
    expect((await unset.json()).errors).toEqual([{ field: 'isDefault', message: expect.stringContaining('another group') }]);
    expect((await list()).map((g) => g.name)).toEqual(['A', 'B']); // nothing written, not even the rename
    // false on a group that is not the default changes nothing and is fine (a form sending all its fields)
    const same = await h.call('PATCH', `/api/v1/runner-groups/${b.id}`, { body: { name: 'B2', isDefault: false } });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ name: 'B2', isDefault: false });
    await h.call('PATCH', `/api/v1/runner-groups/${b.id}`, { body: { name: 'B' } });
    // deleting the default hands it to a remaining group
    await h.call('DELETE', `/api/v1/runner-groups/${a.id}`);
    groups = await list();
    expect(groups.map((g) => [g.id, g.isDefault])).toEqual([[b.id, true]]);
  });

  it('renames, 409s a rename onto another name, 404s unknown ids', async () => {
    const a = await createGroup(h, 'A');
    await createGroup(h, 'B');
    const ok = await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: { name: 'A2' } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).name).toBe('A2');
    expect((await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: { name: 'b' } })).status).toBe(409);
    expect((await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: {} })).status).toBe(400);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      expect((await h.call('GET', `/api/v1/runner-groups/${id}`)).status).toBe(404);
      expect((await h.call('PATCH', `/api/v1/runner-groups/${id}`, { body: { name: 'x' } })).status).toBe(404);
      expect((await h.call('DELETE', `/api/v1/runner-groups/${id}`)).status).toBe(404);
    }
  });

  it('deletes: gone from the list, 404 afterwards, name free again', async () => {
    const a = await createGroup(h, 'A');
    expect((await h.call('DELETE', `/api/v1/runner-groups/${a.id}`)).status).toBe(204);
    expect(await list()).toEqual([]);
    expect((await h.call('GET', `/api/v1/runner-groups/${a.id}/instances`)).status).toBe(404);
    await createGroup(h, 'a');
  });

  it('never shows a key, instance token or API token secret in any GET, error body or log line', async () => {
    const { id, key } = await createGroup(h, 'Secretive');
    const rotated = await (await h.call('POST', `/api/v1/runner-groups/${id}/registration-key`)).json();
    const r = await register(h, rotated.registrationKey);
    await heartbeat(h, r.instanceToken);
    const bodies: string[] = [];
    // error answers to calls that carried a key or token
    for (const [bearer, body] of [
      [key, { name: 'x' }],
      [key, { name: 'x', platform: 'process', hostname: 'h', address: '', os: 'l', arch: 'a', version: '1.0.0' }],
      [`${key}x`, { name: 'x', platform: 'process', hostname: 'h', address: '', os: 'l', arch: 'a', version: '1.0.0' }],
      [r.instanceToken, { name: 'x', platform: 'process', hostname: 'h', address: '', os: 'l', arch: 'a', version: '1.0.0' }],
    ] as const) {
      const res = await h.call('POST', '/api/v1/runner/register', { bearer, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      bodies.push(await res.text());
    }
    const made = await (await h.call('POST', '/api/v1/tokens', { body: { name: 'scan', scope: 'read' } })).json();
    for (const bearer of [made.secret, `${made.secret}x`]) {
      const res = await h.call('POST', '/api/v1/runner-groups', { bearer, cookie: null, body: { name: 'x' } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      bodies.push(await res.text());
    }
    const badBeat = await h.call('POST', '/api/v1/runner/heartbeat', { bearer: `${r.instanceToken}x`, body: { version: '1.0.0' } });
    expect(badBeat.status).toBe(401);
    bodies.push(await badBeat.text());
    for (const path of [
      '/api/v1/runner-groups',
      `/api/v1/runner-groups/${id}`,
      `/api/v1/runner-groups/${id}/instances`,
      `/api/v1/runner-groups/${id}/updates`,
      '/api/v1/audit-events',
      '/api/v1/install/helm',
      '/api/v1/session',
      '/api/v1/tokens',
      '/metrics',
    ]) {
      const res = await h.call('GET', path);
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    const everything = bodies.join('\n') + h.logs.join('\n');
    for (const secret of [key, rotated.registrationKey, r.instanceToken, made.secret, made.secret.slice(8)]) expect(everything).not.toContain(secret);
  });
});

describe('sessions, roles and CSRF', () => {
  it('signs in with an HttpOnly SameSite=Strict cookie, answers who am I, signs out', async () => {
    const res = await h.call('POST', '/api/v1/session', { body: { username: 'admin', password: 'correct-horse-battery' }, cookie: null });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^paddock_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    const me = await h.call('GET', '/api/v1/session', { cookie: cookie.split(';')[0] });
    expect(await me.json()).toEqual({ username: 'admin', role: 'admin' });
    expect((await h.call('DELETE', '/api/v1/session', { cookie: cookie.split(';')[0] })).status).toBe(204);
    expect((await h.call('GET', '/api/v1/session', { cookie: cookie.split(';')[0] })).status).toBe(401);
  });

  it('uses a __Host- Secure cookie when the public URL is https', async () => {
    h = await t.restart({ publicUrl: 'https://paddock.example.com' });
    const res = await h.call('POST', '/api/v1/session', {
      body: { username: 'admin', password: 'correct-horse-battery' },
      cookie: null,
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-paddock_session=/);
    expect(cookie).toMatch(/Secure/);
  });

  it('gives one generic 401 for a wrong user or password, then rate limits with 429', async () => {
    const wrongUser = await h.call('POST', '/api/v1/session', { body: { username: 'nobody', password: 'x' }, cookie: null });
    const wrongPass = await h.call('POST', '/api/v1/session', { body: { username: 'admin', password: 'x' }, cookie: null });
    expect(wrongUser.status).toBe(401);
    expect(wrongPass.status).toBe(401);
    expect((await wrongUser.json()).detail).toBe((await wrongPass.json()).detail);
    for (let i = 0; i < 4; i++) await h.call('POST', '/api/v1/session', { body: { username: 'admin', password: 'x' }, cookie: null });
    const limited = await h.call('POST', '/api/v1/session', {
      body: { username: 'admin', password: 'correct-horse-battery' },
      cookie: null,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // another user on the same client is not locked out by someone guessing admin's password
    await h.paddock.accounts.addUser('olga', 'admin', 'olga-password');
    expect((await h.call('POST', '/api/v1/session', { body: { username: 'olga', password: 'olga-password' }, cookie: null })).status).toBe(200);
    // The first lock is short (30 s), so a mistyping user is not shut out for long.
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    h.clock.advance(29);
    expect((await h.call('POST', '/api/v1/session', { body: { username: 'admin', password: 'correct-horse-battery' }, cookie: null })).status).toBe(429);
    h.clock.advance(1);
    expect(
      (await h.call('POST', '/api/v1/session', { body: { username: 'admin', password: 'correct-horse-battery' }, cookie: null })).status,
    ).toBe(200);
  });

  it('expires sessions after 30 min idle and 12 h absolute', async () => {
    h.clock.advance(29 * 60);
    expect((await h.call('GET', '/api/v1/session')).status).toBe(200);
    h.clock.advance(29 * 60);
    expect((await h.call('GET', '/api/v1/session')).status).toBe(200); // activity refreshed the idle timer
    h.clock.advance(31 * 60);
    expect((await h.call('GET', '/api/v1/session')).status).toBe(401);

    await h.signIn();
    for (let t = 0; t < 12 * 60; t += 20) {
      h.clock.advance(20 * 60);
      const res = await h.call('GET', '/api/v1/session');
      if (t + 20 >= 12 * 60) expect(res.status).toBe(401);
      else expect(res.status).toBe(200);
    }
  });

  it('401s every console route without a session', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/runner-groups'],
      ['POST', '/api/v1/runner-groups'],
      ['GET', '/api/v1/audit-events'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/install/docker'],
      ['GET', '/api/v1/session'],
    ] as const) {
      const res = await h.call(method, path, { cookie: null, body: method === 'POST' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('lets a viewer read but 403s every write', async () => {
    const { id } = await createGroup(h, 'A');
    await h.paddock.accounts.addUser('vic', 'viewer', 'viewer-password');
    await h.signIn('vic', 'viewer-password');
    expect((await h.call('GET', '/api/v1/runner-groups')).status).toBe(200);
    expect((await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/v1/runner-groups', { name: 'B' }],
      ['PATCH', `/api/v1/runner-groups/${id}`, { name: 'C' }],
      ['DELETE', `/api/v1/runner-groups/${id}`, undefined],
      ['POST', `/api/v1/runner-groups/${id}/registration-key`, undefined],
      ['POST', `/api/v1/runner-groups/${id}/updates`, {}],
    ] as const) {
      const res = await h.call(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await list()).map((g) => g.name)).toEqual(['A']);
  });

  it('403s a mutation without X-Requested-With, from another origin or another site', async () => {
    const attempts: Array<Record<string, string> | null> = [
      null,
      { 'X-Requested-With': 'paddock', Origin: 'https://evil.example' },
      { 'X-Requested-With': 'paddock', 'Sec-Fetch-Site': 'cross-site' },
      { 'X-Requested-With': 'paddock', 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of attempts) {
      const res = await h.call('POST', '/api/v1/runner-groups', { body: { name: 'X' }, csrf: headers !== null, headers: headers ?? {} });
      expect(res.status).toBe(403);
    }
    expect(await list()).toEqual([]);
    const ok = await h.call('POST', '/api/v1/runner-groups', {
      body: { name: 'X' },
      headers: { Origin: 'http://paddock.test', 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(ok.status).toBe(201);
  });
});

describe('audit log', () => {
  it('records every mutation with who, what, which group, pages newest first and filters', async () => {
    const a = await createGroup(h, 'A');
    await createGroup(h, 'B');
    await h.call('PATCH', `/api/v1/runner-groups/${a.id}`, { body: { name: 'A2' } });
    await h.call('POST', `/api/v1/runner-groups/${a.id}/registration-key`);
    await h.call('DELETE', `/api/v1/runner-groups/${a.id}`);
    const page1 = await (await h.call('GET', '/api/v1/audit-events?limit=2')).json();
    expect(page1.items.map((e: { action: string }) => e.action)).toEqual(['group.deleted', 'group.key_rotated']);
    expect(page1.items[0]).toMatchObject({ actor: 'admin', groupId: a.id, groupName: 'A2' });
    const page2 = await (await h.call('GET', `/api/v1/audit-events?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((e: { action: string }) => e.action)).toEqual(['group.renamed', 'group.created']);
    const page3 = await (await h.call('GET', `/api/v1/audit-events?limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3).toMatchObject({ nextCursor: null });
    expect(page3.items).toHaveLength(1);
    const onlyA = await (await h.call('GET', `/api/v1/audit-events?groupId=${a.id}`)).json();
    expect(onlyA.items).toHaveLength(4);
    // The same filters under the words of PRODUCT.md §3 ("filter by group and user").
    const byGroup = await (await h.call('GET', `/api/v1/audit-events?group=${a.id}`)).json();
    expect(byGroup.items).toHaveLength(4);
    const byName = await (await h.call('GET', '/api/v1/audit-events?group=b')).json();
    expect(byName.items.map((e: { action: string }) => e.action)).toEqual(['group.created']);
    const byUser = await (await h.call('GET', '/api/v1/audit-events?user=admin')).json();
    expect(byUser.items).toHaveLength(5);
    expect((await (await h.call('GET', '/api/v1/audit-events?user=nobody')).json()).items).toHaveLength(0);
    expect((await h.call('GET', '/api/v1/audit-events?limit=0')).status).toBe(400);
    expect((await h.call('GET', '/api/v1/audit-events?cursor=abc')).status).toBe(400);
  });

  // Found by fuzz.test.ts: a decoded %00 reached PostgreSQL as text and answered 500.
  it('400s a filter holding a NUL character, naming the parameter', async () => {
    for (const name of ['group', 'groupId', 'user', 'actor']) {
      const res = await h.call('GET', `/api/v1/audit-events?${name}=a%00b`);
      expect(res.status, name).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).errors).toEqual([{ field: name, message: 'must be valid Unicode text without NUL characters' }]);
    }
  });
});

describe('junk group ids', () => {
  // Found by fuzz.test.ts: with an Idempotency-Key, the id went into a text lookup before the group's, and a %00 answered 500.
  it('404s an update request to a non-UUID id, with or without an Idempotency-Key, and stores nothing', async () => {
    for (const id of ['%00', 'a%00b', 'not-a-uuid']) {
      for (const headers of [{ 'Idempotency-Key': 'k1' }, {}] as Array<Record<string, string>>) {
        const res = await h.call('POST', `/api/v1/runner-groups/${id}/updates`, { body: {}, headers });
        expect(res.status, id).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }
    }
    expect(await t.db.query('SELECT * FROM idempotency_keys')).toEqual([]);
  });
});

describe('the rest of the surface', () => {
  it('sets the security headers of §8 on API, error and page responses', async () => {
    for (const path of ['/api/v1/runner-groups', '/api/v1/nope', '/', '/runners/x', '/activity']) {
      const res = await h.call('GET', path);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // The runner protocol's answers (jsonAnswer) carry the same headers, and no-store.
    const key = (await createGroup(h, 'Headers')).key;
    const reg = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody() });
    const hb = await h.call('POST', '/api/v1/runner/heartbeat', { bearer: (await reg.json()).instanceToken, body: { version: '1.3.0' } });
    for (const res of [reg, hb]) {
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const missing = await h.call('GET', '/api/v1/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const page = await h.call('GET', '/activity');
    expect(await page.text()).toContain('npm run build');
    const unknown = await h.call('GET', '/runners/x/y');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers healthz, readyz, install templates and metrics', async () => {
    expect((await h.call('GET', '/api/v1/healthz', { cookie: null })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/readyz', { cookie: null })).status).toBe(200);
    const t = await (await h.call('GET', '/api/v1/install/docker')).json();
    expect(t).toMatchObject({ platform: 'docker', serverUrl: 'http://paddock.test', runnerVersion: '1.4.0' });
    expect(t.command).toMatch(/^docker run -d .*-e PADDOCK_SERVER_URL=http:\/\/paddock\.test .*-e PADDOCK_RUNNER_KEY=<registration-key>/s);
    for (const platform of ['helm', 'cloudformation']) {
      const other = await (await h.call('GET', `/api/v1/install/${platform}`)).json();
      expect(other.command).toContain(platform === 'helm' ? 'helm upgrade --install <slug>' : 'aws cloudformation create-stack');
      expect(other.command).toContain('<registration-key>');
    }
    expect((await h.call('GET', '/api/v1/install/windows')).status).toBe(404);
    const { key } = await createGroup(h);
    const r = await register(h, key);
    await heartbeat(h, r.instanceToken);
    await heartbeat(h, r.instanceToken);
    const metrics = await (await h.call('GET', '/metrics', { cookie: null })).text();
    expect(metrics).toContain('paddock_instances{status="connected"} 1');
    expect(metrics).toContain('paddock_heartbeats_received_total 2');
    expect(metrics).toContain('paddock_updates{state="in_progress"} 0');
    expect(metrics).toContain('paddock_runner_groups 1');
    // A deleted group's instances and updates are no longer counted.
    const doomed = await createGroup(h, 'Doomed');
    await register(h, doomed.key);
    expect((await h.call('POST', `/api/v1/runner-groups/${doomed.id}/updates`)).status).toBe(202);
    const before = await (await h.call('GET', '/metrics', { cookie: null })).text();
    expect(before).toContain('paddock_instances{status="connected"} 2');
    expect(before).toContain('paddock_updates{state="in_progress"} 1');
    expect(before).toContain('paddock_runner_groups 2');
    expect((await h.call('DELETE', `/api/v1/runner-groups/${doomed.id}`)).status).toBe(204);
    const after = await (await h.call('GET', '/metrics', { cookie: null })).text();
    expect(after).toContain('paddock_instances{status="connected"} 1');
    expect(after).toContain('paddock_updates{state="in_progress"} 0');
    expect(after).toContain('paddock_updates{state="rolled_back"} 0');
    expect(after).toContain('paddock_runner_groups 1');
  });
});
