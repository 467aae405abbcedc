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

/** Failed sign-ins per key (user and client, or client alone), with a lock that grows while they go on. */
export class LoginRateLimiter {
  private entries = new Map<string, { failures: number[]; locks: number; lockedUntil: number }>();
  /**
   * `limit` failures within `windowMs` lock the key: the first lock lasts `firstLockMs`, each lock
   * after it twice as long, up to `maxLockMs`. Failures older than the window stop counting, and the
   * lock length starts over after a window without failures. A short first lock keeps a mistyping
   * user (or a test suite) from being shut out for long, while guessing slows to one try per
   * `maxLockMs`.
   */
  constructor(
    private readonly clock: { now(): Date },
    private readonly limit = 5,
    private readonly firstLockMs = 30_000,
    private readonly maxLockMs = 15 * 60 * 1000,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.lockedUntil - this.clock.now().getTime();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }
  fail(key: string): void {
    const now = this.clock.now().getTime();
    const e = this.entries.get(key) ?? { failures: [], locks: 0, lockedUntil: 0 };
    if (now - Math.max(e.failures.at(-1) ?? 0, e.lockedUntil) >= this.windowMs) e.locks = 0;
    e.failures = e.failures.filter((t) => now - t < this.windowMs).slice(-(this.limit - 1));
    e.failures.push(now);
    if (e.failures.length >= this.limit) {
      e.lockedUntil = now + Math.min(this.maxLockMs, this.firstLockMs * 2 ** Math.min(20, e.locks));
      e.locks++;
    }
    // Most recently failed last, so the cap drops the key quiet the longest.
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
  }
  succeed(key: string): void {
    this.entries.delete(key);
  }
}
