import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { ZodType } from 'zod';
import type { Role, Session } from '../contract';
import type { Accounts } from './accounts';
import type { ApiTokens, TokenCredential } from './api-tokens';
import { allowedOrigins, type ServerConfig } from './config';
import { badRequest, forbidden, HttpProblem, notFound, unauthorized } from './problem';

/**
 * Hono environment of the API: the user a request acts for (signed in with a cookie, or through an
 * API token), the token when there is one, and whether a bearer credential was sent and refused.
 */
export type AppEnv = {
  Variables: { session: Session | null; sessionId: string | null; token: TokenCredential | null; tokenRefused: boolean };
};

/** The 401 detail for a bearer credential that is not a live API token. */
export const tokenRefusedDetail = 'The API token is unknown, revoked or expired.';

/** Largest request body accepted (PRODUCT.md §8). */
export const maxBodyBytes = 64 * 1024;

const tooLarge = () =>
  problemResponse(new HttpProblem(413, 'Content Too Large', `The request body is over ${maxBodyBytes / 1024} KiB.`));
const streamingLimit = streamingBodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });

/**
 * 413 for a body over `maxBodyBytes`. A body with a Content-Length is judged by the header alone,
 * leaving the body unread: Hono's own check touches `c.req.raw.body`, which makes @hono/node-server
 * build a full web Request per call — the largest cost of a heartbeat. Chunked bodies (no length)
 * go through Hono's check, which counts while reading.
 */
export function bodyLimit(): MiddlewareHandler {
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > maxBodyBytes ? tooLarge() : next();
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return streamingLimit(c, next);
  };
}

/**
 * 404 problem+json for a path whose percent-encoding does not decode (`/%ff`): it names no route,
 * console page or resource (without this it answered the console page). Paths without `%` (every
 * runner call) are not looked at.
 */
export const rejectMalformedPath: MiddlewareHandler = async (c, next) => {
  const url = c.req.url;
  if (url.includes('%')) {
    const query = url.indexOf('?');
    const path = new URL(query === -1 ? url : url.slice(0, query)).pathname;
    try {
      decodeURIComponent(path);
    } catch {
      return problemResponse(notFound('No such route: the path is not valid percent-encoded UTF-8.'));
    }
  }
  return next();
};

/**
 * Security headers of PRODUCT.md §8, on every response. Scripts are strict; styles allow inline
 * because Radix's scroll lock injects a <style> element while a dialog is open.
 */
export const securityHeaders: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const apiJsonHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...securityHeaders };
const complete = new WeakSet<Response>();

/**
 * A JSON answer of the API that already carries every header the app adds (security headers,
 * `no-store`), as a plain object. Adding them afterwards through `res.headers` makes
 * @hono/node-server turn its light response into a web Response with a Headers object, which was
 * ≈ 8 % of a heartbeat's CPU: the runner protocol, the busiest path, answers with this.
 */
export function jsonAnswer(body: unknown, status = 200): Response {
  const res = new Response(JSON.stringify(body), { status, headers: apiJsonHeaders });
  complete.add(res);
  return res;
}

/** Whether `res` came from `jsonAnswer`, headers and all. */
export function hasAllHeaders(res: Response): boolean {
  return complete.has(res);
}

/** An RFC 9457 response. */
export function problemResponse(p: HttpProblem): Response {
  return new Response(JSON.stringify(p.toJSON()), {
    status: p.status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...p.headers },
  });
}

/** The parts of a zod issue that say which rule was broken. */
export interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
  expected?: string;
  origin?: string;
  format?: string;
  pattern?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  divisor?: number;
  values?: unknown[];
  options?: unknown[];
  input?: unknown;
  errors?: ZodIssueLike[][];
}

/**
 * Turns zod issues into `errors: [{field, message}]`, each message stating the rule (PRODUCT.md §8):
 * a schema's own message is kept; zod's defaults ("Invalid input", "Too big: …") are rewritten from
 * the issue's details, and a union names what it accepts or, when the value took one branch's shape,
 * reports that branch's broken fields.
 */
export function fieldErrors(issues: ReadonlyArray<ZodIssueLike>, prefix: readonly PropertyKey[] = []): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const k of issue.keys) out.push({ field: [...path, k].join('.'), message: 'is not a known field' });
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
      // A branch whose issues all sit below the value matched its shape: its field errors say more.
      const closest = issue.errors
        .filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0))
        .sort((a, b) => a.length - b.length)[0];
      if (closest) {
        out.push(...fieldErrors(closest, [...prefix, ...issue.path]));
        continue;
      }
    }
    out.push({ field: path.join('.') || 'body', message: isZodDefault(issue.message) ? ruleOf(issue) : issue.message });
  }
  return out;
}

/** zod's English defaults start with a capital ("Invalid input", "Too big: …"); Paddock's own messages never do. */
function isZodDefault(message: string): boolean {
  return /^(Invalid|Too (big|small)|Unrecognized|Expected)\b/.test(message);
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
  date: 'a date',
};

const typeName = (expected: string | undefined) => typeNames[expected ?? ''] ?? (expected ? `of type ${expected}` : 'valid');
const listOf = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** The rule a zod issue with a default message broke, as "must …". */
function ruleOf(issue: ZodIssueLike): string {
  const { origin } = issue;
  const noun = origin === 'string' ? 'character' : origin === 'array' || origin === 'set' ? 'item' : '';
  // "at most 1 character", "at least 2 items", "at most 5" (a number has no unit).
  const unit = (n: unknown) => (noun ? ` ${noun}${Number(n) === 1 ? '' : 's'}` : '');
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length === 0 && issue.expected === 'object') return 'must be a JSON object';
      return issue.message.endsWith('received undefined') ? `is required and must be ${typeName(issue.expected)}` : `must be ${typeName(issue.expected)}`;
    case 'too_big':
      return issue.inclusive === false ? `must be less than ${issue.maximum}${unit(issue.maximum)}` : `must be at most ${issue.maximum}${unit(issue.maximum)}`;
    case 'too_small':
      if (origin === 'string' && Number(issue.minimum) === 1 && issue.inclusive !== false) return 'must not be empty';
      return issue.inclusive === false ? `must be more than ${issue.minimum}${unit(issue.minimum)}` : `must be at least ${issue.minimum}${unit(issue.minimum)}`;
    case 'invalid_value':
      return issue.values && issue.values.length === 1 ? `must be ${listOf(issue.values)}` : `must be one of ${listOf(issue.values ?? [])}`;
    case 'invalid_format':
      if (issue.format === 'datetime') return 'must be an ISO 8601 date and time such as 2026-01-01T00:00:00Z';
      if (issue.format === 'regex' && issue.pattern) return `must match ${issue.pattern}`;
      return `must be a valid ${issue.format ?? 'value'}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      if (issue.options && issue.options.length > 0) return `must be one of ${listOf(issue.options)}`;
      return `must be ${unionTypes(issue.errors ?? [])}`;
    case 'invalid_key':
      return 'has a key that breaks its rule';
    case 'invalid_element':
      return 'has an element that breaks its rule';
    default:
      return 'breaks its rule';
  }
}

/** "a JSON object or a string": the types a union's branches expected, from their root issues. */
function unionTypes(branches: readonly ZodIssueLike[][]): string {
  const names = new Set<string>();
  for (const branch of branches) {
    const root = branch.find((i) => i.path.length === 0);
    if (root?.code === 'invalid_type') names.add(typeName(root.expected));
    else if (root?.code === 'invalid_value' && root.values) names.add(listOf(root.values));
  }
  return names.size > 0 ? [...names].join(' or ') : 'one of the accepted shapes';
}

/** Deepest nesting of arrays and objects a JSON body may have (PRODUCT.md §8). */
export const maxJsonDepth = 64;

/**
 * True when the JSON text opens more than `limit` arrays or objects inside each other. One pass over
 * the characters, no recursion: it runs before the text is parsed, so a body nested thousands deep
 * is refused before any recursive walk (parse, validation, text checks) could overflow the stack.
 * Brackets inside strings do not count; malformed text is left to JSON.parse.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: the next character is escaped
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}

/** Reads and validates a JSON body; 400 problem+json for malformed JSON or any broken rule. */
export async function parseBody<T>(c: Context, schema: ZodType<T>, options: { allowEmpty?: boolean } = {}): Promise<T> {
  const text = await c.req.text();
  let data: unknown;
  if (text.trim() === '') {
    if (!options.allowEmpty) throw badRequest([{ field: 'body', message: 'must be a JSON object' }], 'The request body is empty.');
    data = {};
  } else {
    // Measured on the text, before JSON.parse or anything else walks the value recursively.
    if (jsonNestingExceeds(text, maxJsonDepth)) {
      throw badRequest([{ field: 'body', message: `must not nest arrays and objects more than ${maxJsonDepth} levels deep` }], 'The request body is nested too deeply.');
    }
    try {
      data = JSON.parse(text);
    } catch {
      throw badRequest([{ field: 'body', message: 'must be valid JSON' }], 'The request body is not valid JSON.');
    }
  }
  const bad = findBadText(data, []);
  if (bad !== null) throw badRequest([{ field: bad || 'body', message: 'must be valid Unicode text without NUL characters' }]);
  const result = schema.safeParse(data);
  if (!result.success) throw badRequest(fieldErrors(result.error.issues as never));
  return result.data;
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const badText = { test: (s: string) => s.includes(String.fromCharCode(0)) || loneSurrogate.test(s) };

/** PostgreSQL text cannot hold U+0000 or lone surrogates: find the first string (or key) carrying one, by path. */
function findBadText(value: unknown, path: string[]): string | null {
  if (typeof value === 'string') return badText.test(value) ? path.join('.') : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findBadText(value[i], [...path, String(i)]);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (badText.test(k)) return [...path, k].join('.');
      const hit = findBadText(v, [...path, k]);
      if (hit !== null) return hit;
    }
  }
  return null;
}

/** Validates query parameters the same way (a decoded `%00` would otherwise reach PostgreSQL and 500). */
export function parseQuery<T>(c: Context, schema: ZodType<T>): T {
  const query = c.req.query();
  const bad = findBadText(query, []);
  if (bad !== null) {
    throw badRequest([{ field: bad, message: 'must be valid Unicode text without NUL characters' }], 'The query string is not valid.');
  }
  const result = schema.safeParse(query);
  if (!result.success) throw badRequest(fieldErrors(result.error.issues as never), 'The query string is not valid.');
  return result.data;
}

/** The bearer credential of a runner call, or null. */
export function bearer(c: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  return m ? m[1]! : null;
}

/** Session cookie name: `__Host-` prefixed when the console is served over HTTPS. */
export function cookieName(config: ServerConfig): string {
  return config.publicUrl.startsWith('https://') ? '__Host-paddock_session' : 'paddock_session';
}

/** The client's address (the socket's peer; IPv4-mapped IPv6 shown as IPv4), or null when there is no socket (in-process tests). */
export function clientAddress(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress;
  return address ? address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') : null;
}

/**
 * Resolves who a console-facing request acts for into `c.var.session`: an `Authorization: Bearer`
 * API token when one is sent (the cookie is then ignored, so a request has exactly one credential),
 * else the session cookie. Null when signed out or the token is refused.
 */
export function sessionMiddleware(accounts: Accounts, config: ServerConfig, tokens: ApiTokens): MiddlewareHandler<AppEnv> {
  const name = cookieName(config);
  return async (c, next) => {
    c.set('token', null);
    c.set('tokenRefused', false);
    c.set('sessionId', null);
    if (c.req.header('Authorization') !== undefined) {
      const secret = bearer(c);
      const resolved = secret !== null && secret.length <= 128 ? await tokens.resolve(secret, clientAddress(c)) : null;
      c.set('session', resolved?.session ?? null);
      c.set('token', resolved?.token ?? null);
      c.set('tokenRefused', resolved === null);
      return next();
    }
    const id = getCookie(c, name);
    c.set('sessionId', id ?? null);
    c.set('session', id && id.length <= 128 ? await accounts.resolve(id) : null);
    await next();
  };
}

/** Who did it, for audit entries and `requestedBy`: the user, and the token when one was used ("admin (token ci)"). */
export function actorOf(c: Context<AppEnv>): string {
  const session = c.get('session');
  if (!session) throw unauthorized();
  const token = c.get('token');
  return token ? `${session.username} (token ${token.name})` : session.username;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** CSRF defence of every mutation: the custom header, and same-origin Origin / Sec-Fetch-Site when sent. */
export function checkCsrf(c: Context, config: ServerConfig): void {
  if (safeMethods.has(c.req.method)) return;
  if (c.req.header('X-Requested-With') !== 'paddock') throw forbidden('Missing the X-Requested-With: paddock header.');
  const site = c.req.header('Sec-Fetch-Site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw forbidden('Cross-site requests are not allowed.');
  const origin = c.req.header('Origin');
  // From configuration only: a Host header is the client's to choose (DNS rebinding sends its own).
  if (origin !== undefined && !allowedOrigins(config).has(origin)) throw forbidden('Cross-origin requests are not allowed. Set PADDOCK_PUBLIC_URL to the address the console is opened at.');
}

/** 401 unless the request acts for someone; the detail says when it was the API token that was refused. */
export function requireSession(c: Context<AppEnv>): Session {
  const session = c.get('session');
  if (!session) throw unauthorized(c.get('tokenRefused') ? tokenRefusedDetail : undefined);
  return session;
}

/** 403 for a request made with an API token, on the endpoints tokens cannot use (`/session`, `/tokens`). */
export function refuseTokens(c: Context<AppEnv>): void {
  if (c.get('token')) throw forbidden('API tokens cannot manage sessions or tokens: sign in to the console for that.');
}

/**
 * Signed in (401 otherwise), with the role when given (403), and for mutations: CSRF-checked when
 * signed in with a cookie, `write` scope when made with an API token (403). A token does no more
 * than its owner's role. `tokens: false` refuses API tokens altogether (403).
 */
export function guard(config: ServerConfig, role?: Role, options: { tokens?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = requireSession(c);
    const token = c.get('token');
    if (options.tokens === false) refuseTokens(c);
    if (token && token.scope === 'read' && !safeMethods.has(c.req.method)) {
      throw forbidden('This API token has the read scope: it cannot change anything.');
    }
    if (role === 'admin' && session.role !== 'admin') {
      throw forbidden(token ? "This needs the admin role; the token's owner is a viewer." : 'This needs the admin role; you are signed in as a viewer.');
    }
    // A browser never attaches an Authorization header by itself, so a bearer request cannot be forged cross-site.
    if (!token) checkCsrf(c, config);
    await next();
  };
}
