import { type Context, Hono } from 'hono';
import { api, CreateGroupBody, ForgetEndedQuery, PatchGroupBody, StopInstanceBody, UpdateRequestBody } from '../../contract';
import { type Encoding, encode, pickEncoding } from '../compress';
import type { ServerConfig } from '../config';
import { Gate } from '../gate';
import { type AppEnv, actorOf, guard, parseBody, parseQuery } from '../http';
import type { InstanceService } from '../instances';
import { nextLink, pageRequest } from '../paging';
import { badRequest, conflict } from '../problem';
import type { RunnerGroups } from '../runner-groups';
import type { InstanceCursor } from '../store/instances';
import type { RecordedAnswer, UpdateRequestResult, UpdateService } from '../updates';

/** `POST …/updates` in HTTP terms (PRODUCT.md §5): 202 with the update, or 409 saying why not. */
function updateAnswer(result: UpdateRequestResult): RecordedAnswer {
  switch (result.kind) {
    case 'accepted':
      return { status: 202, body: result.update };
    case 'already_running':
      return {
        status: 409,
        body: conflict(
          `An update of ${result.groupName ?? 'this group'} is already running.`,
          result.active ? { activeUpdate: result.active } : {},
        ).toJSON(),
      };
    case 'no_connected':
      return { status: 409, body: conflict(`${result.groupName} has no connected instance to update.`).toJSON() };
    case 'all_on_target':
      return { status: 409, body: conflict(`Every connected instance of ${result.groupName} already runs ${result.target}.`).toJSON() };
  }
}

/** A cursor of the instances list, as instanceCursor wrote it; null when it is not one. */
function instanceCursorFrom(raw: unknown): InstanceCursor | null {
  const c = raw as Partial<InstanceCursor> | null;
  if (typeof c !== 'object' || c === null) return null;
  if (!(c.rank === 0 || c.rank === 1 || c.rank === 2)) return null;
  if (typeof c.startedAt !== 'string' || Number.isNaN(Date.parse(c.startedAt))) return null;
  if (typeof c.id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(c.id)) return null;
  return { rank: c.rank, startedAt: c.startedAt, id: c.id };
}

/** A Buffer as the plain Uint8Array a body takes, without copying it. */
const bytes = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);

/** `/api/v1/runner-groups/**`: groups, their instances, keys and updates. */
export function runnerGroupRoutes(groups: RunnerGroups, updates: UpdateService, instances: InstanceService, config: ServerConfig) {
  const r = new Hono<AppEnv>();
  const viewer = guard(config, 'viewer');
  const admin = guard(config, 'admin');
  const actor = actorOf;
  // The lists, read and written out one at a time and at most half the server's time (see Gate).
  const lists = new Gate(1, 0.5);
  // Readers of one page (by the same question) waiting together share one read, its JSON text, and
  // that text compressed: eight readers of a 20,000-instance list cost one read and one compression.
  const readList = (question: unknown[], read: () => Promise<{ items: unknown[]; next: string | null }>) =>
    lists.runShared(JSON.stringify(question), async () => {
      const { items, next } = await read();
      return { json: Buffer.from(JSON.stringify(items)), next, encoded: new Map<Encoding, Promise<Buffer>>() };
    });
  const answerList = async (c: Context<AppEnv>, limit: number | null, list: Awaited<ReturnType<typeof readList>>) => {
    if (list.next) c.header('Link', nextLink(c.req.path, limit!, list.next));
    c.header('Content-Type', 'application/json');
    const encoding = pickEncoding(c.req.header('Accept-Encoding'));
    if (encoding) {
      if (!list.encoded.has(encoding)) list.encoded.set(encoding, encode(list.json, encoding));
      const body = await list.encoded.get(encoding)!;
      if (body !== list.json) {
        c.header('Content-Encoding', encoding);
        c.header('Vary', 'Accept-Encoding');
        return c.body(bytes(body));
      }
    }
    return c.body(bytes(list.json));
  };

  r.get('/', viewer, async (c) => {
    const page = pageRequest(c.req.query.bind(c.req), (raw) => (typeof raw === 'string' && raw.length <= 256 ? raw : null));
    return answerList(c, page.limit, await readList(['groups', page.limit, page.after], () => groups.list(page)));
  });
  r.post('/', admin, async (c) => {
    const body = await parseBody(c, CreateGroupBody);
    const created = await groups.create(actor(c), body);
    c.header('Cache-Control', 'no-store');
    c.header('Location', api.runnerGroup(created.id));
    return c.json(created, 201);
  });
  r.get('/:id', viewer, async (c) => c.json(await groups.get(c.req.param('id'))));
  r.patch('/:id', admin, async (c) => {
    const body = await parseBody(c, PatchGroupBody);
    return c.json(await groups.patch(actor(c), c.req.param('id'), body));
  });
  r.delete('/:id', admin, async (c) => {
    await groups.remove(actor(c), c.req.param('id'));
    return c.body(null, 204);
  });
  r.post('/:id/registration-key', admin, async (c) => {
    const rotated = await groups.rotateKey(actor(c), c.req.param('id'));
    c.header('Cache-Control', 'no-store');
    return c.json(rotated, 201);
  });
  r.get('/:id/instances', viewer, async (c) => {
    const page = pageRequest(c.req.query.bind(c.req), instanceCursorFrom);
    const id = c.req.param('id');
    return answerList(c, page.limit, await readList(['instances', id, page.limit, page.after], () => groups.instances(id, page)));
  });
  // Forgetting every ended instance must be asked for by name (?ended=true): a bare DELETE of the
  // collection is refused (400) rather than read as "forget everything".
  r.delete('/:id/instances', admin, async (c) => {
    parseQuery(c, ForgetEndedQuery);
    return c.json(await instances.forgetEnded(actor(c), c.req.param('id')));
  });
  r.get('/:id/instances/:instanceId', viewer, async (c) => c.json(await instances.get(c.req.param('id'), c.req.param('instanceId'))));
  r.delete('/:id/instances/:instanceId', admin, async (c) => {
    await instances.forget(actor(c), c.req.param('id'), c.req.param('instanceId'));
    return c.body(null, 204);
  });
  r.post('/:id/instances/:instanceId/stop', admin, async (c) => {
    await parseBody(c, StopInstanceBody, { allowEmpty: true });
    return c.json(await instances.stop(actor(c), c.req.param('id'), c.req.param('instanceId')), 202);
  });
  r.get('/:id/updates', viewer, async (c) => c.json(await updates.list(c.req.param('id'))));
  r.post('/:id/updates', admin, async (c) => {
    const key = c.req.header('Idempotency-Key');
    if (key !== undefined && (key.length === 0 || key.length > 128)) {
      throw badRequest([{ field: 'Idempotency-Key', message: 'must be 1–128 characters' }]);
    }
    const body = await parseBody(c, UpdateRequestBody, { allowEmpty: true });
    const result = await updates.request(actor(c), c.req.param('id'), body.targetVersion, key === undefined ? undefined : { key, answer: updateAnswer });
    const answer = result.kind === 'replayed' ? result.answer : updateAnswer(result);
    if (answer.status >= 400) {
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
      });
    }
    return c.json(answer.body as object, answer.status as 202);
  });
  return r;
}
