import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { HeartbeatBatcher } from '../heartbeats';
import type { AppEnv } from '../http';
import { HttpProblem } from '../problem';

/** `/api/v1/healthz` (process up) and `/api/v1/readyz` (database reachable). */
export function healthRoutes(deps: Deps) {
  const r = new Hono<AppEnv>();
  r.get('/healthz', (c) => c.json({ status: 'ok' }));
  r.get('/readyz', async (c) => {
    try {
      await Promise.race([
        deps.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timed out')), 2000).unref()),
      ]);
      return c.json({ status: 'ready', database: deps.db.kind });
    } catch (err) {
      deps.logger.warn('readiness check failed', { err });
      throw new HttpProblem(503, 'Service Unavailable', 'The database is not reachable.');
    }
  });
  return r;
}

/** `GET /metrics`: Prometheus text format. */
export function metricsRoute(deps: Deps, batcher: HeartbeatBatcher) {
  const r = new Hono<AppEnv>();
  r.get('/', async (c) => {
    const instances = await deps.db.query<{ status: string; n: number }>(
      `SELECT i.status, count(*)::int AS n FROM instances i JOIN runner_groups g ON g.id = i.group_id
       WHERE g.deleted_at IS NULL GROUP BY i.status`,
    );
    const updates = await deps.db.query<{ state: string; n: number }>(
      `SELECT u.state, count(*)::int AS n FROM updates u JOIN runner_groups g ON g.id = u.group_id
       WHERE g.deleted_at IS NULL GROUP BY u.state`,
    );
    const [groups] = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM runner_groups WHERE deleted_at IS NULL');
    const byStatus = new Map(instances.map((r) => [r.status, r.n]));
    const byState = new Map(updates.map((r) => [r.state, r.n]));
    const lines = [
      '# HELP paddock_instances Runner instances by status.',
      '# TYPE paddock_instances gauge',
      ...['connected', 'disconnected', 'terminated'].map((s) => `paddock_instances{status="${s}"} ${byStatus.get(s) ?? 0}`),
      '# HELP paddock_heartbeats_received_total Heartbeats received by this process.',
      '# TYPE paddock_heartbeats_received_total counter',
      `paddock_heartbeats_received_total ${batcher.received}`,
      '# HELP paddock_updates Group updates by state.',
      '# TYPE paddock_updates gauge',
      ...['in_progress', 'succeeded', 'rolled_back'].map((s) => `paddock_updates{state="${s}"} ${byState.get(s) ?? 0}`),
      '# HELP paddock_runner_groups Runner groups.',
      '# TYPE paddock_runner_groups gauge',
      `paddock_runner_groups ${groups?.n ?? 0}`,
      '',
    ];
    return c.body(lines.join('\n'), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return r;
}
