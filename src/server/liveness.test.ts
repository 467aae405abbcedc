import { describe, expect, it } from 'vitest';
import {
  emptyLimitState,
  hashPassword,
  type LimitState,
  limitRetryAfter,
  limitRule,
  limitWithFailure,
  limitWithoutFailure,
  sessionAlive,
  verifyPassword,
} from './auth';
import { FakeClock } from './clock';
import { groupStatus, offlineCutoff, pastStartupGrace, terminationOf } from './liveness';
import type { InstanceRow } from './store/instances';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

/** The limit functions over an in-memory map, as the database keeps them per key. */
function memoryLimiter(clock: FakeClock, limit: number, firstLockMs: number, maxLockMs: number, windowMs: number) {
  const rule = limitRule(limit, firstLockMs, maxLockMs, windowMs);
  const states = new Map<string, LimitState>();
  const get = (k: string) => states.get(k) ?? emptyLimitState;
  return {
    fail: (k: string) => states.set(k, limitWithFailure(get(k), rule, clock.now().getTime())),
    retryAfter: (k: string) => limitRetryAfter(get(k), clock.now().getTime()),
    succeed: (k: string) => states.delete(k),
    takeBack: (k: string) => states.set(k, limitWithoutFailure(get(k), clock.now().getTime())),
  };
}

describe('group status', () => {
  it.each([
    [2, true, 'connected'],
    [0, true, 'disconnected'],
    [0, false, 'waiting'],
  ] as const)('%i connected, ever registered %s → %s', (connected, ever, status) => {
    expect(groupStatus(connected, ever)).toBe(status);
  });
});

describe('liveness windows', () => {
  it('grants one offline window of grace after start-up', () => {
    expect(pastStartupGrace(t(0), t(19.999), 20)).toBe(false);
    expect(pastStartupGrace(t(0), t(20), 20)).toBe(true);
    expect(offlineCutoff(t(100), 20)).toEqual(t(80));
  });
});

describe('termination records', () => {
  const row = (over: Partial<InstanceRow>): InstanceRow => ({
    id: 'i',
    group_id: 'g',
    name: 'r',
    platform: 'process',
    hostname: 'h',
    address: '',
    os: 'linux',
    arch: 'x64',
    version: '1.0.0',
    status: 'connected',
    started_at: t(0),
    last_heartbeat_at: t(10),
    heartbeats_on_version: 1,
    disconnected_at: null,
    last_error: null,
    term_exit_code: null,
    term_signal: null,
    term_reason: null,
    term_at: null,
    term_cause: null,
    replaced_by: null,
    update_started_id: null,
    stop_requested_at: null,
    ...over,
  });
  it('has none while connected', () => expect(terminationOf(row({}))).toBeNull());
  it('has none for a disconnected instance that reported no exit (it may come back; §4 "no termination record")', () => {
    expect(terminationOf(row({ status: 'disconnected', disconnected_at: t(31) }))).toBeNull();
  });
  it('keeps a stored record as it is', () => {
    expect(
      terminationOf(row({ status: 'terminated', term_exit_code: 137, term_reason: 'OOMKilled', term_at: t(5), term_cause: 'oom_killed' })),
    ).toMatchObject({ exitCode: 137, reason: 'OOMKilled', cause: 'oom_killed' });
  });
});

describe('sessions and passwords', () => {
  it('expire after 30 min idle or 12 h in all', () => {
    expect(sessionAlive(t(0), t(0), t(29 * 60))).toBe(true);
    expect(sessionAlive(t(0), t(0), t(30 * 60))).toBe(false);
    expect(sessionAlive(t(0), t(12 * 3600 - 60), t(12 * 3600 - 1))).toBe(true);
    expect(sessionAlive(t(0), t(12 * 3600 - 60), t(12 * 3600))).toBe(false);
  });
  it('hashes passwords with scrypt and verifies them', async () => {
    const hash = await hashPassword('s3cret-pass');
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', hash)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
  it('locks a key after the limit, twice as long for each failure after that, up to the cap', () => {
    const clock = new FakeClock();
    const limiter = memoryLimiter(clock, 3, 60_000, 300_000, 900_000);
    limiter.fail('k');
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(60);
    expect(limiter.retryAfter('other')).toBe(0);
    clock.advance(30);
    expect(limiter.retryAfter('k')).toBe(30);
    clock.advance(30);
    expect(limiter.retryAfter('k')).toBe(0);
    const locks: number[] = [];
    for (let i = 0; i < 4; i++) {
      limiter.fail('k');
      locks.push(limiter.retryAfter('k'));
      clock.advance(locks.at(-1)!);
    }
    expect(locks).toEqual([120, 240, 300, 300]);
    // A quiet spell after the last lock, or a success, starts over.
    clock.advance(900);
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.fail('k');
    limiter.succeed('k');
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(0);
  });

  it('counts only the failures of the last window, so occasional typos never add up to a lock', () => {
    const clock = new FakeClock();
    const limiter = memoryLimiter(clock, 3, 60_000, 300_000, 900_000);
    for (let i = 0; i < 20; i++) {
      limiter.fail('client');
      expect(limiter.retryAfter('client')).toBe(0);
      clock.advance(451);
    }
  });

  it('takes back the failure counted for an attempt that was right, and the lock that attempt set', () => {
    const clock = new FakeClock();
    const limiter = memoryLimiter(clock, 3, 60_000, 300_000, 900_000);
    limiter.fail('k');
    clock.advance(1);
    limiter.fail('k');
    clock.advance(1);
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(60);
    limiter.takeBack('k');
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.fail('k');
    expect(limiter.retryAfter('k')).toBe(60);
  });
});
