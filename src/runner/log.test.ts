import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './log';

describe('redact', () => {
  it('removes registered secrets and anything shaped like a key', () => {
    expect(redact('token abc123secret, prk_AAAAbbbbCCCC and pit_xyz in a line', ['abc123secret'])).toBe(
      'token [redacted], prk_[redacted] and pit_[redacted] in a line',
    );
  });
});

describe('createLogger', () => {
  it('writes timestamped lines, info to stdout and errors to stderr, without secrets', () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = createLogger({ out: (l) => out.push(l), err: (l) => err.push(l) }, () => new Date('2026-01-01T00:00:00Z'));
    log.addSecret('tok_supersecret');
    log.info('registered with tok_supersecret');
    log.error('refused');
    expect(out).toEqual(['2026-01-01T00:00:00.000Z INFO registered with [redacted]\n']);
    expect(err).toEqual(['2026-01-01T00:00:00.000Z ERROR refused\n']);
  });
});
