import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { SignInBody } from '../../contract';
import type { Accounts } from '../accounts';
import type { ServerConfig } from '../config';
import { type AppEnv, checkCsrf, cookieName, guard, parseBody } from '../http';
import { unauthorized } from '../problem';

/** `POST/GET/DELETE /api/v1/session`: sign in, who am I, sign out. */
export function sessionRoutes(accounts: Accounts, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  const secure = config.publicUrl.startsWith('https://');
  r.post('/', async (c) => {
    checkCsrf(c, config);
    const body = await parseBody(c, SignInBody);
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    const client = incoming?.socket?.remoteAddress ?? 'local';
    const { sessionId, session } = await accounts.signIn(body.username, body.password, client);
    setCookie(c, cookieName(config), sessionId, { httpOnly: true, sameSite: 'Strict', path: '/', secure });
    return c.json(session);
  });
  r.get('/', (c) => {
    const session = c.get('session');
    if (!session) throw unauthorized();
    return c.json(session);
  });
  r.delete('/', guard(config), async (c) => {
    const id = c.get('sessionId');
    if (id) await accounts.signOut(id);
    deleteCookie(c, cookieName(config), { path: '/', secure });
    return c.body(null, 204);
  });
  return r;
}
