import { createApp, type PaddockApp } from '../app';
import { FakeClock } from '../clock';
import { defaultConfig, type ServerConfig } from '../config';
import { memoryLogger } from '../logger';
import type { Db } from '../store/db';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type Backend, openTestDb, resetDb } from './db';
import { openApiChecker } from './openapi-check';

export const adminPassword = 'correct-horse-battery';
export const origin = 'http://paddock.test';

/** The control plane over a test database, with a fake clock and captured logs. */
export interface Harness {
  paddock: PaddockApp;
  clock: FakeClock;
  logs: string[];
  config: ServerConfig;
  /**
   * Sends a request; JSON bodies are serialised; console calls carry the cookie and CSRF header.
   * Every answer is checked against the OpenAPI document (status declared, body matching its
   * schema); one that does not match fails the test.
   */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Signs in and remembers the cookie for later calls (admin by default). */
  signIn(username?: string, password?: string): Promise<string>;
  cookie: string | null;
}

export interface CallOptions {
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  cookie?: string | null;
  csrf?: boolean;
  bearer?: string;
}

/** What `setUpSignedInHarness` gives a describe block; read it inside tests (set by its hooks). */
export interface SignedInHarness {
  db: Db;
  h: Harness;
  /** Stops the control plane and starts one with other settings on the same database, signed in. */
  restart(overrides: Partial<ServerConfig>): Promise<Harness>;
}

/**
 * Hooks for the current describe block (or file): a test database opened once and emptied before
 * each test, and a fresh control plane over it, signed in as admin, stopped after each test.
 */
export function setUpSignedInHarness(backend: Backend): SignedInHarness {
  let drop: (() => Promise<void>) | undefined;
  const start = async (overrides: Partial<ServerConfig> = {}) => {
    t.h = await createHarness(t.db, overrides);
    await t.h.signIn();
    return t.h;
  };
  const t: SignedInHarness = {
    db: undefined as unknown as Db,
    h: undefined as unknown as Harness,
    restart: async (overrides) => {
      await t.h.paddock.stop();
      return start(overrides);
    },
  };
  beforeAll(async () => {
    ({ db: t.db, drop } = await openTestDb(backend));
  });
  afterAll(() => drop?.());
  beforeEach(async () => {
    await resetDb(t.db);
    await start();
  });
  afterEach(() => t.h?.paddock.stop());
  return t;
}

export async function createHarness(db: Db, overrides: Partial<ServerConfig> = {}): Promise<Harness> {
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const logger = memoryLogger();
  const config: ServerConfig = { ...defaultConfig, adminPassword, distDir: '/nonexistent-dist', publicUrl: origin, ...overrides };
  const paddock = createApp({ store: { db, close: () => db.close() }, clock, config, logger });
  await paddock.accounts.ensureFirstAdmin();
  await paddock.start({ timers: false });
  const h: Harness = {
    paddock,
    clock,
    logs: logger.lines,
    config,
    cookie: null,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const cookie = o.cookie === undefined ? h.cookie : o.cookie;
      if (cookie) headers.Cookie = cookie;
      if (o.csrf !== false && !o.bearer) headers['X-Requested-With'] ??= 'paddock';
      if (o.bearer) headers.Authorization = `Bearer ${o.bearer}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const res = await paddock.app.request(`${origin}${path}`, { method, headers, body });
      await openApiChecker().assertResponse(method, path, res);
      return res;
    },
    async signIn(username = 'admin', password = adminPassword) {
      const res = await h.call('POST', '/api/v1/session', { body: { username, password }, cookie: null });
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      const setCookie = res.headers.get('set-cookie') ?? '';
      h.cookie = setCookie.split(';')[0]!;
      return h.cookie;
    },
  };
  return h;
}

export const runnerBody = (over: Record<string, unknown> = {}) => ({
  name: 'runner-1',
  platform: 'process',
  hostname: 'host-1',
  address: '10.0.0.1',
  os: 'linux',
  arch: 'x64',
  version: '1.3.0',
  ...over,
});

/** Creates a group and answers its id and key. */
export async function createGroup(h: Harness, name = 'Prod EU', extra: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/api/v1/runner-groups', { body: { name, ...extra } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  const g = (await res.json()) as { id: string; registrationKey: string };
  return { id: g.id, key: g.registrationKey, group: g };
}

/** Registers a runner and answers its id and token. */
export async function register(h: Harness, key: string, over: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody(over) });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { instanceId: string; instanceToken: string; heartbeatSeconds: number };
}

export async function heartbeat(h: Harness, token: string, body: Record<string, unknown> = { version: '1.3.0' }) {
  return h.call('POST', '/api/v1/runner/heartbeat', { bearer: token, body });
}

export async function runnerEvent(h: Harness, token: string, body: Record<string, unknown>) {
  return h.call('POST', '/api/v1/runner/events', { bearer: token, body });
}
