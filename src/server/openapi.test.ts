import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { api, type CreatedToken } from '../contract';
import { endpoints, responsesOf } from '../contract/api-spec';
import { createApp } from './app';
import { FakeClock } from './clock';
import { defaultConfig } from './config';
import { memoryLogger } from './logger';
import { openApiDocument } from './openapi';
import type { Db } from './store/db';
import { type Harness, setUpSignedInHarness } from './testing/harness';
import { OpenApiChecker } from '../testing/openapi-check';

const registered = new Set(endpoints.map((e) => `${e.method} ${e.path}`));

/** Every API route the Hono app answers, as `method /path/{param}` (middleware and catch-alls left out). */
function routesOf(app: Hono<never>): Set<string> {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    if (!r.path.startsWith('/api/') && r.path !== '/metrics') continue;
    out.add(`${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  }
  return out;
}

/** The whole app, with every optional part mounted (the local CLI endpoint too); no database is touched. */
function fullApp() {
  const db = { kind: 'pglite', query: async () => [], transaction: async () => undefined, listen: async () => async () => {}, close: async () => {} } as unknown as Db;
  return createApp({ store: { db, close: async () => {} }, clock: new FakeClock('2026-03-01T12:00:00Z'), config: defaultConfig, logger: memoryLogger(), localSecret: 'plc_test' });
}

/** Runs Redocly's linter with its recommended rules on a document; answers its totals. */
function redoclyLint(doc: unknown): { errors: number; warnings: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = spawnSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--extends=recommended', '--format=json'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const json = r.stdout.slice(r.stdout.indexOf('{'));
    const report = JSON.parse(json) as { totals: { errors: number; warnings: number } };
    return { ...report.totals, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules with no errors", () => {
    const lint = redoclyLint(openApiDocument('http://127.0.0.1:8080'));
    expect(lint.errors, lint.output.slice(0, 4000)).toBe(0);
  }, 120_000);

  it('the lint can fail: a broken document gets errors', () => {
    const doc = structuredClone(openApiDocument('http://127.0.0.1:8080')) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    delete doc.paths['/api/v1/runner-groups']!.get!.responses;
    doc.paths['/api/v1/runner-groups/{id}']!.get!.parameters = [];
    expect(redoclyLint(doc).errors).toBeGreaterThan(0);
  }, 120_000);

  it('documents every route the app has (and fails for one it lacks)', () => {
    const routes = routesOf(fullApp().app as never);
    expect(routes.size).toBeGreaterThan(20);
    expect([...routes].filter((r) => !registered.has(r))).toEqual([]);
    const extra = fullApp();
    extra.app.get('/api/v1/runner-groups/:id/secrets', (c) => c.json({}));
    expect([...routesOf(extra.app as never)].filter((r) => !registered.has(r))).toEqual(['get /api/v1/runner-groups/{id}/secrets']);
  });

  it('has a route for every entry', () => {
    const routes = routesOf(fullApp().app as never);
    expect([...registered].filter((e) => !routes.has(e))).toEqual([]);
  });

  it('gives every operation a unique id, its problem+json errors and a 2xx', () => {
    const ids = endpoints.map((e) => e.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of endpoints) {
      const statuses = Object.keys(responsesOf(e)).map(Number);
      expect(statuses.some((s) => s >= 200 && s < 300), e.operationId).toBe(true);
      for (const [status, r] of Object.entries(responsesOf(e))) {
        if (Number(status) >= 400) expect(r.contentType, `${e.operationId} ${status}`).toBe('application/problem+json');
      }
    }
  });
});

describe('the response checker the test kit runs every answer through', () => {
  const checker = new OpenApiChecker(openApiDocument('http://paddock.test'));
  const group = {
    id: 'g1',
    name: 'A',
    isDefault: true,
    status: 'waiting',
    connectedCount: 0,
    instanceCount: 0,
    versions: [],
    latestVersion: '1.4.0',
    updateDeadlineSeconds: 300,
    keyPrefix: 'prk_abcd',
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
    activeUpdate: null,
    health: 'waiting',
    healthReasons: [],
    recentEnds: {},
    lastUpdate: null,
  };
  const sample = (over: Partial<Parameters<OpenApiChecker['check']>[0]>) => ({
    method: 'GET',
    path: '/api/v1/runner-groups/g1',
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify(group),
    ...over,
  });

  it('accepts an answer the document describes', () => {
    expect(checker.check(sample({}))).toEqual([]);
    expect(checker.check(sample({ path: '/api/v1/runner-groups', body: JSON.stringify([group]) }))).toEqual([]);
    expect(checker.check(sample({ status: 404, contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Not Found","status":404}' }))).toEqual([]);
    expect(checker.check(sample({ method: 'DELETE', status: 204, contentType: null, body: null }))).toEqual([]);
  });

  it('finds a missing field, a wrong type, an extra field, an undeclared status, a wrong content type and an unknown operation', () => {
    const { keyPrefix: _k, ...withoutPrefix } = group;
    expect(checker.check(sample({ body: JSON.stringify(withoutPrefix) })).join()).toMatch(/keyPrefix/);
    expect(checker.check(sample({ body: JSON.stringify({ ...group, connectedCount: '0' }) })).join()).toMatch(/connectedCount must be integer/);
    expect(checker.check(sample({ body: JSON.stringify({ ...group, registrationKey: 'prk_x' }) })).join()).toMatch(/additional/);
    expect(checker.check(sample({ body: JSON.stringify({ ...group, createdAt: 'yesterday' }) })).join()).toMatch(/createdAt/);
    expect(checker.check(sample({ status: 500 })).join()).toMatch(/does not declare 500/);
    expect(checker.check(sample({ contentType: 'text/html' })).join()).toMatch(/content type text\/html/);
    expect(checker.check(sample({ status: 404, contentType: 'application/problem+json', body: '{"oops":true}' })).join()).toMatch(/title/);
    expect(checker.check(sample({ path: '/api/v1/nope', status: 200 })).join()).toMatch(/no such operation/);
    expect(checker.check(sample({ method: 'DELETE', status: 204, body: 'surprise' })).join()).toMatch(/declares no body/);
  });
});

describe('who may call what, as the registry says', () => {
  const t = setUpSignedInHarness('pglite');
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  const fill = (path: string) => path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
  const live = endpoints.filter((e) => !e.path.startsWith('/api/v1/local/'));

  it('serves the document without sign-in', async () => {
    const res = await h.call('GET', api.openapi, { cookie: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/tokens');
  });

  it('401s every console endpoint without credentials, and refuses every runner endpoint without its bearer', async () => {
    for (const e of live) {
      const res = await h.call(e.method.toUpperCase(), fill(e.path), { cookie: null, csrf: false, body: e.body ? {} : undefined });
      const label = `${e.method} ${e.path}`;
      if (e.auth === 'public') expect(res.status, label).not.toBe(401);
      else if (e.auth === 'viewer' || e.auth === 'admin' || e.auth === 'session') expect(res.status, label).toBe(401);
      else expect([400, 401], label).toContain(res.status); // runner bodies are checked before their bearer
    }
  });

  it('403s a token on the session-only endpoints, and a read token on every mutation a token may make', async () => {
    const read = (await (await h.call('POST', api.tokens, { body: { name: 'read', scope: 'read' } })).json()) as CreatedToken;
    for (const e of live) {
      const label = `${e.method} ${e.path}`;
      const res = await h.call(e.method.toUpperCase(), fill(e.path), { cookie: null, bearer: read.secret, body: e.body ? {} : undefined });
      if (e.auth === 'session' || ((e.auth === 'admin' || e.auth === 'viewer') && e.method !== 'get')) expect(res.status, label).toBe(403);
      else if (e.auth === 'viewer' || e.auth === 'admin') expect([200, 404], label).toContain(res.status);
    }
  });
});
