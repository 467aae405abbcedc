import { request as httpRequest } from 'node:http';
import type { APIResponse, Page } from '@playwright/test';
import fc from 'fast-check';
import { api } from '../src/contract';
import { FakeClock } from '../src/server/clock';
import { createLogger } from '../src/server/logger';
import { startServer } from '../src/server/server';
import { startReceiver, startSmtp } from '../src/server/testing/receivers';
import { type ControlPlane, startControlPlane, testAdminPassword } from '../src/testing/processes';
import { expect, signIn, test } from './fixtures';

/** The §8 headers every response carries, whatever its type. */
function expectSecurityHeaders(what: string, headers: Record<string, string>) {
  const csp = headers['content-security-policy'] ?? '';
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
  const scripts = directives.get('script-src') ?? directives.get('default-src') ?? [];
  expect(scripts.length, `${what}: CSP restricts scripts`).toBeGreaterThan(0);
  expect(scripts, `${what}: no inline script`).not.toContain("'unsafe-inline'");
  expect(scripts, `${what}: no eval`).not.toContain("'unsafe-eval'");
  expect(directives.get('frame-ancestors'), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(headers['referrer-policy'], `${what}: Referrer-Policy`).toBe('no-referrer');
  expect(headers['x-content-type-options'], `${what}: X-Content-Type-Options`).toBe('nosniff');
}

/**
 * Headers of an SSE response, read without waiting for a stream that never ends. `poke` makes a
 * change once the stream is open, in case the server only sends its headers with the first event.
 */
function sseHeaders(url: string, cookie: string, poke: () => Promise<unknown>): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> });
      req.destroy();
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no SSE headers within 10 s')));
    req.end();
    setTimeout(() => void poke().catch(() => {}), 500);
  });
}

async function cookieHeader(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

async function expectProblem(res: APIResponse, status: number) {
  expect(res.status()).toBe(status);
  expect(res.headers()['content-type']).toContain('application/problem+json');
}

test('the §8 security headers are on every response type', async ({ page, baseURL }) => {
  const html = await page.request.get('/');
  expect(html.headers()['content-type']).toContain('text/html');
  expectSecurityHeaders('HTML', html.headers());

  const script = /<script[^>]+src="([^"]+\.js)"/.exec(await html.text())?.[1];
  expect(script, 'index.html loads a script').toBeTruthy();
  const js = await page.request.get(script!);
  expect(js.status()).toBe(200);
  expect(js.headers()['content-type']).toContain('javascript');
  expectSecurityHeaders('JS asset', js.headers());

  const json = await page.request.get(api.runnerGroups);
  expect(json.status()).toBe(200);
  expect(json.headers()['content-type']).toContain('application/json');
  expect(json.headers()['cache-control']).toContain('no-store');
  expectSecurityHeaders('API JSON', json.headers());

  const problem = await page.request.get('/api/v1/no-such-route');
  await expectProblem(problem, 404);
  expectSecurityHeaders('problem+json', problem.headers());

  const sse = await sseHeaders(`${baseURL}${api.events}`, await cookieHeader(page), () =>
    page.request.post(api.runnerGroups, {
      data: { name: `Sse poke ${Date.now().toString(36)}` },
      headers: { 'x-requested-with': 'paddock', origin: baseURL! },
    }),
  );
  expect(sse.status).toBe(200);
  expect(sse.headers['content-type']).toContain('text/event-stream');
  expectSecurityHeaders('SSE', sse.headers);

  const metrics = await page.request.get('/metrics');
  expect(metrics.status()).toBe(200);
  expect(metrics.headers()['content-type']).toContain('text/plain');
  expectSecurityHeaders('metrics', metrics.headers());

  // The runner protocol answers through its own fast path (headers as one plain object): same headers.
  const created = await page.request.post(api.runnerGroups, {
    data: { name: `Headers ${Date.now().toString(36)}` },
    headers: { 'x-requested-with': 'paddock', origin: baseURL! },
  });
  const { registrationKey } = (await created.json()) as { registrationKey: string };
  const runner = (path: string, bearer: string, body: unknown) =>
    page.request.post(path, { headers: { authorization: `Bearer ${bearer}` }, data: body });
  const reg = await runner(api.runnerRegister, registrationKey, { name: 'headers', platform: 'process', hostname: 'headers', address: '10.0.0.9', os: 'linux', arch: 'x64', version: '1.3.0' });
  expect(reg.status()).toBe(201);
  const hb = await runner(api.runnerHeartbeat, ((await reg.json()) as { instanceToken: string }).instanceToken, { version: '1.3.0' });
  expect(hb.status()).toBe(200);
  for (const [what, res] of [['runner register', reg], ['runner heartbeat', hb]] as const) {
    expect(res.headers()['content-type']).toContain('application/json');
    expect(res.headers()['cache-control']).toContain('no-store');
    expectSecurityHeaders(what, res.headers());
  }
});

test('the session cookie is HttpOnly and SameSite=Strict, and the key response is not cached', async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const res = await anonymous.post(api.session, {
    data: { username: 'admin', password: process.env.PADDOCK_E2E_ADMIN_PASSWORD },
    headers: { 'x-requested-with': 'paddock', origin: baseURL! },
  });
  expect(res.status()).toBe(200);
  const setCookie = res.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
  expect(setCookie.length).toBeGreaterThan(0);
  for (const c of setCookie) {
    expect(c).toMatch(/;\s*HttpOnly/i);
    expect(c).toMatch(/;\s*SameSite=Strict/i);
  }
  const created = await anonymous.post(api.runnerGroups, {
    data: { name: `Cache ${Date.now().toString(36)}` },
    headers: { 'x-requested-with': 'paddock', origin: baseURL! },
  });
  expect(created.status()).toBe(201);
  expect(created.headers()['cache-control']).toContain('no-store');
  await anonymous.dispose();
});

test('CSRF attempts are refused with 403 and change nothing', async ({ page, baseURL }) => {
  const stamp = Date.now().toString(36);
  const attempts: Array<{ name: string; headers: Record<string, string> }> = [
    { name: `Csrf none ${stamp}`, headers: {} },
    { name: `Csrf wrong header ${stamp}`, headers: { 'x-requested-with': 'XMLHttpRequest' } },
    { name: `Csrf origin ${stamp}`, headers: { 'x-requested-with': 'paddock', origin: 'https://evil.example' } },
    { name: `Csrf site ${stamp}`, headers: { 'x-requested-with': 'paddock', 'sec-fetch-site': 'cross-site' } },
    { name: `Csrf null origin ${stamp}`, headers: { 'x-requested-with': 'paddock', origin: 'null' } },
  ];
  for (const a of attempts) {
    const res = await page.request.post(api.runnerGroups, { data: { name: a.name }, headers: a.headers });
    await expectProblem(res, 403);
  }
  // The same checks guard every other mutation: a delete of a real group without the header.
  const target = await page.request.post(api.runnerGroups, {
    data: { name: `Csrf target ${stamp}` },
    headers: { 'x-requested-with': 'paddock', origin: baseURL! },
  });
  expect(target.status()).toBe(201);
  const { id } = (await target.json()) as { id: string };
  await expectProblem(await page.request.delete(api.runnerGroup(id)), 403);
  await expectProblem(await page.request.post(api.registrationKey(id), { headers: { origin: 'https://evil.example', 'x-requested-with': 'paddock' } }), 403);
  await expectProblem(await page.request.post(api.session, { data: {}, headers: { origin: 'https://evil.example' } }), 403);

  const names = ((await (await page.request.get(api.runnerGroups)).json()) as Array<{ name: string }>).map((g) => g.name);
  for (const a of attempts) expect(names).not.toContain(a.name);
  expect(names).toContain(`Csrf target ${stamp}`);
});

test('markup and script in every text field are shown as text, never run', async ({ page, baseURL, runnersPage, newGroupDialog, editDialog }) => {
  const payloads = {
    name: '<img src=x onerror="window.__xss=1">',
    hostname: '<script>window.__xss=2</script>',
    address: '"><svg onload="window.__xss=3">',
    os: '<iframe srcdoc="<script>parent.__xss=4</script>">',
    arch: 'javascript:window.__xss=5',
    lastError: '<b onmouseover="window.__xss=6">boom</b>',
    reason: '<img src=y onerror=window.__xss=7>',
  };
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });

  await test.step('group names with markup are refused by the API and by the form', async () => {
    const res = await page.request.post(api.runnerGroups, {
      data: { name: '<script>alert(1)</script>' },
      headers: { 'x-requested-with': 'paddock', origin: baseURL! },
    });
    await expectProblem(res, 400);
    await runnersPage.goto();
    await runnersPage.newGroupButton().click();
    await newGroupDialog.nameField().fill('<img src=x onerror=alert(1)>');
    await newGroupDialog.createButton().click();
    await expect(newGroupDialog.dialog().getByText(/may contain only/i)).toBeVisible();
    await page.keyboard.press('Escape');
  });

  const name = `Xss ${Date.now().toString(36)}`;
  const created = await page.request.post(api.runnerGroups, { data: { name }, headers: { 'x-requested-with': 'paddock', origin: baseURL! } });
  const group = (await created.json()) as { id: string; registrationKey: string };
  const reg = await fetch(`${baseURL}${api.runnerRegister}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${group.registrationKey}` },
    body: JSON.stringify({ name: payloads.name, platform: 'process', hostname: payloads.hostname, address: payloads.address, os: payloads.os, arch: payloads.arch, version: '1.3.0' }),
  });
  expect(reg.status).toBe(201);
  const { instanceToken } = (await reg.json()) as { instanceToken: string };
  const runner = (path: string, body: unknown) =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${instanceToken}` },
      body: JSON.stringify(body),
    });
  expect((await runner(api.runnerHeartbeat, { version: '1.3.0', lastError: { kind: 'other', message: payloads.lastError, at: new Date().toISOString() } })).status).toBe(200);
  expect((await runner(api.runnerEvents, { type: 'terminated', exitCode: 139, signal: null, reason: payloads.reason })).status).toBeLessThan(300);

  await runnersPage.goto();
  await runnersPage.openAction(name, 'Edit');
  const row = editDialog.instance(payloads.name);
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: payloads.name }).click();
  const dialog = editDialog.dialog();
  for (const text of [payloads.name, payloads.hostname, payloads.address]) await expect(dialog.getByText(text, { exact: false }).first()).toBeVisible();
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(await dialog.locator('img, svg[onload], iframe, script, b[onmouseover]').count()).toBe(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.getByRole('link', { name: 'Activity' }).click();
  await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(dialogs).toEqual([]);
});

test('sessions end after 30 min idle and after 12 h in all, on a fake clock', async ({ browser }) => {
  test.setTimeout(120_000);
  // The control plane in this process, so that its clock can be driven; real HTTP, real browser.
  const clock = new FakeClock(new Date());
  const server = await startServer({
    dataDir: 'memory',
    port: 0,
    host: '127.0.0.1',
    adminPassword: testAdminPassword,
    distDir: process.env.PADDOCK_DIST_DIR ?? 'dist',
    clock,
    timers: false,
    logger: createLogger({ level: 'error' }),
  });
  try {
    const signInCookie = async () => {
      const res = await fetch(`${server.url}${api.session}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock' },
        body: JSON.stringify({ username: 'admin', password: testAdminPassword }),
      });
      expect(res.status).toBe(200);
      return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    };
    const whoami = async (cookie: string) => (await fetch(`${server.url}${api.session}`, { headers: { cookie } })).status;

    await test.step('idle: activity keeps a session alive, 30 minutes without ends it', async () => {
      const cookie = await signInCookie();
      expect(await whoami(cookie)).toBe(200);
      clock.advance(29 * 60);
      expect(await whoami(cookie)).toBe(200);
      clock.advance(29 * 60);
      expect(await whoami(cookie)).toBe(200);
      clock.advance(31 * 60);
      expect(await whoami(cookie)).toBe(401);
      expect(await whoami(cookie)).toBe(401);
    });

    await test.step('absolute: even a busy session ends after 12 hours', async () => {
      const cookie = await signInCookie();
      const started = clock.now().getTime();
      while (clock.now().getTime() - started < 12 * 3600_000 - 25 * 60_000) {
        clock.advance(25 * 60);
        expect(await whoami(cookie)).toBe(200);
      }
      clock.advance(25 * 60);
      expect(await whoami(cookie)).toBe(401);
    });

    await test.step('the console sends an idle user back to Sign in', async () => {
      const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
      await signIn(context, server.url, 'admin', testAdminPassword);
      const page = await context.newPage();
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Runners', level: 1 })).toBeVisible();
      clock.advance(31 * 60);
      await page.reload();
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await context.close();
    });
  } finally {
    await server.close();
  }
});

test.describe('on a control plane of its own', () => {
  let server: ControlPlane;
  const viewerPassword = 'viewer-password-not-secret';
  // A real SMTP server on loopback that wants a password: e-mail channels work, and the password is scanned for.
  const smtpPassword = 'smtp-leak-scan-Pa55word';
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  test.beforeAll(async () => {
    smtp = await startSmtp({ user: 'paddock', pass: smtpPassword });
    server = await startControlPlane({
      users: [{ name: 'vera', role: 'viewer', password: viewerPassword }],
      env: { PADDOCK_LOG_LEVEL: 'debug', PADDOCK_SMTP_URL: smtp.url },
    });
  });
  test.afterAll(async () => {
    await server?.dispose();
    await smtp?.stop();
  });

  test('a viewer cannot mutate anything through the API, and the console says why', async ({ browser }) => {
    const admin = await server.signIn();
    const group = await admin.createGroup(`Viewer target ${Date.now().toString(36)}`);
    const before = await admin.group(group.id);

    const viewer = await server.signIn('vera', viewerPassword);
    expect((await viewer.request('GET', api.session)).body).toMatchObject({ username: 'vera', role: 'viewer' });
    expect((await viewer.request('GET', api.runnerGroups)).status).toBe(200);
    const attempts: Array<[string, string, unknown?]> = [
      ['POST', api.runnerGroups, { name: 'Viewer made this' }],
      ['PATCH', api.runnerGroup(group.id), { name: 'Viewer renamed this' }],
      ['PATCH', api.runnerGroup(group.id), { isDefault: true }],
      ['POST', api.registrationKey(group.id)],
      ['POST', api.updates(group.id), {}],
      ['DELETE', api.runnerGroup(group.id)],
    ];
    for (const [method, path, body] of attempts) {
      const res = await viewer.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('prk_');
      expect(JSON.stringify(res.body)).not.toContain('pat_');
    }
    const after = await admin.group(group.id);
    expect(after).toEqual(before);
    expect((await admin.groups()).map((g) => g.name)).not.toContain('Viewer made this');

    const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
    await signIn(context, server.url, 'vera', viewerPassword);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'New Runner Group' }).first()).toBeDisabled();
    await page.getByRole('button', { name: `More actions for ${group.name}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeEnabled();
    for (const item of ['Update', 'Set as Default', 'Rotate key', 'Delete']) {
      await expect(page.getByRole('menuitem', { name: item })).toBeDisabled();
    }
    await expect(page.getByRole('menu')).toContainText(/viewer/i);
    await context.close();
  });

  test('keys and tokens never reach the server logs', async () => {
    const admin = await server.signIn();
    const group = await admin.createGroup(`Leak scan ${Date.now().toString(36)}`);
    const secrets = [group.registrationKey];
    const register = (key: string) =>
      fetch(`${server.url}${api.runnerRegister}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ name: 'leak-1', platform: 'process', hostname: 'leak-1', address: '127.0.0.1', os: 'linux', arch: 'x64', version: '1.3.0' }),
      });
    const reg = await register(group.registrationKey);
    expect(reg.status).toBe(201);
    const { instanceToken } = (await reg.json()) as { instanceToken: string };
    secrets.push(instanceToken);
    const beat = await fetch(`${server.url}${api.runnerHeartbeat}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${instanceToken}` },
      body: JSON.stringify({ version: '1.3.0' }),
    });
    expect(beat.status).toBe(200);
    const rotated = await admin.rotateKey(group.id);
    secrets.push(rotated.registrationKey);
    // The revoked key and a forged one are refused, and logged without their text.
    expect((await register(group.registrationKey)).status).toBe(401);
    const forged = `prk_${'A'.repeat(46)}`;
    expect((await register(forged)).status).toBe(401);
    secrets.push(forged);
    // API tokens: made, used, mistyped, revoked, used again; none of it may leave its text in a log line.
    const made = await admin.request('POST', api.tokens, { name: 'leak-scan', scope: 'write' });
    expect(made.status).toBe(201);
    const { token, secret } = made.body as { token: { id: string }; secret: string };
    secrets.push(secret);
    const asToken = (bearer: string) => fetch(`${server.url}${api.runnerGroups}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect((await asToken(secret)).status).toBe(200);
    expect((await asToken(`${secret.slice(0, -1)}x`)).status).toBe(401);
    secrets.push(`${secret.slice(0, -1)}x`);
    const listed = await admin.request('GET', api.tokens);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(8));
    expect((await admin.request('DELETE', api.token(token.id))).status).toBe(204);
    expect((await asToken(secret)).status).toBe(401);
    await admin.deleteGroup(group.id);
    const gone = await fetch(`${server.url}${api.runnerHeartbeat}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${instanceToken}` },
      body: JSON.stringify({ version: '1.3.0' }),
    });
    expect([401, 410]).toContain(gone.status);

    const logs = server.output();
    expect(logs.length, 'the server logged something at debug level').toBeGreaterThan(0);
    for (const s of secrets) {
      expect(logs.includes(s), 'a key or token in the server logs').toBe(false);
      expect(logs.includes(s.slice(4, 30)), 'a fragment of a key or token in the server logs').toBe(false);
    }
    expect(logs).not.toContain(testAdminPassword);
  });

  test('webhook secrets and the SMTP password never reach logs, answers, the audit log, metrics or browser storage', async ({ browser }) => {
    const admin = await server.signIn();
    const receiver = await startReceiver();
    try {
      const created = await admin.request('POST', api.notificationChannels, { name: `Leak hook ${Date.now().toString(36)}`, type: 'webhook', url: receiver.url });
      expect(created.status).toBe(201);
      const hook = created.body as { id: string; secret: string };
      expect(hook.secret).toMatch(/^whsec_/);
      const mail = await admin.request('POST', api.notificationChannels, { name: `Leak mail ${Date.now().toString(36)}`, type: 'email', to: ['ops@example.com'] });
      expect(mail.status).toBe(201);
      const mailId = (mail.body as { id: string }).id;
      for (const id of [hook.id, mailId]) {
        const tested = await admin.request('POST', api.notificationChannelTest(id));
        expect(tested.body, 'the test was delivered').toMatchObject({ status: 'delivered' });
      }
      expect(smtp.mails.length).toBeGreaterThan(0);
      // An event through the outbox and the dispatcher too.
      const group = await admin.createGroup(`Leak notify ${Date.now().toString(36)}`);
      const reg = await fetch(`${server.url}${api.runnerRegister}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${group.registrationKey}` },
        body: JSON.stringify({ name: 'leak-n', platform: 'process', hostname: 'leak-n', address: '127.0.0.1', os: 'linux', arch: 'x64', version: '1.3.0' }),
      });
      const { instanceToken } = (await reg.json()) as { instanceToken: string };
      await fetch(`${server.url}${api.runnerEvents}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${instanceToken}` },
        body: JSON.stringify({ type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' }),
      });
      await expect.poll(() => receiver.received.some((r) => r.body.includes('instance.ended'))).toBe(true);

      const viewer = await server.signIn('vera', viewerPassword);
      const answers: string[] = [];
      for (const who of [admin, viewer]) {
        for (const path of [api.notificationChannels, api.notificationChannel(hook.id), api.notificationChannel(mailId), api.notificationDeliveries(hook.id), api.notificationDeliveries(mailId), `${api.auditEvents}?limit=200`]) {
          const res = await who.request('GET', path);
          expect(res.status, path).toBe(200);
          answers.push(JSON.stringify(res.body));
        }
      }
      answers.push(await (await fetch(`${server.url}/metrics`)).text());

      const context = await browser.newContext({ baseURL: server.url, storageState: { cookies: [], origins: [] } });
      await signIn(context, server.url, 'admin', testAdminPassword);
      const page = await context.newPage();
      await page.goto('/notifications');
      await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();
      answers.push(await page.content());
      answers.push(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })));
      await context.close();

      const logs = server.output();
      expect(logs).toContain('notification delivered');
      for (const [what, text] of [['the logs', logs], ['an answer, the page or browser storage', answers.join('\n')]] as const) {
        expect(text.includes(hook.secret), `the webhook secret in ${what}`).toBe(false);
        expect(text.includes(hook.secret.slice(6, 30)), `a fragment of the webhook secret in ${what}`).toBe(false);
        expect(text.includes(smtpPassword), `the SMTP password in ${what}`).toBe(false);
      }
    } finally {
      await receiver.stop();
    }
  });

  test('fuzzed bodies and queries on every endpoint never get a 5xx', async () => {
    test.setTimeout(120_000);
    const admin = await server.signIn();
    const group = await admin.createGroup(`Fuzz ${Date.now().toString(36)}`);
    const reg = await fetch(`${server.url}${api.runnerRegister}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${group.registrationKey}` },
      body: JSON.stringify({ name: 'fuzz-1', platform: 'process', hostname: 'fuzz-1', address: '127.0.0.1', os: 'linux', arch: 'x64', version: '1.3.0' }),
    });
    const { instanceToken } = (await reg.json()) as { instanceToken: string };

    const jsonish = fc.oneof(
      fc.json().map((j) => ({ text: j })),
      fc.jsonValue().map((v) => ({ text: JSON.stringify(v) })),
      fc
        .record(
          { name: fc.oneof(fc.string(), fc.constant('<script>alert(1)</script>'), fc.integer()), isDefault: fc.anything(), targetVersion: fc.string(), version: fc.string(), type: fc.constantFrom('goodbye', 'terminated', 'update-started', 'update-failed', 'x'), username: fc.string(), password: fc.string(), platform: fc.string() },
          { requiredKeys: [] },
        )
        .map((o) => ({ text: JSON.stringify(o) })),
      fc.string({ maxLength: 200 }).map((s) => ({ text: s })),
    );
    const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'groupId', 'actor', 'x', 'status'), fc.string({ maxLength: 40 }), { maxKeys: 4 });
    const cookieHeaders = async () => {
      const res = await fetch(`${server.url}${api.session}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock' },
        body: JSON.stringify({ username: 'admin', password: testAdminPassword }),
      });
      return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    };
    const cookie = await cookieHeaders();
    const consoleHeaders = { cookie, 'x-requested-with': 'paddock', 'content-type': 'application/json' };
    const runner = (auth: string) => ({ authorization: `Bearer ${auth}`, 'content-type': 'application/json' });
    const bodyEndpoints: Array<{ method: string; path: string; headers: Record<string, string> }> = [
      { method: 'POST', path: api.runnerGroups, headers: consoleHeaders },
      { method: 'PATCH', path: api.runnerGroup(group.id), headers: consoleHeaders },
      { method: 'POST', path: api.updates(group.id), headers: consoleHeaders },
      { method: 'POST', path: api.registrationKey(group.id), headers: consoleHeaders },
      { method: 'POST', path: api.runnerRegister, headers: runner(group.registrationKey) },
      { method: 'POST', path: api.runnerHeartbeat, headers: runner(instanceToken) },
      { method: 'POST', path: api.runnerEvents, headers: runner(instanceToken) },
      { method: 'POST', path: api.runnerRegister, headers: runner('garbage') },
      { method: 'PATCH', path: api.runnerGroup('not-a-real-id'), headers: consoleHeaders },
      { method: 'POST', path: api.notificationChannels, headers: consoleHeaders },
      { method: 'PATCH', path: api.notificationChannel('not-a-real-id'), headers: consoleHeaders },
      { method: 'POST', path: api.notificationChannelTest('%00'), headers: consoleHeaders },
      { method: 'POST', path: api.tokens, headers: consoleHeaders },
      { method: 'POST', path: api.runnerGroups, headers: runner(`pat_${'A'.repeat(40)}`) },
    ];
    const seen5xx: string[] = [];
    const check = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
      const res = await fetch(url, { method, headers, body });
      const text = await res.text();
      if (res.status >= 500) seen5xx.push(`${method} ${url} ${body ?? ''} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) expect(res.headers.get('content-type'), `${method} ${url}`).toContain('application/problem+json');
      return res.status < 500;
    };
    for (const e of bodyEndpoints) {
      await fc.assert(
        fc.asyncProperty(jsonish, async ({ text }) => check(e.method, `${server.url}${e.path}`, e.headers, text)),
        { numRuns: 40 },
      );
    }
    const queryEndpoints = [api.notificationChannels, api.notificationDeliveries('not-a-real-id'), api.auditEvents, api.tokens, api.openapi, api.runnerGroups, api.instances(group.id), api.updates(group.id), api.install('helm'), api.install('nope'), api.runnerGroup('%00'), '/metrics'];
    for (const path of queryEndpoints) {
      await fc.assert(
        fc.asyncProperty(query, async (q) => check('GET', `${server.url}${path}?${new URLSearchParams(q)}`, { cookie })),
        { numRuns: 25 },
      );
    }
    // Sign-in last: failures feed its rate limiter.
    await fc.assert(
      fc.asyncProperty(jsonish, async ({ text }) => check('POST', `${server.url}${api.session}`, { 'x-requested-with': 'paddock', 'content-type': 'application/json' }, text)),
      { numRuns: 30 },
    );
    expect(seen5xx).toEqual([]);
    expect((await fetch(`${server.url}${api.healthz}`)).status).toBe(200);
  });
});
