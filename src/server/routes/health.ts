import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { HeartbeatBatcher } from '../heartbeats';
import type { AppEnv } from '../http';
import { databaseRetryAfterSeconds, HttpProblem } from '../problem';
import { pingDatabase } from '../store/db';
import { countLiveGroups } from '../store/groups';
import { countInstancesByStatus } from '../store/instances';
import { countUpdatesByState } from '../store/updates';
import type { DutyPasses } from '../sweeper';

/** `/api/v1/healthz` (process up) and `/api/v1/readyz` (database reachable). */
export function healthRoutes(deps: Deps) {
  const r = new Hono<AppEnv>();
  r.get('/healthz', (c) => c.json({ status: 'ok' }));
  r.get('/readyz', async (c) => {
    try {
      await Promise.race([
        pingDatabase(deps.db),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timed out')), 2000).unref()),
      ]);
      return c.json({ status: 'ready', database: deps.db.kind });
    } catch (err) {
      deps.logger.warn('readiness check failed', { err });
      throw new HttpProblem(503, 'Service Unavailable', 'The database is not reachable.', {}, { 'Retry-After': String(databaseRetryAfterSeconds) });
    }
  });
  return r;
}

/** `GET /metrics`: Prometheus text format. */
export function metricsRoute(deps: Deps, batcher: HeartbeatBatcher, duties: DutyPasses, more: () => string[] = () => []) {
  const r = new Hono<AppEnv>();
  r.get('/', async (c) => {
    const byStatus = await countInstancesByStatus(deps.db);
    const byState = await countUpdatesByState(deps.db);
    const groups = await countLiveGroups(deps.db);
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
      `paddock_runner_groups ${groups}`,
      '# HELP paddock_duty_passes_total Passes of each once-across-replicas duty by this process: ran, or skipped while another replica held it.',
      '# TYPE paddock_duty_passes_total counter',
      ...Object.entries(duties).flatMap(([duty, n]) => [
        `paddock_duty_passes_total{duty="${duty}",outcome="ran"} ${n.ran}`,
        `paddock_duty_passes_total{duty="${duty}",outcome="skipped"} ${n.skipped}`,
      ]),
      ...more(),
      '',
    ];
    return c.body(lines.join('\n'), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return r;
}
