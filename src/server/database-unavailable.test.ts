import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './store/db';

// Which errors are "the database cannot be reached" (503 with Retry-After) and which are bugs (500).
describe('isDatabaseUnavailable', () => {
  const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);
  it.each([
    ['connection refused', err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['admin shutdown', err('terminating connection due to administrator command', { code: '57P01' })],
    ['starting up', err('the database system is starting up', { code: '57P03' })],
    ['SQLSTATE class 08', err('connection failure', { code: '08006' })],
    ['too many connections', err('sorry, too many clients already', { code: '53300' })],
    ['terminated', err('Connection terminated unexpectedly')],
    ['pool timeout', err('timeout exceeded when trying to connect')],
    ['a closed PGlite, thrown as a plain object', { message: 'PGlite is closed' }],
    ['wrapped in a cause', err('query failed', { cause: err('x', { code: 'ECONNRESET' }) })],
    ['one of an AggregateError', new AggregateError([err('a', { code: 'ECONNREFUSED' })], 'all failed')],
  ])('%s: unavailable', (_, e) => {
    expect(isDatabaseUnavailable(e)).toBe(true);
  });
  it.each([
    ['a syntax error', err('syntax error at or near "x"', { code: '42601' })],
    ['a unique violation', err('duplicate key', { code: '23505' })],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an object', 'ECONNREFUSED'],
    ['null', null],
  ])('%s: not unavailable', (_, e) => {
    expect(isDatabaseUnavailable(e)).toBe(false);
  });
});
