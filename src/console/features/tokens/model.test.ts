import { describe, expect, it } from 'vitest';
import { curlExample, expiresAtFor, expiryText } from './model';

const now = Date.parse('2026-03-01T12:00:00Z');

describe('token expiry', () => {
  it.each([
    ['7', '2026-03-08T12:00:00.000Z'],
    ['30', '2026-03-31T12:00:00.000Z'],
    ['90', '2026-05-30T12:00:00.000Z'],
    ['365', '2027-03-01T12:00:00.000Z'],
    ['never', null],
  ] as const)('%s days from now is %s', (choice, expected) => {
    expect(expiresAtFor(choice, now)).toBe(expected);
  });

  it.each([
    [null, false, /^Never$/],
    ['2026-03-01T12:00:00Z', true, /^Expired · /],
    ['2026-03-01T11:00:00Z', true, /^Expired · /],
    ['2026-03-01T12:00:01Z', false, /^(?!Expired)/],
  ] as const)('expiresAt %s: expired %s', (expiresAt, expired, text) => {
    const r = expiryText({ expiresAt }, now);
    expect(r.expired).toBe(expired);
    expect(r.text).toMatch(text);
  });
});

describe('the curl example', () => {
  it('reads the secret from the environment and calls this control plane', () => {
    const text = curlExample('https://paddock.example.com');
    expect(text).toContain('"https://paddock.example.com/api/v1/runner-groups"');
    expect(text).toContain('-H "Authorization: Bearer $PADDOCK_TOKEN"');
    expect(text).not.toMatch(/pat_[0-9A-Za-z]/);
  });
});
