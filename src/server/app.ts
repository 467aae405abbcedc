import { compressJson } from './compress';
import { Hono } from 'hono';
import { Accounts } from './accounts';
import { ApiTokens } from './api-tokens';
import type { Clock } from './clock';
import type { ServerConfig } from './config';
import type { Deps } from './deps';
import { EventHub } from './events';
import { HeartbeatBatcher } from './heartbeats';
import { type AppEnv, bodyLimit, hasAllHeaders, problemResponse, rejectMalformedPath, securityHeaders, sessionMiddleware } from './http';
import { InstanceService } from './instances';
import { localAdminRoutes } from './local-admin';
import { Notifications } from './notifications/service';
import type { Logger } from './logger';
import { databaseUnavailable, HttpProblem, notFound } from './problem';
import { auditRoutes } from './routes/audit';
import { eventRoutes } from './routes/events';
import { healthRoutes, metricsRoute } from './routes/health';
import { installRoutes } from './routes/install';
import { notificationChannelRoutes } from './routes/notification-channels';
import { runnerRoutes } from './routes/runner';
import { runnerGroupRoutes } from './routes/runner-groups';
import { openApiRoutes } from './routes/openapi';
import { sessionRoutes } from './routes/session';
import { staticRoutes } from './routes/static';
import { tokenRoutes } from './routes/tokens';
import { RunnerGroups } from './runner-groups';
import { RunnerProtocol } from './runner-protocol';
import type { Store } from './store';
import { isDatabaseUnavailable } from './store/db';
import { Sweeper } from './sweeper';
import { UpdateService } from './updates';

/** The control plane built from its dependencies: HTTP app plus the background work it needs. */
export interface PaddockApp {
  app: Hono<AppEnv>;
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  accounts: Accounts;
  tokens: ApiTokens;
  batcher: HeartbeatBatcher;
  hub: EventHub;
  notifications: Notifications;
  /** LISTENs for events and (unless `timers: false`) starts the 1 s sweeper. */
  start(options?: { timers?: boolean }): Promise<void>;
  /** One sweeper pass (tests call this after moving a fake clock). */
  tick(): Promise<void>;
  /** Tells the sweeper heartbeats could not be taken in for `ms` (tests stand in for a busy server). */
  noteStall(ms: number): void;
  /** Stops timers, writes pending heartbeats, stops listening. */
  stop(): Promise<void>;
}

export function createApp(options: {
  store: Store;
  clock: Clock;
  config: ServerConfig;
  logger: Logger;
  /** Enables `POST /api/v1/local/users` for the users CLI (PGlite on disk only). */
  localSecret?: string;
}): PaddockApp {
  const { store, clock, config, logger } = options;
  const deps: Deps = { db: store.db, clock, config, logger };
  const notifications = new Notifications(deps);
  deps.outbox = notifications;
  const hub = new EventHub(store.db, logger);
  const batcher = new HeartbeatBatcher(store.db);
  const updates = new UpdateService(deps);
  const runners = new RunnerProtocol(deps, batcher, updates);
  const groups = new RunnerGroups(deps, updates);
  const instances = new InstanceService(deps);
  const accounts = new Accounts(deps);
  const tokens = new ApiTokens(deps);
  const sweeper = new Sweeper(deps, batcher, updates, accounts);

  // Every change anywhere (this replica or another) invalidates what the heartbeat path caches.
  hub.subscribe((e) => {
    if (e.kind === 'instance') runners.invalidateInstance(e.entityId);
    if (e.kind === 'update' || e.kind === 'group') updates.invalidate(e.groupId);
    if (e.kind === 'group' && e.op === 'delete') runners.invalidateGroup(e.groupId);
  });
  // Without notifications nothing cached can be trusted: cache nothing until they flow again.
  hub.onConnection((up) => {
    runners.setCaching(up);
    updates.setCaching(up);
  });
  groups.onDeleted = (groupId) => runners.invalidateGroup(groupId);
  instances.onChanged = (ids) => {
    for (const id of ids) runners.invalidateInstance(id);
  };
  sweeper.onDisconnected = (rows) => {
    for (const r of rows) runners.invalidateInstance(r.id);
  };
  sweeper.onLost = (rows) => {
    for (const r of rows) runners.invalidateInstance(r.id);
  };

  // While the database cannot be reached every request and every duty pass fails the same way: say
  // so once, and once more when a pass works again, instead of a stack trace a second.
  let away = false;
  const databaseAway = (err: unknown) => {
    if (away) return;
    away = true;
    logger.warn('the database cannot be reached; requests answer 503 and periodic duties wait for it', { err });
  };
  const databaseBack = () => {
    if (!away) return;
    away = false;
    logger.info('the database can be reached again');
  };

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const path = c.req.path;
    if (!hasAllHeaders(c.res)) {
      for (const [k, v] of Object.entries(securityHeaders)) c.res.headers.set(k, v);
      if (path.startsWith('/api/') && !c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
    }
    const fields = { method: c.req.method, path, status: c.res.status, ms: Math.round(performance.now() - started) };
    // A 503 is the database away, said once by databaseAway: not an error line per request.
    if (c.res.status >= 500 && c.res.status !== 503) logger.error('request failed', fields);
    else if (c.res.status === 401 || c.res.status === 410) logger.info('request refused', fields);
    else logger.debug('request', fields);
  });
  app.use('*', rejectMalformedPath);
  app.use('/api/*', bodyLimit());
  app.use('/api/*', compressJson());
  const resolveUser = sessionMiddleware(accounts, config, tokens);
  app.use('/api/v1/*', async (c, next) => {
    const p = c.req.path;
    if (p.startsWith('/api/v1/runner/') || p.startsWith('/api/v1/local/') || p === '/api/v1/healthz' || p === '/api/v1/readyz' || p === '/api/v1/openapi.json') {
      return next();
    }
    return resolveUser(c, next);
  });

  app.route('/api/v1', healthRoutes(deps));
  app.route('/api/v1/session', sessionRoutes(accounts, config));
  app.route('/api/v1/runner-groups', runnerGroupRoutes(groups, updates, instances, config));
  app.route('/api/v1/runner', runnerRoutes(runners));
  app.route('/api/v1/audit-events', auditRoutes(deps, config));
  app.route('/api/v1/events', eventRoutes(deps, hub, accounts, config, tokens));
  app.route('/api/v1/install', installRoutes(config));
  app.route('/api/v1/notification-channels', notificationChannelRoutes(notifications, config));
  app.route('/api/v1/tokens', tokenRoutes(tokens, config));
  app.route('/api/v1/openapi.json', openApiRoutes(config));
  app.route('/metrics', metricsRoute(deps, batcher, sweeper.passes, () => notifications.metricLines()));
  if (options.localSecret) app.route('/api/v1/local', localAdminRoutes(accounts, tokens, options.localSecret));
  app.all('/api/*', () => {
    throw notFound('No such API route.');
  });
  app.route('/', staticRoutes(config.distDir));

  app.notFound(() => problemResponse(notFound('No such route.')));
  app.onError((err) => {
    if (err instanceof HttpProblem) return problemResponse(err);
    if (isDatabaseUnavailable(err)) {
      databaseAway(err);
      return problemResponse(databaseUnavailable());
    }
    logger.error('unhandled error', { err });
    return problemResponse(new HttpProblem(500, 'Internal Server Error', 'Something went wrong on the server; it has been logged.'));
  });

  let timer: NodeJS.Timeout | null = null;
  // After each sweep: the alert rules (their input is what the sweep just wrote), then the
  // dispatcher for retries that came due by time.
  let passing: Promise<void> | null = null;
  const pass = () =>
    (passing ??= (async () => {
      // Only a pass begun while the database was away can say it is back (not one begun before).
      const begunAway = away;
      try {
        await sweeper.tick();
        await notifications.evaluate(clock.now());
        notifications.kick();
        if (begunAway) databaseBack();
      } finally {
        passing = null;
      }
    })());
  return {
    app,
    fetch: (request, env) => app.fetch(request, env as never),
    accounts,
    tokens,
    batcher,
    hub,
    notifications,
    async start(opts = {}) {
      await hub.start();
      await notifications.start();
      if (opts.timers !== false && !timer) {
        let last = performance.now();
        sweeper.timeFlushes = true;
        timer = setInterval(() => {
          // A late timer means the event loop was blocked: heartbeats waited unanswered meanwhile.
          const now = performance.now();
          sweeper.noteStall(now - last - 1000);
          last = now;
          pass().catch((err) => (isDatabaseUnavailable(err) ? databaseAway(err) : logger.error('sweeper pass failed', { err })));
        }, 1000);
        notifications.kick();
      }
    },
    tick: pass,
    noteStall: (ms: number) => sweeper.noteStall(ms),
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await notifications.stop();
      await sweeper.tick().catch(() => {});
      await batcher.flush().catch((err) => logger.error('final heartbeat write failed', { err }));
      accounts.stopWatching();
      await hub.stop();
    },
  };
}
