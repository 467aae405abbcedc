import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from './store/db';
import { type Backend, openTestDb, resetDb } from './testing/db';
import { adminPassword, createHarness, type Harness } from './testing/harness';
import { type ControlPlane, startControlPlane } from '../testing/processes';

const backends: Backend[] = ['pglite', 'postgres'];

const attempt = (h: Harness, password: string, headers: Record<string, string> = {}, username = 'admin') =>
  h.call('POST', '/api/v1/session', { body: { username, password }, cookie: null, headers });

describe.each(backends)('sign-in limits in the database (%s)', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  let h: Harness;
  beforeAll(async () => {
    ({ db, drop } = await openTestDb(backend));
  });
  afterAll(() => drop?.());
  beforeEach(async () => {
    await resetDb(db);
    h = await createHarness(db);
  });
  afterEach(() => h?.paddock.stop());

  it('counts parallel wrong passwords before any is checked: at most five are tried, and the right one right after is refused until the lock lifts', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => attempt(h, 'wrong-password')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const refused = await attempt(h, adminPassword);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    h.clock.advance(wait - 1);
    expect((await attempt(h, adminPassword)).status).toBe(429);
    h.clock.advance(1);
    expect((await attempt(h, adminPassword)).status).toBe(200);
  });

  it('is shared by replicas: failures counted by one control plane lock the account on another', async () => {
    const other = await createHarness(db);
    try {
      other.clock.set(h.clock.now());
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(i % 2 ? h : other, 'wrong-password')));
      expect(answers.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
      expect((await attempt(other, adminPassword)).status).toBe(429);
      expect((await attempt(h, adminPassword)).status).toBe(429);
    } finally {
      await other.paddock.stop();
    }
  });

  it('locks a user name tried from many addresses (twenty failures), whatever the address', async () => {
    const trusting = await createHarness(db, { trustProxy: true });
    try {
      for (let i = 0; i < 20; i++) {
        expect((await attempt(trusting, 'wrong-password', { 'X-Forwarded-For': `198.51.100.${i}` })).status).toBe(401);
      }
      expect((await attempt(trusting, adminPassword, { 'X-Forwarded-For': '198.51.100.200' })).status).toBe(429);
    } finally {
      await trusting.paddock.stop();
    }
  });

  it('reads X-Forwarded-For only with PADDOCK_TRUST_PROXY=1', async () => {
    // Not trusted: a forged header does not make each guess a new client.
    for (let i = 0; i < 5; i++) await attempt(h, 'wrong-password', { 'X-Forwarded-For': `203.0.113.${i}` });
    expect((await attempt(h, adminPassword, { 'X-Forwarded-For': '203.0.113.99' })).status).toBe(429);

    await resetDb(db);
    const trusting = await createHarness(db, { trustProxy: true });
    try {
      for (let i = 0; i < 5; i++) await attempt(trusting, 'wrong-password', { 'X-Forwarded-For': '10.9.9.9, 203.0.113.7' });
      // the proxy's entry (the last) is the client: that one is locked, another client is not
      expect((await attempt(trusting, adminPassword, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(429);
      expect((await attempt(trusting, adminPassword, { 'X-Forwarded-For': '10.9.9.9, 203.0.113.8' })).status).toBe(200);
    } finally {
      await trusting.paddock.stop();
    }
  });

  it('a right password takes back its own count: signing in often never locks anyone out', async () => {
    for (let i = 0; i < 60; i++) {
      h.clock.advance(1);
      expect((await attempt(h, adminPassword)).status).toBe(200);
    }
    await h.paddock.accounts.addUser('olga', 'viewer', 'olga-password');
    expect((await attempt(h, 'olga-password', {}, 'olga')).status).toBe(200);
  }, 120_000); // 61 scrypt checks: slow on a loaded 2-core machine, not a timing figure
});

// Two control-plane processes (src/server/main.ts) on one PostgreSQL, with the real clock.
describe('sign-in limits across two server processes on one PostgreSQL', () => {
  let a: ControlPlane;
  let b: ControlPlane;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const t = await openTestDb('postgres');
    drop = t.drop;
    a = await startControlPlane({ databaseUrl: t.url! });
    b = await startControlPlane({ databaseUrl: t.url! });
  }, 180_000);
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await drop?.();
  });

  it('parallel wrong passwords sent to both are limited together, and the right one after is refused on either', async () => {
    const send = (cp: ControlPlane, password: string) =>
      fetch(`${cp.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'paddock' },
        body: JSON.stringify({ username: 'admin', password }),
      });
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i % 2 ? a : b, 'wrong-password')));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(11);
    expect((await send(a, a.adminPassword)).status).toBe(429);
    expect((await send(b, b.adminPassword)).status).toBe(429);
  });
});
