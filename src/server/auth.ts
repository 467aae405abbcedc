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

/** Counts failed sign-ins per key in a sliding window; blocks once the limit is reached. */
export class LoginRateLimiter {
  private failures = new Map<string, number[]>();
  constructor(
    private readonly clock: { now(): Date },
    private readonly limit = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  private recent(key: string): number[] {
    const now = this.clock.now().getTime();
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }
  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.limit) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.clock.now().getTime()) / 1000));
  }
  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.clock.now().getTime());
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }
  succeed(key: string): void {
    this.failures.delete(key);
  }
}
