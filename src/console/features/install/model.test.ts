import { describe, expect, it } from 'vitest';
import { isLoopbackHost, serverUrlWarning } from './model';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['runner.localhost', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['10.0.0.5', false],
    ['paddock.example.com', false],
    ['localhost.example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('serverUrlWarning', () => {
  it('warns, word for word, that runners elsewhere cannot reach a loopback URL', () => {
    expect(serverUrlWarning('http://127.0.0.1:8080')).toEqual({
      kind: 'loopback',
      text: 'Runners on other machines cannot reach http://127.0.0.1:8080. Set PADDOCK_PUBLIC_URL to an address they can reach.',
    });
    expect(serverUrlWarning('https://localhost')?.kind).toBe('loopback');
    expect(serverUrlWarning('http://[::1]:8080')?.kind).toBe('loopback');
  });

  it('warns that plain http to another host carries the key unencrypted', () => {
    const w = serverUrlWarning('http://paddock.lan:8080');
    expect(w?.kind).toBe('plain-http');
    expect(w?.text).toContain('travel unencrypted to paddock.lan:8080');
  });

  it('says nothing for https on another host, or a URL it cannot read', () => {
    expect(serverUrlWarning('https://paddock.example.com')).toBeNull();
    expect(serverUrlWarning('not a url')).toBeNull();
  });
});
