import { Hono } from 'hono';
import { AuditGroupsQuery, AuditQuery } from '../../contract';
import type { ServerConfig } from '../config';
import type { Deps } from '../deps';
import { type AppEnv, guard, parseQuery } from '../http';
import { badRequest } from '../problem';
import { listAudit, listAuditGroups } from '../store/audit';

/**
 * `GET /api/v1/audit-events`: the audit log, newest first, paged by cursor; `GET …/groups`: the
 * groups it names, deleted ones included (for the group filter).
 */
export function auditRoutes(deps: Deps, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  r.get('/', guard(config, 'viewer'), async (c) => {
    const q = parseQuery(c, AuditQuery);
    if (q.cursor !== undefined && !/^\d{1,18}$/.test(q.cursor)) throw badRequest([{ field: 'cursor', message: 'is not a cursor from this log' }]);
    return c.json(
      await listAudit(deps.db, {
        groupId: q.groupId,
        group: q.group,
        actor: q.actor ?? q.user,
        cursor: q.cursor,
        limit: q.limit ?? 50,
      }),
    );
  });
  r.get('/groups', guard(config, 'viewer'), async (c) => {
    parseQuery(c, AuditGroupsQuery);
    return c.json(await listAuditGroups(deps.db));
  });
  return r;
}
