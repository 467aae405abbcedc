import type { Problem } from '../contract';

/** An error that becomes an RFC 9457 problem+json response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Partial<Problem> & Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
  toJSON(): Problem & Record<string, unknown> {
    return {
      type: this.extra.type ?? 'about:blank',
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...this.extra,
    };
  }
}

export const badRequest = (errors: Array<{ field: string; message: string }>, detail = 'The request is not valid.') =>
  new HttpProblem(400, 'Bad Request', detail, { errors });
export const unauthorized = (detail = 'Sign in first.') => new HttpProblem(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail);
export const notFound = (detail = 'Not found.') => new HttpProblem(404, 'Not Found', detail);
export const conflict = (detail: string, extra: Record<string, unknown> = {}) => new HttpProblem(409, 'Conflict', detail, extra);
export const gone = (detail: string) => new HttpProblem(410, 'Gone', detail);

/** Seconds a client is asked to wait before retrying while the database cannot be reached. */
export const databaseRetryAfterSeconds = 5;

/** 503 for a database that cannot be reached: the request was fine, try again shortly (PRODUCT.md §8). */
export const databaseUnavailable = () =>
  new HttpProblem(503, 'Service Unavailable', 'The database cannot be reached right now; try again shortly.', {}, {
    'Retry-After': String(databaseRetryAfterSeconds),
  });

/** The message a runner logs for a wrong or revoked key (PRODUCT.md §8). */
export const keyRevokedDetail = 'registration key revoked or unknown';
