import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Accounts } from '../accounts';
import type { ApiTokens } from '../api-tokens';
import type { ServerConfig } from '../config';
import type { Deps } from '../deps';
import type { EventHub } from '../events';
import { type AppEnv, guard } from '../http';
import { eventsAfter, type StoredEvent } from '../store/events';

/** How often an idle stream gets a comment so proxies keep it open. */
export const keepAliveMs = 15_000;

/**
 * `GET /api/v1/events`: Server-Sent Events of group, instance and update changes, resumable. A stream
 * opened with an API token ends when the token is revoked (at once on this replica; on another, or
 * when it expires, by the next keep-alive), so a revoked token keeps no view of the fleet; a stream
 * opened with a session ends with it (PRODUCT.md §8).
 */
export function eventRoutes(deps: Deps, hub: EventHub, accounts: Accounts, config: ServerConfig, tokens: ApiTokens) {
  const r = new Hono<AppEnv>();
  r.get('/', guard(config, 'viewer'), (c) => {
    const lastHeader = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId');
    const lastId = lastHeader && /^\d{1,18}$/.test(lastHeader) ? BigInt(lastHeader) : null;
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      // `resync`: notifications were lost (the database was away); the console refetches everything.
      const queue: Array<StoredEvent | 'resync'> = [];
      let wake: (() => void) | null = null;
      let closed = false;
      const unsubscribe = hub.subscribe((e) => {
        queue.push(e);
        wake?.();
      });
      const unwatchConnection = hub.onConnection((up) => {
        if (!up) return;
        queue.push('resync');
        wake?.();
      });
      const end = () => {
        closed = true;
        wake?.();
      };
      stream.onAbort(end);
      const forget = hub.onShutdown(end);
      // The stream lives no longer than the session that opened it (PRODUCT.md §8).
      const sessionId = c.get('sessionId');
      const unwatchSession = sessionId ? accounts.watchSession(sessionId, end) : () => {};
      const token = c.get('token');
      const forgetToken = token ? tokens.onRevoked(token.id, end) : () => {};
      // A failed check ends the stream too: the client reconnects, and is asked for a live credential again.
      const tokenGone = async () => (token ? !(await tokens.isLive(token.id).catch(() => false)) : false);
      const send = (e: StoredEvent) =>
        stream.writeSSE({
          event: e.kind,
          id: e.id,
          data: JSON.stringify({ kind: e.kind, op: e.op, groupId: e.groupId, entityId: e.entityId }),
        });
      try {
        await stream.write(': connected\n\n');
        let replayedUpTo = -1n;
        if (lastId !== null) {
          let after = lastId;
          for (;;) {
            const batch = await eventsAfter(deps.db, after.toString(), 1000);
            for (const e of batch) await send(e);
            if (batch.length > 0) after = BigInt(batch[batch.length - 1]!.id);
            if (batch.length < 1000) break;
          }
          replayedUpTo = after;
        }
        while (!closed) {
          while (queue.length > 0 && !closed) {
            const e = queue.shift()!;
            if (e === 'resync') await stream.writeSSE({ event: 'resync', data: '{}' });
            else if (BigInt(e.id) > replayedUpTo) await send(e);
          }
          if (closed) break;
          const timedOut = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(true), keepAliveMs);
            wake = () => {
              clearTimeout(t);
              resolve(false);
            };
          });
          wake = null;
          if (timedOut && !closed) {
            if (await tokenGone()) break;
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unsubscribe();
        unwatchConnection();
        unwatchSession();
        forget();
        forgetToken();
      }
    });
  });
  return r;
}
