import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { SignInBody } from '../../contract';
import type { Accounts } from '../accounts';
import type { ServerConfig } from '../config';
import { type AppEnv, checkCsrf, clientAddress, cookieName, guard, parseBody, refuseTokens, requireSession } from '../http';

/** `POST/GET/DELETE /api/v1/session`: sign in, who am I, sign out. */
export function sessionRoutes(accounts: Accounts, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  const secure = config.publicUrl.startsWith('https://');
  r.post('/', async (c) => {
    checkCsrf(c, config);
    const body = await parseBody(c, SignInBody);
    const { sessionId, session } = await accounts.signIn(body.username, body.password, signInAddress(c, config));
    setCookie(c, cookieName(config), sessionId, { httpOnly: true, sameSite: 'Strict', path: '/', secure });
    return c.json(session);
  });
  r.get('/', (c) => {
    const session = requireSession(c);
    refuseTokens(c);
    return c.json(session);
  });
  r.delete('/', guard(config, undefined, { tokens: false }), async (c) => {
    const id = c.get('sessionId');
    if (id) await accounts.signOut(id);
    deleteCookie(c, cookieName(config), { path: '/', secure });
    return c.body(null, 204);
  });
  return r;
}

/**
 * Who is signing in, for the sign-in limits: the socket's peer, or behind a trusted proxy
 * (`PADDOCK_TRUST_PROXY=1`) the address that proxy appended last to `X-Forwarded-For` (entries
 * before it are the client's word).
 */
export function signInAddress(c: Context<AppEnv>, config: Pick<ServerConfig, 'trustProxy'>): string {
  if (config.trustProxy) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (forwarded) return forwarded.slice(0, 100);
  }
  return clientAddress(c) ?? 'local';
}
