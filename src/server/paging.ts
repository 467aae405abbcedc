import { badRequest } from './problem';

/** `?limit=&cursor=` of a list (design-round2.md "Lists: paging and compression"); null limit = the whole list. */
export interface PageRequest<C> {
  limit: number | null;
  after: C | null;
}

export const maxPageLimit = 1000;

/** Reads limit and cursor; a bad one is a 400 naming it. `parseCursor` answers null for a cursor it cannot read. */
export function pageRequest<C>(query: (name: string) => string | undefined, parseCursor: (raw: unknown) => C | null): PageRequest<C> {
  const rawLimit = query('limit');
  const rawCursor = query('cursor');
  let limit: number | null = null;
  if (rawLimit !== undefined) {
    limit = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || limit < 1 || limit > maxPageLimit) {
      throw badRequest([{ field: 'limit', message: `must be a whole number from 1 to ${maxPageLimit}` }]);
    }
  }
  let after: C | null = null;
  if (rawCursor !== undefined) {
    if (limit === null) throw badRequest([{ field: 'cursor', message: 'goes with limit' }]);
    try {
      after = parseCursor(JSON.parse(Buffer.from(rawCursor, 'base64url').toString('utf8')));
    } catch {
      after = null;
    }
    if (after === null) throw badRequest([{ field: 'cursor', message: 'is not a cursor this list gave' }]);
  }
  return { limit, after };
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The `Link` header of a page that has a next one: the same path with the next cursor. */
export function nextLink(path: string, limit: number, cursor: string): string {
  return `<${path}?limit=${limit}&cursor=${cursor}>; rel="next"`;
}
