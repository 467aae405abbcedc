import { Hono } from 'hono';
import { CreateTokenBody } from '../../contract';
import type { ApiTokens } from '../api-tokens';
import type { ServerConfig } from '../config';
import { type AppEnv, actorOf, guard, parseBody, requireSession } from '../http';

/**
 * `/api/v1/tokens`: a signed-in user's API tokens (an admin's list holds everyone's). Only a console
 * session may use these: a token cannot mint or list tokens (403).
 */
export function tokenRoutes(tokens: ApiTokens, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  const signedIn = guard(config, 'viewer', { tokens: false });
  r.get('/', signedIn, async (c) => c.json(await tokens.list(requireSession(c))));
  r.post('/', signedIn, async (c) => {
    const body = await parseBody(c, CreateTokenBody);
    const session = requireSession(c);
    const created = await tokens.create(actorOf(c), session.username, body);
    c.header('Cache-Control', 'no-store');
    return c.json(created, 201);
  });
  r.delete('/:id', signedIn, async (c) => {
    await tokens.revoke(actorOf(c), requireSession(c), c.req.param('id'));
    return c.body(null, 204);
  });
  return r;
}
