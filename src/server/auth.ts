import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from './keys';

const N = 16384;
const r = 8;
const p = 1;
const keyLen = 32;

function scryptAsync(password: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLen, { N: n, r: rr, p: pp, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Hashes a password with scrypt: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against a stored scrypt hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, rr, pp, salt, hash] = parts;
  const expected = Buffer.from(hash!, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt!, 'base64'), Number(n), Number(rr), Number(pp));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A random password for generated accounts (24 base62 characters, ~142 bits). */
export function generatePassword(): string {
  return randomBase62(24);
}

/** Session lifetimes (PRODUCT.md §8). */
export const sessionIdleMs = 30 * 60 * 1000;
export const sessionAbsoluteMs = 12 * 60 * 60 * 1000;

/** True while a session is inside both its idle and absolute timeouts. */
export function sessionAlive(createdAt: Date, lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() < sessionIdleMs && now.getTime() - createdAt.getTime() < sessionAbsoluteMs;
}

/**
 * One sign-in limit key's state (kept in the database, so replicas share it): times of recent
 * attempts that count as failures, how many locks in a row, and until when it is locked.
 */
export interface LimitState {
  failures: number[];
  locks: number;
  lockedUntil: number;
  /** When the current lock was set: an attempt that set it and then succeeded takes it back. */
  lockedAt: number;
}

/**
 * `limit` failures within `windowMs` lock a key: the first lock lasts `firstLockMs`, each lock
 * after it twice as long, up to `maxLockMs`. Failures older than the window stop counting, and the
 * lock length starts over after a window without failures. A short first lock keeps a mistyping
 * user (or a test suite) from being shut out for long, while guessing slows to one try per
 * `maxLockMs`.
 */
export interface LimitRule {
  limit: number;
  firstLockMs: number;
  maxLockMs: number;
  windowMs: number;
}

export const emptyLimitState: LimitState = { failures: [], locks: 0, lockedUntil: 0, lockedAt: 0 };

export function limitRule(limit: number, firstLockMs = 30_000, maxLockMs = 15 * 60 * 1000, windowMs = 15 * 60 * 1000): LimitRule {
  return { limit, firstLockMs, maxLockMs, windowMs };
}

/** Seconds until the key may try again, or 0 when it may try now. */
export function limitRetryAfter(s: LimitState, now: number): number {
  const left = s.lockedUntil - now;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** The state after one more failure at `now` (locking the key when it reaches the limit). */
export function limitWithFailure(s: LimitState, rule: LimitRule, now: number): LimitState {
  let locks = s.locks;
  if (now - Math.max(s.failures.at(-1) ?? 0, s.lockedUntil) >= rule.windowMs) locks = 0;
  const failures = [...s.failures.filter((t) => now - t < rule.windowMs).slice(-(rule.limit - 1)), now];
  if (failures.length < rule.limit) return { ...s, failures, locks };
  const lockedUntil = now + Math.min(rule.maxLockMs, rule.firstLockMs * 2 ** Math.min(20, locks));
  return { failures, locks: locks + 1, lockedUntil, lockedAt: now };
}

/**
 * The state once the attempt counted at `at` turned out to be right: its failure is taken back,
 * and so is the lock it set.
 */
export function limitWithoutFailure(s: LimitState, at: number): LimitState {
  const i = s.failures.lastIndexOf(at);
  if (i < 0) return s;
  const failures = s.failures.filter((_, j) => j !== i);
  if (s.lockedAt !== at) return { ...s, failures };
  return { failures, locks: Math.max(0, s.locks - 1), lockedUntil: 0, lockedAt: 0 };
}
