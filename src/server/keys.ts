import { createHash, randomBytes } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` uniformly random base62 characters (rejection sampling, no modulo bias). */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += base62[byte % 62];
    }
  }
  return out;
}

/** 6-character base62 checksum of the key body: the first bytes of its SHA-256. */
export function checksum(body: string): string {
  const digest = createHash('sha256').update(body).digest();
  let n = digest.readBigUInt64BE(0);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out += base62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

/** A new registration key: `prk_` + 40 random base62 + 6-character checksum. */
export function newRegistrationKey(): string {
  const body = randomBase62(40);
  return `prk_${body}${checksum(body)}`;
}

/** True when the text has the shape and checksum of a registration key (no database needed). */
export function isWellFormedKey(key: string): boolean {
  const m = /^prk_([0-9A-Za-z]{40})([0-9A-Za-z]{6})$/.exec(key);
  return m !== null && checksum(m[1]!) === m[2];
}

/** The part of a key that may be stored and shown: its first 8 characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, 8);
}

/** A new instance token, given to a runner at registration. */
export function newInstanceToken(): string {
  return `pit_${randomBase62(43)}`;
}

/** A new API token secret: `pat_` + 40 random base62 (PRODUCT.md §13). */
export function newApiTokenSecret(): string {
  return `pat_${randomBase62(40)}`;
}

/** A new session id for the console's cookie. */
export function newSessionId(): string {
  return `pss_${randomBase62(43)}`;
}

/** SHA-256 hex of a secret; only this is ever stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
