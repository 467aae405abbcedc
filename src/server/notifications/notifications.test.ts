import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { api, type ChannelWithSecret, type CreatedToken, type DeliveryAttempt, type NotificationChannel } from '../../contract';
import type { Backend } from '../testing/db';
import { createGroup, type Harness, heartbeat, register, runnerEvent, setUpSignedInHarness } from '../testing/harness';
import { type Receiver, startReceiver, startSmtp } from '../testing/receivers';

const backends: Backend[] = ['pglite', 'postgres'];

describe.each(backends)('notifications on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.stop();
  });
  const receiver = async (o: Parameters<typeof startReceiver>[0] = {}) => {
    const r = await startReceiver(o);
    receivers.push(r);
    return r;
  };

  /** The harness clock at the real time, so a receiver can check the signature's timestamp. */
  const realTime = async () => {
    t.h.clock.set(new Date());
    t.h.cookie = await t.h.signIn();
  };

  async function createChannel(h: Harness, body: Record<string, unknown>) {
    const res = await h.call('POST', api.notificationChannels, { body });
    if (res.status !== 201) throw new Error(`create channel: ${res.status} ${await res.text()}`);
    return (await res.json()) as ChannelWithSecret;
  }
  async function deliveries(h: Harness, id: string): Promise<DeliveryAttempt[]> {
    return (await h.call('GET', api.notificationDeliveries(id))).json();
  }
  /** One sweeper pass, alert rules and dispatch, then waits for the sends it started. */
  async function pass(h: Harness) {
    await h.paddock.tick();
    await h.paddock.notifications.idle();
  }
  /** A group with one connected runner. */
  async function groupWithRunner(h: Harness, name = 'Prod EU') {
    const g = await createGroup(h, name);
    const r = await register(h, g.key, { name: `${name.toLowerCase().replace(/ /g, '-')}-1` });
    expect((await heartbeat(h, r.instanceToken)).status).toBe(200);
    return { ...g, runner: r };
  }

  it('creates a webhook channel with its secret shown once, then never again, and audits every change', async () => {
    const { h } = t;
    const res = await h.call('POST', api.notificationChannels, { body: { name: 'Ops hook', type: 'webhook', url: 'https://ops.example.com/hooks/p?token=abc' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const created = (await res.json()) as ChannelWithSecret;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ type: 'webhook', enabled: true, groupIds: null, lastDelivery: null });
    expect(created.events).toEqual(['group.down', 'group.degraded', 'group.recovered', 'update.succeeded', 'update.rolled_back', 'instance.ended']);
    expect(created.causes).toEqual(['oom_killed', 'killed', 'crash', 'lost', 'evicted', 'deadline_exceeded', 'preempted']);

    const list = await (await h.call('GET', api.notificationChannels)).text();
    const one = await (await h.call('GET', api.notificationChannel(created.id))).text();
    for (const text of [list, one]) {
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain('whsec_');
    }
    expect(JSON.parse(one).url).toBe('https://ops.example.com/hooks/p?token=abc');

    await h.paddock.accounts.addUser('vic', 'viewer', 'viewer-password');
    const viewer = await h.signIn('vic', 'viewer-password');
    const seen = (await (await h.call('GET', api.notificationChannel(created.id), { cookie: viewer })).json()) as NotificationChannel;
    expect(seen.url).toBe('https://ops.example.com/hooks/p?token=••••');
    for (const [method, path, body] of [
      ['POST', api.notificationChannels, { name: 'x', type: 'slack', url: 'https://hooks.slack.com/services/a/b/c' }],
      ['PATCH', api.notificationChannel(created.id), { enabled: false }],
      ['DELETE', api.notificationChannel(created.id)],
      ['POST', api.notificationChannelTest(created.id)],
    ] as const) {
      expect((await h.call(method, path, { cookie: viewer, body })).status, `${method} ${path}`).toBe(403);
    }
    h.cookie = await h.signIn();

    const patched = await h.call('PATCH', api.notificationChannel(created.id), { body: { events: ['group.down'], enabled: false } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ events: ['group.down'], enabled: false });
    expect((await h.call('DELETE', api.notificationChannel(created.id))).status).toBe(204);
    expect((await h.call('GET', api.notificationChannel(created.id))).status).toBe(404);

    const auditRes = await h.call('GET', `${api.auditEvents}?limit=50`);
    const auditText = await auditRes.text();
    expect(auditText).not.toContain(created.secret);
    const actions = (JSON.parse(auditText).items as Array<{ action: string; actor: string }>).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(
      expect.arrayContaining(['admin notification_channel.created', 'admin notification_channel.updated', 'admin notification_channel.deleted']),
    );

    // With an API token (PRODUCT.md §13): a write token manages channels and the audit names it; a read token reads only.
    const token = async (name: string, scope: 'read' | 'write') =>
      ((await (await h.call('POST', api.tokens, { body: { name, scope } })).json()) as CreatedToken).secret;
    const [write, read] = [await token('ci', 'write'), await token('dash', 'read')];
    const viaToken = await h.call('POST', api.notificationChannels, { cookie: null, bearer: write, body: { name: 'From CI', type: 'slack', url: 'https://hooks.example.com/x' } });
    expect(viaToken.status).toBe(201);
    expect((await h.call('GET', api.notificationChannels, { cookie: null, bearer: read })).status).toBe(200);
    expect((await h.call('DELETE', api.notificationChannel(((await viaToken.json()) as NotificationChannel).id), { cookie: null, bearer: read })).status).toBe(403);
    const audit = (await (await h.call('GET', `${api.auditEvents}?limit=5`)).json()).items as Array<{ action: string; actor: string }>;
    expect(audit.find((e) => e.action === 'notification_channel.created')?.actor).toBe('admin (token ci)');
  });

  it('answers every bad input with a 400 problem naming the field, and changes nothing', async () => {
    const { h } = t;
    const g = await createGroup(h, 'Known');
    const bad: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ name: 'a', type: 'webhook', url: 'not a url' }, 'url', /valid URL/],
      [{ name: 'a', type: 'webhook', url: 'ftp://example.com/x' }, 'url', /http/],
      [{ name: 'a', type: 'webhook', url: 'https://user:pass@example.com/x' }, 'url', /user name or password/],
      [{ name: 'a', type: 'slack', url: 'https://:token@hooks.slack.com/x' }, 'url', /user name or password/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', events: ['group.exploded'] }, 'events.0', /one of/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', events: [] }, 'events', /at least one/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', causes: ['bored'] }, 'causes.0', /one of/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', groupIds: ['00000000-0000-4000-8000-000000000000'] }, 'groupIds.0', /runner group/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', groupIds: [g.id, 'nope'] }, 'groupIds.1', /runner group/],
      [{ name: 'a', type: 'pager', url: 'https://example.com/x' }, 'type', /webhook, slack, email/],
      [{ name: '', type: 'webhook', url: 'https://example.com/x' }, 'name', /empty/],
      [{ name: 'a', type: 'email', to: ['ops@example.com'] }, 'type', /PADDOCK_SMTP_URL/],
      [{ name: 'a', type: 'email', to: ['not-an-address'] }, 'to.0', /e-mail address/],
      [{ name: 'a', type: 'webhook', url: 'https://example.com/x', secret: 'whsec_mine' }, 'secret', /not a known field/],
    ];
    for (const [body, field, message] of bad) {
      const res = await h.call('POST', api.notificationChannels, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const p = (await res.json()) as { errors: Array<{ field: string; message: string }> };
      expect(p.errors, JSON.stringify(body)).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
    }
    expect(await (await h.call('GET', api.notificationChannels)).json()).toEqual([]);

    const ch = await createChannel(h, { name: 'Hook', type: 'webhook', url: 'https://example.com/x' });
    expect((await h.call('POST', api.notificationChannels, { body: { name: 'HOOK', type: 'slack', url: 'https://example.com/y' } })).status).toBe(409);
    for (const [body, status] of [
      [{ to: ['ops@example.com'] }, 400],
      [{}, 400],
      [{ url: 'https://u:p@example.com' }, 400],
      [{ type: 'slack' }, 400],
    ] as const) {
      const res = await h.call('PATCH', api.notificationChannel(ch.id), { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.call('PATCH', api.notificationChannel('not-an-id'), { body: { enabled: false } })).status).toBe(404);
    expect((await h.call('GET', `${api.notificationDeliveries(ch.id)}?limit=0`)).status).toBe(400);
    const after = (await (await h.call('GET', api.notificationChannel(ch.id))).json()) as NotificationChannel;
    expect(after).toMatchObject({ name: 'Hook', url: 'https://example.com/x', enabled: true });
  });

  it('signs each webhook per Standard Webhooks, with how the runner ended and the console address of its group', async () => {
    const { h } = t;
    await realTime();
    const r = await receiver();
    const ch = await createChannel(h, { name: 'Hook', type: 'webhook', url: r.url });
    const g = await groupWithRunner(h);
    expect((await runnerEvent(h, g.runner.instanceToken, { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' })).status).toBe(202);
    await h.paddock.notifications.idle();
    await pass(h);
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    const id = String(got.headers['webhook-id']);
    const ts = String(got.headers['webhook-timestamp']);
    // The spec by hand: v1,base64(HMAC-SHA256(key, "id.timestamp.body")), key = base64 after whsec_.
    const key = Buffer.from(ch.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${got.body}`).digest('base64');
    expect(String(got.headers['webhook-signature'])).toBe(`v1,${expected}`);
    // …and the reference library's verify agrees (timestamp within its tolerance).
    const payload = new Webhook(ch.secret).verify(got.body, got.headers as Record<string, string>) as Record<string, unknown>;
    expect(() => new Webhook(ch.secret).verify(`${got.body} `, got.headers as Record<string, string>)).toThrow();
    expect(payload).toMatchObject({
      type: 'instance.ended',
      id,
      data: {
        group: { id: g.id, name: 'Prod EU', health: 'down', connectedCount: 0, instanceCount: 0 },
        instance: { id: g.runner.instanceId, name: 'prod-eu-1', termination: { exitCode: 137, reason: 'OOMKilled', cause: 'oom_killed' } },
        url: `${h.config.publicUrl || 'http://127.0.0.1:8080'}/runners/${g.id}`,
      },
    });
    const [attempt] = await deliveries(h, ch.id);
    expect(attempt).toMatchObject({ eventType: 'instance.ended', eventId: id, attempt: 1, status: 'delivered', responseStatus: 200, error: null });
    // Completed, SIGTERM and replaced ends are quiet by default.
    const r2 = await register(h, g.key, { name: 'prod-eu-2' });
    await runnerEvent(h, r2.instanceToken, { type: 'goodbye', signal: 15 });
    await pass(h);
    expect(r.received).toHaveLength(1);
  });

  it('retries while the receiver is down, and delivers once when it is up again', async () => {
    const { h } = t;
    const r = await receiver({ listen: false });
    const ch = await createChannel(h, { name: 'Down then up', type: 'webhook', url: r.url, events: ['instance.ended'] });
    const g = await groupWithRunner(h);
    await runnerEvent(h, g.runner.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' });
    await pass(h);
    let log = await deliveries(h, ch.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ attempt: 1, status: 'failed', responseStatus: null, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(new Date(log[0]!.nextAttemptAt!).getTime() - new Date(log[0]!.at).getTime()).toBe(10_000);
    h.clock.advance(5);
    await pass(h);
    expect(await deliveries(h, ch.id)).toHaveLength(1); // not due yet
    await r.start();
    h.clock.advance(5);
    await pass(h);
    log = await deliveries(h, ch.id);
    expect(log.map((a) => [a.attempt, a.status])).toEqual([
      [2, 'delivered'],
      [1, 'failed'],
    ]);
    h.clock.advance(3600);
    await pass(h);
    expect(r.received).toHaveLength(1);
  });

  it('retries a receiver answering 500 twice at 10 s then 20 s, then counts the delivery in /metrics', async () => {
    const { h } = t;
    const r = await receiver({ answer: (n) => (n <= 2 ? 500 : 200) });
    const ch = await createChannel(h, { name: 'Flaky', type: 'webhook', url: r.url, events: ['instance.ended'] });
    const g = await groupWithRunner(h);
    await runnerEvent(h, g.runner.instanceToken, { type: 'terminated', exitCode: 134, signal: null, reason: 'Error' });
    await pass(h);
    h.clock.advance(9);
    await pass(h);
    expect(r.received).toHaveLength(1);
    h.clock.advance(1);
    await pass(h);
    expect(r.received).toHaveLength(2);
    h.clock.advance(19);
    await pass(h);
    expect(r.received).toHaveLength(2);
    h.clock.advance(1);
    await pass(h);
    expect(r.received.map((x) => x.status)).toEqual([500, 500, 200]);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
    const log = await deliveries(h, ch.id);
    expect(log.map((a) => [a.attempt, a.status, a.responseStatus])).toEqual([
      [3, 'delivered', 200],
      [2, 'failed', 500],
      [1, 'failed', 500],
    ]);
    expect(log[2]!.error).toBe('HTTP 500');
    const metrics = await (await h.call('GET', '/metrics')).text();
    expect(metrics).toContain('paddock_notifications_total{type="instance.ended",result="failed"} 2');
    expect(metrics).toContain('paddock_notifications_total{type="instance.ended",result="delivered"} 1');
    expect(metrics).not.toContain('whsec_');
    h.clock.advance(7200);
    await pass(h);
    expect(r.received).toHaveLength(3);
  });

  it('disables the channel when the receiver answers 410 Gone, and sends it nothing more', async () => {
    const { h } = t;
    const r = await receiver({ answer: () => 410 });
    const ch = await createChannel(h, { name: 'Gone', type: 'webhook', url: r.url });
    const g = await groupWithRunner(h);
    await runnerEvent(h, g.runner.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' });
    await pass(h);
    const after = (await (await h.call('GET', api.notificationChannel(ch.id))).json()) as NotificationChannel;
    expect(after).toMatchObject({ enabled: false, disabledReason: 'The receiver answered 410 Gone', lastDelivery: { status: 'failed', responseStatus: 410, nextAttemptAt: null } });
    const r2 = await register(h, g.key, { name: 'prod-eu-2' });
    await runnerEvent(h, r2.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' });
    h.clock.advance(3600);
    await pass(h);
    expect(r.received).toHaveLength(1);
    h.cookie = await h.signIn();
    const audit = (await (await h.call('GET', `${api.auditEvents}?limit=20`)).json()) as { items: Array<{ actor: string; action: string }> };
    expect(audit.items).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'system', action: 'notification_channel.disabled' })]));
    // Turned on again by an admin, it clears the reason and hears new events.
    r.answer = () => 204;
    const on = await h.call('PATCH', api.notificationChannel(ch.id), { body: { enabled: true } });
    expect(await on.json()).toMatchObject({ enabled: true, disabledReason: null });
    const r3 = await register(h, g.key, { name: 'prod-eu-3' });
    await runnerEvent(h, r3.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Error' });
    await pass(h);
    expect(r.received.map((x) => x.status)).toEqual([410, 204]);
  });

  it('sends group.down once after the alert delay, then one group.recovered, to Slack with a one-line text', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Slack ops', type: 'slack', url: r.url, events: ['group.down', 'group.recovered'] });
    const g = await groupWithRunner(h);
    await pass(h);
    // Past the start-up grace; the runner stops heartbeating; 20 s later it is disconnected.
    h.clock.advance(21);
    await pass(h);
    h.clock.advance(59);
    await pass(h);
    expect(r.received).toHaveLength(0);
    h.clock.advance(1);
    await pass(h);
    expect(r.received).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(30);
      await pass(h);
    }
    expect(r.received).toHaveLength(1);
    expect((await heartbeat(h, g.runner.instanceToken)).status).toBe(200);
    h.clock.advance(1);
    await pass(h);
    await pass(h);
    expect(r.received).toHaveLength(2);
    const [down, recovered] = r.received.map((x) => JSON.parse(x.body) as { text: string; blocks: Array<Record<string, unknown>> });
    expect(down!.text).toBe('Group down: Prod EU is down: no runner connected (0 of 1 connected)');
    expect(down!.text).not.toContain('\n');
    expect(JSON.stringify(down!.blocks)).toContain(`/runners/${g.id}|Open in Paddock`);
    expect(recovered!.text).toBe('Group recovered: Prod EU recovered (1 of 1 connected)');
    expect(r.received[0]!.headers['webhook-signature']).toBeUndefined();
  });

  it('tells of an update rolled back, with its reason', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Updates', type: 'webhook', url: r.url, events: ['update.succeeded', 'update.rolled_back'] });
    const g = await groupWithRunner(h);
    const u = (await (await h.call('POST', api.updates(g.id), { body: { targetVersion: '1.4.0' } })).json()) as { id: string };
    expect((await runnerEvent(h, g.runner.instanceToken, { type: 'update-failed', updateId: u.id, reason: 'image pull failed' })).status).toBe(202);
    await pass(h);
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'update.rolled_back',
      data: { group: { id: g.id }, update: { id: u.id, state: 'rolled_back', targetVersion: '1.4.0', reason: 'prod-eu-1 reported an update failure: image pull failed' } },
    });
  });

  it('tells of an update succeeded once the replacement has run three heartbeats on the target version', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Updates', type: 'webhook', url: r.url, events: ['update.succeeded', 'update.rolled_back'] });
    const g = await groupWithRunner(h);
    const u = (await (await h.call('POST', api.updates(g.id), { body: { targetVersion: '1.4.0' } })).json()) as { id: string };
    expect((await runnerEvent(h, g.runner.instanceToken, { type: 'update-started', updateId: u.id, targetVersion: '1.4.0' })).status).toBe(202);
    const next = await register(h, g.key, { name: 'prod-eu-1-new', version: '1.4.0', replaces: g.runner.instanceId });
    for (let i = 0; i < 2; i++) {
      h.clock.advance(5);
      await heartbeat(h, next.instanceToken, { version: '1.4.0' });
      await pass(h);
    }
    expect(r.received).toHaveLength(0);
    h.clock.advance(5);
    await heartbeat(h, next.instanceToken, { version: '1.4.0' });
    await pass(h);
    await pass(h);
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'update.succeeded',
      data: { group: { id: g.id, name: 'Prod EU', connectedCount: 1, instanceCount: 1 }, update: { id: u.id, state: 'succeeded', targetVersion: '1.4.0', reason: null } },
    });
    // The replaced instance's end is quiet by default (cause replaced).
    expect(r.received.map((x) => (JSON.parse(x.body) as { type: string }).type)).toEqual(['update.succeeded']);
  });

  it('sends group.degraded once after the alert delay when one of two runners is gone, then one group.recovered', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Ops', type: 'webhook', url: r.url, events: ['group.down', 'group.degraded', 'group.recovered'] });
    const g = await groupWithRunner(h);
    const second = await register(h, g.key, { name: 'prod-eu-2' });
    await heartbeat(h, second.instanceToken);
    await pass(h);
    // prod-eu-2 goes quiet; prod-eu-1 keeps beating. Disconnected 20 s after its last heartbeat.
    const beat = async (seconds: number) => {
      for (let i = 0; i < seconds; i += 5) {
        h.clock.advance(5);
        expect((await heartbeat(h, g.runner.instanceToken)).status).toBe(200);
        await pass(h);
      }
    };
    await beat(25);
    const degraded = await (await h.call('GET', api.runnerGroup(g.id))).json();
    expect(degraded).toMatchObject({ connectedCount: 1 });
    await beat(50);
    expect(r.received).toHaveLength(0);
    await beat(15);
    expect(r.received.map((x) => (JSON.parse(x.body) as { type: string }).type)).toEqual(['group.degraded']);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'group.degraded',
      data: { group: { id: g.id, health: 'degraded', healthReasons: ['1 disconnected'], connectedCount: 1 }, url: expect.stringContaining(`/runners/${g.id}`) },
    });
    await beat(120);
    expect(r.received).toHaveLength(1);
    // It comes back: one recovery.
    expect((await heartbeat(h, second.instanceToken)).status).toBe(200);
    await beat(30);
    expect(r.received.map((x) => (JSON.parse(x.body) as { type: string }).type)).toEqual(['group.degraded', 'group.recovered']);
    expect(JSON.parse(r.received[1]!.body)).toMatchObject({ data: { group: { health: 'healthy', connectedCount: 2, instanceCount: 2 } } });
  });

  it('an abnormal end degrades the group (the health rule of the console): instance.ended at once, group.degraded after the delay, recovered when the hour is over', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Ops', type: 'webhook', url: r.url });
    const g = await groupWithRunner(h);
    const second = await register(h, g.key, { name: 'prod-eu-2' });
    await heartbeat(h, second.instanceToken);
    await pass(h);
    expect((await runnerEvent(h, second.instanceToken, { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' })).status).toBe(202);
    await pass(h);
    const types = () => r.received.map((x) => (JSON.parse(x.body) as { type: string }).type);
    expect(types()).toEqual(['instance.ended']);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({ data: { group: { health: 'degraded', healthReasons: ['1 OOMKilled in the last hour'] } } });
    // prod-eu-1 keeps beating all along: degraded by the end alone.
    const beat = async (seconds: number, step = 5) => {
      for (let i = 0; i < seconds; i += step) {
        h.clock.advance(step);
        expect((await heartbeat(h, g.runner.instanceToken)).status).toBe(200);
        await pass(h);
      }
    };
    await beat(55);
    expect(types()).toEqual(['instance.ended']);
    await beat(10);
    expect(types()).toEqual(['instance.ended', 'group.degraded']);
    expect(JSON.parse(r.received[1]!.body)).toMatchObject({
      type: 'group.degraded',
      data: { group: { health: 'degraded', healthReasons: ['1 OOMKilled in the last hour'], connectedCount: 1, instanceCount: 1 } },
    });
    await beat(3600 - 120, 15);
    expect(types()).toEqual(['instance.ended', 'group.degraded']);
    await beat(90, 15);
    expect(types()).toEqual(['instance.ended', 'group.degraded', 'group.recovered']);
  });

  it('tells of an instance ended as lost once it stayed away PADDOCK_LOST_AFTER_SECONDS', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Ends', type: 'webhook', url: r.url, events: ['instance.ended'] });
    const g = await groupWithRunner(h);
    await pass(h);
    h.clock.advance(21);
    await pass(h);
    expect(r.received).toHaveLength(0);
    h.clock.advance(h.config.lostAfterSeconds + 1);
    await pass(h);
    await pass(h);
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'instance.ended',
      data: { group: { id: g.id, health: 'down' }, instance: { id: g.runner.instanceId, status: 'terminated', termination: { cause: 'lost', exitCode: null } } },
    });
  });

  it('tells of a pod the Kubernetes reconciler saw evicted, with its termination record', async () => {
    const { h } = t;
    const r = await receiver();
    await createChannel(h, { name: 'Ends', type: 'webhook', url: r.url, events: ['instance.ended'] });
    const g = await groupWithRunner(h);
    const observedAt = h.clock.now().toISOString();
    const res = await h.call('POST', api.runnerTerminations, {
      bearer: g.key,
      body: { name: 'prod-eu-1', exitCode: null, signal: null, reason: 'Evicted', observedAt },
    });
    expect(res.status).toBe(202);
    await pass(h);
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'instance.ended',
      data: {
        group: { id: g.id, connectedCount: 0 },
        instance: { id: g.runner.instanceId, termination: { exitCode: null, signal: null, reason: 'Evicted', cause: 'evicted', observedBy: 'reconciler' } },
      },
    });
    // The same report again is answered with the record it has: no second event.
    expect((await h.call('POST', api.runnerTerminations, { bearer: g.key, body: { name: 'prod-eu-1', exitCode: null, signal: null, reason: 'Evicted', observedAt } })).status).toBe(200);
    await pass(h);
    expect(r.received).toHaveLength(1);
  });

  it('sends e-mail through a real SMTP server with a password, which never shows anywhere', async () => {
    const password = 'smtp-pa55word-not-elsewhere';
    const smtp = await startSmtp({ user: 'paddock', pass: password });
    try {
      const h = await t.restart({ smtpUrl: smtp.url, smtpFrom: 'Paddock <alerts@paddock.test>' });
      const ch = await createChannel(h, { name: 'Mail ops', type: 'email', to: ['ops@example.com', 'oncall@example.com'] });
      const test = await h.call('POST', api.notificationChannelTest(ch.id));
      expect(test.status).toBe(200);
      expect(await test.json()).toMatchObject({ eventType: 'test', status: 'delivered', responseStatus: 250 });
      const g = await groupWithRunner(h);
      await runnerEvent(h, g.runner.instanceToken, { type: 'terminated', exitCode: 137, signal: null, reason: 'OOMKilled' });
      await pass(h);
      expect(smtp.mails).toHaveLength(2);
      const mail = smtp.mails[1]!;
      expect(mail).toMatchObject({ from: 'alerts@paddock.test', to: ['ops@example.com', 'oncall@example.com'], user: 'paddock' });
      expect(mail.data).toMatch(/^Subject: =\?UTF-8\?Q\?=5BPaddock=5D_prod-eu-1_in_Prod_EU_ended/m);
      expect(mail.data).toContain('X-Paddock-Event-Type: instance.ended');
      // Quoted-printable folds long lines with a trailing "=".
      expect(mail.data.replace(/=\r?\n/g, '')).toContain(`/runners/${g.id}`);

      // A wrong password: the attempt fails and says why, without the password.
      const wrong = await t.restart({ smtpUrl: smtp.url.replace(encodeURIComponent(password), 'wrong-pa55') });
      const failed = (await (await wrong.call('POST', api.notificationChannelTest(ch.id))).json()) as DeliveryAttempt;
      expect(failed).toMatchObject({ status: 'failed', responseStatus: 535 });
      const everything = [
        ...wrong.logs,
        ...h.logs,
        await (await wrong.call('GET', api.notificationChannels)).text(),
        await (await wrong.call('GET', api.notificationDeliveries(ch.id))).text(),
        await (await wrong.call('GET', `${api.auditEvents}?limit=50`)).text(),
        await (await wrong.call('GET', '/metrics')).text(),
      ].join('\n');
      expect(everything).not.toContain(password);
      expect(everything).not.toContain('wrong-pa55');
    } finally {
      await smtp.stop();
    }
  });

  it('answers Send test with the attempt, and keeps it in the delivery log', async () => {
    const { h } = t;
    const r = await receiver({ answer: () => 503 });
    const ch = await createChannel(h, { name: 'Test me', type: 'webhook', url: r.url });
    const res = await h.call('POST', api.notificationChannelTest(ch.id));
    expect(res.status).toBe(200);
    const attempt = (await res.json()) as DeliveryAttempt;
    expect(attempt).toMatchObject({ eventType: 'test', attempt: 1, status: 'failed', responseStatus: 503, error: 'HTTP 503', nextAttemptAt: null });
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({ type: 'test', data: { url: expect.stringMatching(/\/notifications$/) } });
    expect(await deliveries(h, ch.id)).toEqual([attempt]);
    const listed = (await (await h.call('GET', api.notificationChannels)).json()) as NotificationChannel[];
    expect(listed[0]!.lastDelivery).toEqual(attempt);
  });
});
