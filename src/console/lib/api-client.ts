import type { Problem } from '../../contract/schemas';
import { reportReachable, reportUnreachable } from './connection';

/** An API failure: the HTTP status (0 when the control plane could not be reached) and its problem+json. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  /** Field errors of a 400, by field name. */
  readonly fieldErrors: Record<string, string>;

  constructor(status: number, problem: Problem | null, message?: string) {
    super(message ?? problem?.detail ?? problem?.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.fieldErrors = {};
    for (const e of problem?.errors ?? []) this.fieldErrors[e.field] ??= e.message;
  }

  /** True when the request never got an answer (offline, server down). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

let onUnauthorized: (() => void) | null = null;

/** Called on every 401 (session expired or never started); the app sends the user to Sign in. */
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RequestOptions<T> {
  method?: Method;
  body?: unknown;
  /** Parses the JSON answer; the contract's schemas are the parsers. */
  parse?: (data: unknown) => T;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Skip the global 401 handler (the sign-in and session requests handle 401 themselves). */
  quiet401?: boolean;
}

/**
 * Fetches a JSON API path. Cookies go along (same origin); mutations carry the CSRF header
 * `X-Requested-With: paddock`; errors become ApiError with the problem's field errors.
 */
export async function apiRequest<T = unknown>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...options.headers };
  if (method !== 'GET') headers['X-Requested-With'] = 'paddock';
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    reportUnreachable();
    throw new ApiError(0, null, 'Cannot reach the control plane. Nothing was changed.');
  }
  // A proxy answering 502/503/504 means the control plane itself is not there.
  if (response.status >= 502 && response.status <= 504) reportUnreachable();
  else reportReachable();

  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const problem = toProblem(data, response.status);
    if (response.status === 401 && !options.quiet401) onUnauthorized?.();
    throw new ApiError(response.status, problem);
  }
  return options.parse ? options.parse(data) : (data as T);
}

function toProblem(data: unknown, status: number): Problem {
  if (data && typeof data === 'object' && 'title' in data) {
    const p = data as Problem;
    return { ...p, status: typeof p.status === 'number' ? p.status : status };
  }
  return { type: 'about:blank', title: defaultTitle(status), status };
}

function defaultTitle(status: number): string {
  if (status >= 502 && status <= 504) return 'The control plane is not reachable right now. Nothing was changed.';
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  return `Request failed (${status}).`;
}

/** A message for the user from any error a request can throw. */
export function errorMessage(error: unknown): string {
  // The detail says what happened ("A runner group named … already exists"); the title is generic.
  if (error instanceof ApiError) return error.problem?.detail ?? error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}
