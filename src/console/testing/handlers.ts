import { delay, HttpResponse, http } from 'msw';
import {
  api,
  AuditQuery,
  CreateGroupBody,
  CreateTokenBody,
  compareVersions,
  InstallPlatform,
  PatchGroupBody,
  SignInBody,
  UpdateRequestBody,
} from '../../contract';
import { audit, db, deriveGroup, newKey } from './db';
import { buildApiToken, buildGroup, buildInstallTemplate, buildTokenSecret, buildUpdate } from './factories';

type FieldError = { field: string; message: string };

/** An msw path pattern from an api path builder (which would encode the ':' of ':id'). */
const route = (build: (id: string) => string, param: string) => decodeURIComponent(build(param));

/** An RFC 9457 answer, as the control plane sends it. */
export function problem(status: number, title: string, extra: { detail?: string; errors?: FieldError[]; [k: string]: unknown } = {}) {
  return HttpResponse.json(
    { type: 'about:blank', title, status, ...extra },
    { status, headers: { 'Content-Type': 'application/problem+json' } },
  );
}

function zodErrors(issues: Array<{ path: PropertyKey[]; message: string }>): FieldError[] {
  return issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message }));
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

/** As the control plane answers a duplicate name. */
const duplicate = (name: string) =>
  problem(409, 'Conflict', { detail: `A runner group named "${name}" already exists (names are compared ignoring case).` });

const needsSession = () => (db.session ? null : problem(401, 'Not signed in'));
const needsAdmin = () => needsSession() ?? (db.session?.role === 'admin' ? null : problem(403, 'Viewers cannot change runners'));

/** Session: sign in, sign out, who am I. */
export const sessionHandlers = [
  http.get(api.session, () => (db.session ? HttpResponse.json(db.session) : problem(401, 'Not signed in'))),
  http.post(api.session, async ({ request }) => {
    const body = SignInBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Invalid request', { errors: zodErrors(body.error.issues) });
    const user = db.users.get(body.data.username);
    if (!user || user.password !== body.data.password) return problem(401, 'Sign in failed');
    db.session = { username: body.data.username, role: user.role };
    return HttpResponse.json(db.session);
  }),
  http.delete(api.session, () => {
    db.session = null;
    return new HttpResponse(null, { status: 204 });
  }),
];

const findGroup = (id: string) => db.groups.get(id);
const nameTaken = (name: string, exceptId?: string) =>
  [...db.groups.values()].some((g) => g.id !== exceptId && g.name.toLowerCase() === name.toLowerCase());

/** Runner groups: list, create, read, rename / set default, delete, rotate key. */
export const runnerGroupHandlers = [
  http.get(api.runnerGroups, () => needsSession() ?? HttpResponse.json([...db.groups.values()].map(deriveGroup))),
  http.post(api.runnerGroups, async ({ request }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const body = CreateGroupBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Bad Request', { detail: 'The request is not valid.', errors: zodErrors(body.error.issues) });
    if (nameTaken(body.data.name)) return duplicate(body.data.name);
    const isDefault = body.data.isDefault === true || db.groups.size === 0;
    if (isDefault) for (const g of db.groups.values()) g.isDefault = false;
    const key = newKey();
    const group = buildGroup({ name: body.data.name, isDefault, keyPrefix: key.slice(0, 8), createdAt: new Date().toISOString() });
    db.groups.set(group.id, group);
    db.instances.set(group.id, []);
    db.updates.set(group.id, []);
    audit('group.created', group);
    return HttpResponse.json(
      { ...deriveGroup(group), registrationKey: key },
      { status: 201, headers: { 'Cache-Control': 'no-store' } },
    );
  }),
  http.get(route(api.runnerGroup, ':id'), ({ params }) => {
    const group = findGroup(String(params.id));
    return needsSession() ?? (group ? HttpResponse.json(deriveGroup(group)) : problem(404, 'No such runner group'));
  }),
  http.patch(route(api.runnerGroup, ':id'), async ({ params, request }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    if (!group) return problem(404, 'No such runner group');
    const body = PatchGroupBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Invalid runner group', { errors: zodErrors(body.error.issues) });
    if (body.data.name !== undefined) {
      if (nameTaken(body.data.name, group.id)) return duplicate(body.data.name);
      audit('group.renamed', group, { from: group.name, to: body.data.name });
      group.name = body.data.name;
    }
    if (body.data.isDefault) {
      for (const g of db.groups.values()) g.isDefault = false;
      group.isDefault = true;
      audit('group.set_default', group);
    }
    group.updatedAt = new Date().toISOString();
    return HttpResponse.json(deriveGroup(group));
  }),
  http.delete(route(api.runnerGroup, ':id'), ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    if (!group) return problem(404, 'No such runner group');
    db.groups.delete(group.id);
    audit('group.deleted', group);
    return new HttpResponse(null, { status: 204 });
  }),
  http.post(route(api.registrationKey, ':id'), ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    if (!group) return problem(404, 'No such runner group');
    const key = newKey();
    group.keyPrefix = key.slice(0, 8);
    audit('group.key_rotated', group);
    return HttpResponse.json(
      { ...deriveGroup(group), registrationKey: key },
      { status: 201, headers: { 'Cache-Control': 'no-store' } },
    );
  }),
];

/** Instances of a group. */
export const instanceHandlers = [
  http.get(route(api.instances, ':id'), ({ params }) => {
    const id = String(params.id);
    return needsSession() ?? (findGroup(id) ? HttpResponse.json(db.instances.get(id) ?? []) : problem(404, 'No such runner group'));
  }),
  http.get(`${api.base}/runner-groups/:id/instances/:instanceId`, ({ params }) => {
    const instance = (db.instances.get(String(params.id)) ?? []).find((i) => i.id === String(params.instanceId));
    return needsSession() ?? (instance ? HttpResponse.json(instance) : problem(404, 'No such instance'));
  }),
  http.post(`${api.base}/runner-groups/:id/instances/:instanceId/stop`, ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    const instance = (db.instances.get(String(params.id)) ?? []).find((i) => i.id === String(params.instanceId));
    if (!group || !instance) return problem(404, 'No such instance');
    if (instance.status !== 'connected') return problem(409, 'Only a connected instance can be stopped');
    instance.stopRequestedAt ??= new Date().toISOString();
    audit('instance.stop_requested', group, { instanceId: instance.id, instanceName: instance.name });
    return HttpResponse.json(instance, { status: 202 });
  }),
  http.delete(`${api.base}/runner-groups/:id/instances/:instanceId`, ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    const list = db.instances.get(String(params.id)) ?? [];
    const instance = list.find((i) => i.id === String(params.instanceId));
    if (!group || !instance) return problem(404, 'No such instance');
    if (instance.status === 'connected') return problem(409, 'A connected instance cannot be forgotten');
    db.instances.set(group.id, list.filter((i) => i !== instance));
    audit('instance.forgotten', group, { instanceId: instance.id, instanceName: instance.name });
    return new HttpResponse(null, { status: 204 });
  }),
  http.delete(route(api.instances, ':id'), ({ params, request }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const group = findGroup(String(params.id));
    if (!group) return problem(404, 'No such runner group');
    if (new URL(request.url).searchParams.get('ended') !== 'true') return problem(400, 'Bad Request', { detail: 'ended=true is required.' });
    const list = db.instances.get(group.id) ?? [];
    const kept = list.filter((i) => i.status !== 'terminated');
    db.instances.set(group.id, kept);
    audit('instance.forgotten_ended', group, { count: list.length - kept.length });
    return HttpResponse.json({ forgotten: list.length - kept.length });
  }),
];

/** Updates: request one (with the 409 rules), list them. */
export const updateHandlers = [
  http.get(route(api.updates, ':id'), ({ params }) => {
    const id = String(params.id);
    return needsSession() ?? (findGroup(id) ? HttpResponse.json(db.updates.get(id) ?? []) : problem(404, 'No such runner group'));
  }),
  http.post(route(api.updates, ':id'), async ({ params, request }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const stored = findGroup(String(params.id));
    if (!stored) return problem(404, 'No such runner group');
    const body = UpdateRequestBody.safeParse((await readJson(request)) ?? {});
    if (!body.success) return problem(400, 'Invalid update request', { errors: zodErrors(body.error.issues) });
    const group = deriveGroup(stored);
    if (group.activeUpdate) return problem(409, 'An update is already running', { activeUpdate: group.activeUpdate });
    const target = body.data.targetVersion ?? db.latestVersion;
    const connected = (db.instances.get(group.id) ?? []).filter((i) => i.status === 'connected');
    if (connected.length === 0) return problem(409, 'No instance is connected');
    const old = connected.filter((i) => compareVersions(i.version, target) !== 0);
    if (old.length === 0) return problem(409, `Every connected instance already runs ${target}`);
    const update = buildUpdate({
      groupId: group.id,
      targetVersion: target,
      fromVersions: [...new Set(old.map((i) => i.version))],
      requestedBy: db.session?.username ?? 'admin',
      requestedAt: new Date().toISOString(),
      deadlineAt: new Date(Date.now() + group.updateDeadlineSeconds * 1000).toISOString(),
      // Like the server: every connected instance, those already on the target counted as updated.
      instances: connected.map((i) => ({ instanceId: i.id, name: i.name, version: i.version, state: old.includes(i) ? ('pending' as const) : ('updated' as const) })),
    });
    db.updates.set(group.id, [update, ...(db.updates.get(group.id) ?? [])]);
    audit('update.requested', group, { targetVersion: target });
    return HttpResponse.json(update, { status: 202 });
  }),
];

/** The audit log, newest first, paged by cursor. */
export const auditHandlers = [
  http.get(api.auditEvents, ({ request }) => {
    const denied = needsSession();
    if (denied) return denied;
    const url = new URL(request.url);
    const query = AuditQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return problem(400, 'Invalid query', { errors: zodErrors(query.error.issues) });
    const { groupId, actor, cursor, limit = 50 } = query.data;
    // As the server: the user matches ignoring case.
    const all = db.audit.filter((e) => (!groupId || e.groupId === groupId) && (!actor || e.actor.toLowerCase() === actor.toLowerCase()));
    const start = cursor ? Number(cursor) : 0;
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : null;
    return HttpResponse.json({ items, nextCursor: next });
  }),
  // The groups the log names: current name, or the last one a deleted group had.
  http.get(api.auditGroups, () => {
    const denied = needsSession();
    if (denied) return denied;
    const seen = new Map<string, { id: string; name: string; deleted: boolean }>();
    for (const e of db.audit) {
      if (!e.groupId || seen.has(e.groupId)) continue;
      const current = db.groups.get(e.groupId);
      seen.set(e.groupId, { id: e.groupId, name: current?.name ?? e.groupName ?? e.groupId, deleted: !current });
    }
    const groups = [...seen.values()].sort((a, b) => Number(a.deleted) - Number(b.deleted) || a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    return HttpResponse.json(groups);
  }),
];

/** Install templates (never with the key). */
export const installHandlers = [
  // api.install() encodes its argument, which would turn ':platform' into '%3Aplatform'.
  http.get(`${api.base}/install/:platform`, ({ params }) => {
    const platform = InstallPlatform.safeParse(params.platform);
    if (!platform.success) return problem(404, 'Unknown platform');
    return needsSession() ?? HttpResponse.json(buildInstallTemplate(platform.data));
  }),
];

/** API tokens: the signed-in user's (an admin's list holds everyone's), created with their secret once, revoked. */
export const tokenHandlers = [
  http.get(api.tokens, () => {
    const denied = needsSession();
    if (denied) return denied;
    const mine = db.session?.role === 'admin' ? db.tokens : db.tokens.filter((t) => t.owner === db.session?.username);
    return HttpResponse.json(mine);
  }),
  http.post(api.tokens, async ({ request }) => {
    const denied = needsSession();
    if (denied) return denied;
    const body = CreateTokenBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Bad Request', { detail: 'The request is not valid.', errors: zodErrors(body.error.issues) });
    const owner = db.session!.username;
    if (db.tokens.some((t) => t.owner === owner && t.name.toLowerCase() === body.data.name.toLowerCase())) {
      return problem(409, 'Conflict', { detail: `${owner} already has an API token named "${body.data.name}" (names are compared ignoring case).` });
    }
    const secret = buildTokenSecret();
    db.issuedSecrets.push(secret);
    const token = buildApiToken({
      name: body.data.name,
      scope: body.data.scope,
      owner,
      prefix: secret.slice(0, 8),
      createdAt: new Date().toISOString(),
      expiresAt: body.data.expiresAt ?? null,
    });
    db.tokens.unshift(token);
    return HttpResponse.json({ token, secret }, { status: 201, headers: { 'Cache-Control': 'no-store' } });
  }),
  http.delete(route(api.token, ':id'), ({ params }) => {
    const denied = needsSession();
    if (denied) return denied;
    const token = db.tokens.find((t) => t.id === params.id);
    if (!token || (db.session?.role !== 'admin' && token.owner !== db.session?.username)) return problem(404, 'Not Found', { detail: 'No API token with this id.' });
    db.tokens = db.tokens.filter((t) => t !== token);
    return new HttpResponse(null, { status: 204 });
  }),
];

/** The event stream: in tests and mock mode there is nothing live, so it answers 204 (no stream). */
export const eventHandlers = [http.get(api.events, () => new HttpResponse(null, { status: 204 }))];

export const handlers = [
  ...sessionHandlers,
  ...runnerGroupHandlers,
  ...instanceHandlers,
  ...updateHandlers,
  ...auditHandlers,
  ...installHandlers,
  ...tokenHandlers,
  ...eventHandlers,
];

/** Slows every answer a little in mock mode, so loading states are visible while working on the UI. */
export const withLatency = (ms: number) => http.all('/api/*', async () => {
  await delay(ms);
});
