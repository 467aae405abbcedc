import { Hono } from 'hono';
import { api, CreateChannelBody, DeliveriesQuery, PatchChannelBody } from '../../contract';
import type { ServerConfig } from '../config';
import { type AppEnv, actorOf, guard, parseBody, parseQuery } from '../http';
import type { Notifications } from '../notifications/service';

/**
 * `/api/v1/notification-channels/**` (PRODUCT.md §12): admins manage channels, viewers read them without
 * secrets; an API token acts with its owner's role, and audit entries name it (`actorOf`).
 */
export function notificationChannelRoutes(notifications: Notifications, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  const viewer = guard(config, 'viewer');
  const admin = guard(config, 'admin');
  const session = (c: { get(k: 'session'): { username: string; role: 'admin' | 'viewer' } | null }) => c.get('session')!;

  r.get('/', viewer, async (c) => c.json(await notifications.list(session(c).role)));
  r.post('/', admin, async (c) => {
    const body = await parseBody(c, CreateChannelBody);
    const created = await notifications.create(actorOf(c), body);
    // The webhook secret is in this answer only: no cache may keep it.
    c.header('Cache-Control', 'no-store');
    c.header('Location', api.notificationChannel(created.id));
    return c.json(created, 201);
  });
  r.get('/:id', viewer, async (c) => c.json(await notifications.get(c.req.param('id'), session(c).role)));
  r.patch('/:id', admin, async (c) => {
    const body = await parseBody(c, PatchChannelBody);
    return c.json(await notifications.patch(actorOf(c), c.req.param('id'), body));
  });
  r.delete('/:id', admin, async (c) => {
    await notifications.remove(actorOf(c), c.req.param('id'));
    return c.body(null, 204);
  });
  r.post('/:id/test', admin, async (c) => c.json(await notifications.test(actorOf(c), c.req.param('id'))));
  r.get('/:id/deliveries', viewer, async (c) => {
    const q = parseQuery(c, DeliveriesQuery);
    return c.json(await notifications.deliveries(c.req.param('id'), q.limit ?? 50));
  });
  return r;
}
