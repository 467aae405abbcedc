import { describe, expect, it } from 'vitest';
import { checksum, hashSecret, isWellFormedKey, keyPrefix, newApiTokenSecret, newInstanceToken, newRegistrationKey } from './keys';
import { createLogger, redact } from './logger';

describe('registration keys', () => {
  it('are prk_ + 40 base62 + a 6-character checksum', () => {
    const key = newRegistrationKey();
    expect(key).toMatch(/^prk_[0-9A-Za-z]{46}$/);
    expect(key.slice(-6)).toBe(checksum(key.slice(4, 44)));
    expect(isWellFormedKey(key)).toBe(true);
  });
  it('detect a mistyped character through the checksum', () => {
    const key = newRegistrationKey();
    const typo = `${key.slice(0, 10)}${key[10] === 'a' ? 'b' : 'a'}${key.slice(11)}`;
    expect(isWellFormedKey(typo)).toBe(false);
    expect(isWellFormedKey(`${key}x`)).toBe(false);
    expect(isWellFormedKey('prk_short')).toBe(false);
  });
  it('are random, and only a hash and 8-character prefix are derived for storage', () => {
    const keys = new Set(Array.from({ length: 200 }, newRegistrationKey));
    expect(keys.size).toBe(200);
    const key = [...keys][0]!;
    expect(keyPrefix(key)).toBe(key.slice(0, 8));
    expect(hashSecret(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(newInstanceToken()).toMatch(/^pit_[0-9A-Za-z]{43}$/);
  });
});

describe('log redaction', () => {
  it('removes keys, tokens, bearer credentials, cookies and password fields', () => {
    const key = newRegistrationKey();
    const token = newInstanceToken();
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.info(`register with ${key}`, {
      headers: { authorization: `Bearer ${token}`, cookie: 'paddock_session=pss_abcdefghijkl' },
      password: 'hunter2hunter2',
      nested: { note: `token ${token} and Cookie: paddock_session=pss_zzzzzzzzzzzz` },
      keyPrefix: key.slice(0, 8),
    });
    const out = lines.join('\n');
    expect(out).not.toContain(key);
    expect(out).not.toContain(token);
    expect(out).not.toContain('hunter2hunter2');
    expect(out).not.toContain('pss_abcdefghijkl');
    expect(out).not.toContain('pss_zzzzzzzzzzzz');
    expect(out).toContain(key.slice(0, 8)); // the prefix alone is not a secret
    expect(redact(new Error(`bad ${key}`))).not.toMatchObject({ message: expect.stringContaining(key) });
  });

  it('removes API token secrets wherever they appear', () => {
    const secret = newApiTokenSecret();
    expect(secret).toMatch(/^pat_[0-9A-Za-z]{40}$/);
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l) }).warn(`a script sent ${secret}`, { detail: `header was ${secret}`, list: [secret] });
    expect(lines.join('\n')).not.toContain(secret.slice(4));
  });
});
