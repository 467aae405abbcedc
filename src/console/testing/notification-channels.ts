import { HttpResponse, http } from 'msw';
import { api } from '../../contract';
import { CreateChannelBody, type DeliveryAttempt, defaultCauses, type NotificationChannel, notificationEventTypes, PatchChannelBody } from '../../contract/notifications';
import { db } from './db';
import { ago } from './factories';
import { problem } from './handlers';

/** A channel as the control plane answers it. */
export function buildChannel(over: Partial<NotificationChannel> = {}): NotificationChannel {
  return {
    id: `ch_${Math.random().toString(36).slice(2, 10)}`,
    name: 'Ops webhook',
    type: 'webhook',
    url: 'https://ops.example.com/hooks/paddock',
    to: null,
    events: [...notificationEventTypes],
    groupIds: null,
    causes: defaultCauses(),
    enabled: true,
    disabledReason: null,
    createdAt: ago(3600),
    updatedAt: ago(3600),
    lastDelivery: null,
    ...over,
  };
}

export function buildAttempt(over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    id: String(Math.floor(Math.random() * 1e6)),
    at: ago(60),
    eventType: 'group.down',
    eventId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    attempt: 1,
    status: 'delivered',
    responseStatus: 200,
    latencyMs: 84,
    error: null,
    nextAttemptAt: null,
    ...over,
  };
}

/** Seeds a channel with its log (newest first); its last delivery is the log's first entry. */
export function seedChannel(over: Partial<NotificationChannel> = {}, log: DeliveryAttempt[] = []): NotificationChannel {
  const channel = buildChannel({ ...over, lastDelivery: log[0] ?? null });
  db.channels.push(channel);
  db.deliveries.set(channel.id, log);
  return channel;
}

/** A healthy channel (last delivery 200) and a failing one (500s, retrying). */
export function healthyAndFailingChannels() {
  const healthy = seedChannel({ name: 'Ops webhook' }, [buildAttempt({ eventType: 'instance.ended', latencyMs: 112 })]);
  const failing = seedChannel({ name: 'Team Slack', type: 'slack', url: 'https://hooks.slack.com/services/T0001/B0002/••••wxyz', events: ['group.down', 'group.recovered'] }, [
    buildAttempt({ attempt: 2, status: 'failed', responseStatus: 500, error: 'HTTP 500', latencyMs: 230, at: ago(20), nextAttemptAt: ago(-10) }),
    buildAttempt({ attempt: 1, status: 'failed', responseStatus: 500, error: 'HTTP 500', latencyMs: 198, at: ago(30), nextAttemptAt: ago(20) }),
  ]);
  return { healthy, failing };
}

const needsSession = () => (db.session ? null : problem(401, 'Not signed in'));
const needsAdmin = () => needsSession() ?? (db.session?.role === 'admin' ? null : problem(403, 'Forbidden', { detail: 'This needs the admin role.' }));
const find = (id: string) => db.channels.find((c) => c.id === id);
const route = (build: (id: string) => string) => decodeURIComponent(build(':id'));

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

const fieldErrors = (issues: Array<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message }));

/** Notification channels, as the control plane answers them (validation from the contract). */
export const notificationChannelHandlers = [
  http.get(api.notificationChannels, () => needsSession() ?? HttpResponse.json(db.channels)),
  http.post(api.notificationChannels, async ({ request }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const body = CreateChannelBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Bad Request', { detail: 'The request is not valid.', errors: fieldErrors(body.error.issues) });
    if (db.channels.some((c) => c.name.toLowerCase() === body.data.name.toLowerCase())) {
      return problem(409, 'Conflict', { detail: `A notification channel named "${body.data.name}" already exists (names are compared ignoring case).` });
    }
    const b = body.data;
    const channel = buildChannel({
      name: b.name,
      type: b.type,
      url: b.type === 'email' ? null : b.url,
      to: b.type === 'email' ? b.to : null,
      events: b.events ?? [...notificationEventTypes],
      groupIds: b.groupIds ?? null,
      causes: b.causes ?? defaultCauses(),
      enabled: b.enabled ?? true,
      createdAt: new Date().toISOString(),
    });
    db.channels.push(channel);
    db.deliveries.set(channel.id, []);
    if (b.type !== 'webhook') return HttpResponse.json(channel, { status: 201, headers: { 'Cache-Control': 'no-store' } });
    const secret = `whsec_${btoa(String(Math.random())).replace(/=/g, '')}MockSecretForTests=`;
    db.issuedSecrets.push(secret);
    return HttpResponse.json({ ...channel, secret }, { status: 201, headers: { 'Cache-Control': 'no-store' } });
  }),
  http.patch(route(api.notificationChannel), async ({ request, params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const c = find(String(params.id));
    if (!c) return problem(404, 'Not Found');
    const body = PatchChannelBody.safeParse(await readJson(request));
    if (!body.success) return problem(400, 'Bad Request', { errors: fieldErrors(body.error.issues) });
    Object.assign(c, { ...body.data, to: body.data.to ?? c.to, url: body.data.url ?? c.url, updatedAt: new Date().toISOString() });
    if (body.data.enabled) c.disabledReason = null;
    return HttpResponse.json(c);
  }),
  http.delete(route(api.notificationChannel), ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    db.channels = db.channels.filter((c) => c.id !== params.id);
    return new HttpResponse(null, { status: 204 });
  }),
  http.post(route(api.notificationChannelTest), ({ params }) => {
    const denied = needsAdmin();
    if (denied) return denied;
    const c = find(String(params.id));
    if (!c) return problem(404, 'Not Found');
    const attempt = buildAttempt({ at: new Date().toISOString(), eventType: 'test', latencyMs: 42, responseStatus: c.type === 'email' ? 250 : 200 });
    db.deliveries.set(c.id, [attempt, ...(db.deliveries.get(c.id) ?? [])]);
    c.lastDelivery = attempt;
    return HttpResponse.json(attempt);
  }),
  http.get(route(api.notificationDeliveries), ({ params }) => {
    const denied = needsSession();
    if (denied) return denied;
    const c = find(String(params.id));
    if (!c) return problem(404, 'Not Found');
    return HttpResponse.json(db.deliveries.get(c.id) ?? []);
  }),
];
