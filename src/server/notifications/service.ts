import { randomUUID } from 'node:crypto';
import {
  type ChannelWithSecret,
  type CreateChannelBody,
  type DeliveryAttempt,
  defaultCauses,
  type NotificationChannel,
  type NotificationPayload,
  notificationEventTypes,
  type PatchChannelBody,
  type Role,
} from '../../contract';
import type { Deps } from '../deps';
import { badRequest, conflict, notFound } from '../problem';
import { recordAudit } from '../store/audit';
import { isUniqueViolation, type Queryable } from '../store/db';
import { publish } from '../store/events';
import { isUuid } from '../store/groups';
import {
  type AttemptRow,
  alertGroups,
  allLiveGroupIds,
  type ChannelRow,
  type ClaimedDelivery,
  cancelPendingDeliveries,
  channelNameTaken,
  claimDue,
  deleteChannel,
  disableChannel,
  findChannel,
  groupsAwaitingAlert,
  groupsChangedSince,
  insertAttempt,
  insertChannel,
  lastAttempts,
  listAttempts,
  listChannels,
  liveGroupIds,
  newestEventId,
  pruneNotifications,
  releaseClaim,
  renewClaim,
  saveAlertState,
  settleDelivery,
  updateChannel,
} from '../store/notifications';
import { tryLockAlertRules } from '../store/locks';
import { type AlertState, alertDecision, displayUrl, type Health, nextAttemptAt, nextPieceSize } from './decisions';
import { groupHealth, healthInputOf } from '../health';
import { groupSummaries } from '../store/groups';
import { type Outbox, type OutboxEvent, notifyChannel, recordEvent } from './outbox';
import { type SendResult, newWebhookSecret, send } from './senders';

const missing = () => notFound('No notification channel with this id.');
const duplicate = (name: string) => conflict(`A notification channel named "${name}" already exists (names are compared ignoring case).`);
const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * How long a claim lasts unless renewed. The replica sending renews it every `renewMs` for as long
 * as the send takes (up to `sendTimeoutMs`), so a slow receiver is never sent the event twice,
 * while a replica that dies mid-send lets its claim lapse within `leaseMs`: another replica, whose
 * dispatcher runs at least once a second, sends it within 5 s (PRODUCT.md §14).
 */
const leaseMs = 3_000;
const renewMs = 1_000;
/** Deliveries sent at once by one replica. */
const batchSize = 10;
/** Every group is looked at this often even without a change naming it (a missed cursor row, a clock step). */
const fullPassMs = 10_000;
/** An alert pass is logged when one of its pieces held its transaction this long (ms) or more… */
const slowPieceMs = 250;
/** …or when the whole pass took this long (ms) or more. */
const slowPassMs = 1_000;
/** Each pass's first piece; the pieces after it are sized by `nextPieceSize`. */
const firstPiece = 4;

/**
 * Alerts and notifications (PRODUCT.md §12): channels, the outbox other modules write into, the
 * group alert rules, and the dispatcher that delivers with retries and keeps the delivery log.
 */
export class Notifications implements Outbox {
  /** The listen address, for console links when PADDOCK_PUBLIC_URL is not set (set once listening). */
  listenUrl = '';
  private readonly counts = new Map<string, number>();
  private cursor: string | null = null;
  private lastFullPass = Number.NEGATIVE_INFINITY;
  private dispatching: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly inFlight = new AbortController();
  private unlisten: (() => Promise<void>) | null = null;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: Deps) {}

  private baseUrl(): string {
    const { config } = this.deps;
    return config.publicUrl || this.listenUrl || `http://${config.host}:${config.port}`;
  }

  // ---- the outbox ----

  record(tx: Queryable, at: Date, event: OutboxEvent): Promise<string | null> {
    return recordEvent(tx, at, event, this.baseUrl());
  }

  // ---- channels ----

  async list(role: Role): Promise<NotificationChannel[]> {
    const [rows, last] = await Promise.all([listChannels(this.deps.db), lastAttempts(this.deps.db)]);
    return rows.map((r) => channelView(r, role, last.get(r.id) ?? null));
  }

  async get(id: string, role: Role): Promise<NotificationChannel> {
    const row = isUuid(id) ? await findChannel(this.deps.db, id) : null;
    if (!row) throw missing();
    const [last] = await listAttempts(this.deps.db, id, 1);
    return channelView(row, role, last ?? null);
  }

  async create(actor: string, body: CreateChannelBody): Promise<ChannelWithSecret | NotificationChannel> {
    const { db, clock, config } = this.deps;
    if (body.type === 'email' && !config.smtpUrl) {
      throw badRequest(
        [{ field: 'type', message: 'e-mail channels need PADDOCK_SMTP_URL set on the control plane' }],
        'E-mail cannot be sent: the control plane has no SMTP server (PADDOCK_SMTP_URL).',
      );
    }
    const id = randomUUID();
    const secret = body.type === 'webhook' ? newWebhookSecret() : null;
    try {
      return await db.transaction(async (tx) => {
        if (await channelNameTaken(tx, body.name)) throw duplicate(body.name);
        const groupIds = await this.checkGroups(tx, body.groupIds);
        const now = clock.now();
        const row = {
          id,
          name: body.name,
          type: body.type,
          url: body.type === 'email' ? null : body.url,
          recipients: body.type === 'email' ? unique(body.to) : null,
          secret,
          events: body.events ? unique(body.events) : [...notificationEventTypes],
          group_ids: groupIds,
          causes: body.causes ? unique(body.causes) : null,
          enabled: body.enabled ?? true,
        };
        await insertChannel(tx, { ...row, at: now });
        await recordAudit(tx, {
          at: now,
          actor,
          action: 'notification_channel.created',
          group: null,
          detail: { channelId: id, name: row.name, type: row.type, events: row.events, enabled: row.enabled },
        });
        await publish(tx, now, { kind: 'notification', op: 'upsert', groupId: '', entityId: id });
        const stored = (await findChannel(tx, id))!;
        const view = channelView(stored, 'admin', null);
        return secret ? { ...view, secret } : view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(body.name);
      throw err;
    }
  }

  async patch(actor: string, id: string, body: PatchChannelBody): Promise<NotificationChannel> {
    const { db, clock } = this.deps;
    if (!isUuid(id)) throw missing();
    try {
      return await db.transaction(async (tx) => {
        const row = await findChannel(tx, id, { forUpdate: true });
        if (!row) throw missing();
        if (body.url !== undefined && row.type === 'email') {
          throw badRequest([{ field: 'url', message: 'an e-mail channel has recipients (to), not a URL' }]);
        }
        if (body.to !== undefined && row.type !== 'email') {
          throw badRequest([{ field: 'to', message: `a ${row.type} channel has a URL, not recipients` }]);
        }
        if (body.name !== undefined && body.name.toLowerCase() !== row.name.toLowerCase() && (await channelNameTaken(tx, body.name, id))) {
          throw duplicate(body.name);
        }
        const groupIds = body.groupIds === undefined ? row.group_ids : await this.checkGroups(tx, body.groupIds);
        const now = clock.now();
        const next = {
          name: body.name ?? row.name,
          url: body.url ?? row.url,
          recipients: body.to ? unique(body.to) : row.recipients,
          events: body.events ? unique(body.events) : row.events,
          group_ids: groupIds,
          causes: body.causes ? unique(body.causes) : row.causes,
          enabled: body.enabled ?? row.enabled,
          disabled_reason: body.enabled === true ? null : row.disabled_reason,
        };
        const changed = (Object.keys(body) as Array<keyof PatchChannelBody>).filter((k) => body[k] !== undefined);
        await updateChannel(tx, id, next, now);
        if (row.enabled && !next.enabled) await cancelPendingDeliveries(tx, id, now);
        await recordAudit(tx, {
          at: now,
          actor,
          action: 'notification_channel.updated',
          group: null,
          detail: { channelId: id, name: next.name, type: row.type, changed, ...(body.enabled !== undefined ? { enabled: next.enabled } : {}) },
        });
        await publish(tx, now, { kind: 'notification', op: 'upsert', groupId: '', entityId: id });
        const [last] = await listAttempts(tx, id, 1);
        return channelView((await findChannel(tx, id))!, 'admin', last ?? null);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(body.name ?? '');
      throw err;
    }
  }

  async remove(actor: string, id: string): Promise<void> {
    const { db, clock } = this.deps;
    if (!isUuid(id)) throw missing();
    await db.transaction(async (tx) => {
      const row = await findChannel(tx, id, { forUpdate: true });
      if (!row) throw missing();
      const now = clock.now();
      await deleteChannel(tx, id);
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'notification_channel.deleted',
        group: null,
        detail: { channelId: id, name: row.name, type: row.type },
      });
      await publish(tx, now, { kind: 'notification', op: 'delete', groupId: '', entityId: id });
    });
  }

  async deliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    if (!isUuid(id) || !(await findChannel(this.deps.db, id))) throw missing();
    return (await listAttempts(this.deps.db, id, limit)).map(attemptView);
  }

  /** Sends `test` to a channel now and answers the attempt (also in its delivery log). */
  async test(actor: string, id: string): Promise<DeliveryAttempt> {
    const { db, clock, config } = this.deps;
    const row = isUuid(id) ? await findChannel(db, id) : null;
    if (!row) throw missing();
    const now = clock.now();
    const payload: NotificationPayload = {
      type: 'test',
      id: randomUUID(),
      timestamp: now.toISOString(),
      data: {
        message: `Test notification from Paddock to the channel "${row.name}", sent by ${actor}`,
        channel: { id: row.id, name: row.name },
        url: `${this.baseUrl().replace(/\/+$/, '')}/notifications`,
      },
    };
    const result = await send(row, payload, { now, smtpUrl: config.smtpUrl, smtpFrom: config.smtpFrom });
    return db.transaction(async (tx) => {
      const attempt = await insertAttempt(tx, {
        channel_id: row.id,
        event_id: payload.id,
        event_type: 'test',
        attempt: 1,
        at: now,
        status: result.status,
        response_status: result.responseStatus,
        latency_ms: result.latencyMs,
        error: result.status === 'failed' ? result.error : null,
        next_attempt_at: null,
      });
      this.count('test', result.status);
      if (result.status === 'failed' && result.disable) await this.disable(tx, row, now);
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'notification_channel.tested',
        group: null,
        detail: { channelId: row.id, name: row.name, type: row.type, result: result.status },
      });
      await publish(tx, now, { kind: 'notification', op: 'upsert', groupId: '', entityId: row.id });
      return attemptView(attempt);
    });
  }

  /** null (every group) or the named groups, each of which must exist. */
  private async checkGroups(tx: Queryable, ids: string[] | null | undefined): Promise<string[] | null> {
    if (ids === undefined || ids === null) return null;
    const live = await liveGroupIds(tx, ids.filter(isUuid));
    ids.forEach((g, i) => {
      if (!live.has(g)) throw badRequest([{ field: `groupIds.${i}`, message: 'is not the id of a runner group' }]);
    });
    return unique(ids);
  }

  private async disable(tx: Queryable, row: ChannelRow, at: Date): Promise<void> {
    const reason = 'The receiver answered 410 Gone';
    if (!(await disableChannel(tx, row.id, reason, at))) return;
    await cancelPendingDeliveries(tx, row.id, at);
    await recordAudit(tx, {
      at,
      actor: 'system',
      action: 'notification_channel.disabled',
      group: null,
      detail: { channelId: row.id, name: row.name, type: row.type, reason },
    });
    this.deps.logger.warn('notification channel disabled', { channelId: row.id, reason });
  }

  // ---- group alerts ----

  /**
   * One pass of the alert rules (run by the sweeper each second): groups that changed since the last
   * pass, those whose alert may have come due, and every group each ten seconds. One replica at a time.
   *
   * The groups are looked at in pieces, each its own transaction under the rules' lock, sized so that
   * one takes about 50 ms: on PGlite a transaction holds the one database, heartbeats included, and a
   * pass over 20 groups of 7,500 instances each held it for seconds. Each pass starts small: what a
   * group costs changes between passes (a retention backlog not yet vacuumed made it 80 ms). Each
   * piece reads, decides and saves its groups whole, so a group is never decided from state another
   * replica has since changed.
   */
  async evaluate(now: Date): Promise<number> {
    const { db } = this.deps;
    const full = this.cursor === null || now.getTime() - this.lastFullPass >= fullPassMs;
    const ids = await db.transaction(async (tx) => {
      if (!(await tryLockAlertRules(tx))) return [];
      if (full) {
        this.cursor = await newestEventId(tx);
        this.lastFullPass = now.getTime();
        return allLiveGroupIds(tx);
      }
      const changed = await groupsChangedSince(tx, this.cursor!);
      this.cursor = changed.lastId;
      return [...new Set([...changed.ids, ...(await groupsAwaitingAlert(tx))])];
    });
    let fired = 0;
    let size = firstPiece;
    let pieces = 0;
    let longest = 0;
    const started = performance.now();
    for (let done = 0; done < ids.length; ) {
      const piece = ids.slice(done, done + size);
      // How long the piece held its transaction, not how long it waited for it.
      let held = 0;
      const result = await db.transaction(async (tx) => {
        const began = performance.now();
        try {
          return (await tryLockAlertRules(tx)) ? await this.evaluateGroups(tx, piece, now) : null;
        } finally {
          held = performance.now() - began;
        }
      });
      // Another replica holds the rules now: it looks at every group itself.
      if (result === null) break;
      fired += result;
      done += piece.length;
      pieces++;
      longest = Math.max(longest, held);
      size = nextPieceSize(size, piece.length, held);
    }
    const tookMs = Math.round(performance.now() - started);
    if (longest >= slowPieceMs || tookMs >= slowPassMs) {
      this.deps.logger.warn('alert rules: slow pass', { tookMs, full, groups: ids.length, pieces, longestPieceMs: Math.round(longest) });
    }
    if (fired > 0) this.kick();
    await this.prune(now);
    return fired;
  }

  /** Decides the alert state of the live groups of `ids`, saves what changed and records what fires. */
  private async evaluateGroups(tx: Queryable, ids: string[], now: Date): Promise<number> {
    const groups = await alertGroups(tx, ids);
    if (groups.length === 0) return 0;
    const summaries = new Map((await groupSummaries(tx, now, ids)).map((r) => [r.id, r]));
    let fired = 0;
    for (const g of groups) {
      const summary = summaries.get(g.id);
      if (!summary) continue;
      // The one health rule of the console and the API (PRODUCT.md §2), never a second one here.
      const { health, healthReasons } = groupHealth(healthInputOf(summary), now);
      const prev: AlertState | null = g.health
        ? { health: g.health as Health, since: new Date(g.since!), alerted: g.alerted, alertsSent: g.alerts_sent ?? [] }
        : null;
      const changedAt = health === 'down' || health === 'degraded' ? (g.last_lost_at ? new Date(g.last_lost_at) : null) : null;
      const d = alertDecision(prev, { health, changedAt }, now, this.deps.config.alertAfterSeconds);
      const same =
        prev &&
        prev.health === d.next.health &&
        prev.since.getTime() === d.next.since.getTime() &&
        prev.alerted === d.next.alerted &&
        prev.alertsSent.join() === d.next.alertsSent.join();
      if (!same) await saveAlertState(tx, g.id, d.next);
      if (d.fire) {
        fired++;
        await this.record(tx, now, { type: d.fire, groupId: g.id, health, healthReasons, recoveredFrom: d.recoveredFrom });
      }
    }
    return fired;
  }

  private async prune(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < 60_000) return;
    this.lastPrune = now.getTime();
    await pruneNotifications(this.deps.db, new Date(now.getTime() - this.deps.config.retentionDays * 24 * 3600 * 1000));
  }

  // ---- the dispatcher ----

  /** Listens for recorded events (any replica) so delivery starts at once, not at the next tick. */
  async start(): Promise<void> {
    this.unlisten ??= await this.deps.db.listen(notifyChannel, () => this.kick());
  }

  /** Starts a dispatch round unless one runs; one that runs goes round again. */
  kick(): void {
    if (this.stopped) return;
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.dispatchOnce()) === batchSize) {}
        } while (this.again && !this.stopped);
      } catch (err) {
        this.deps.logger.error('notification dispatch failed', { err });
      } finally {
        this.dispatching = null;
      }
    })();
  }

  /** Waits for the dispatch round in flight (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.dispatching) await this.dispatching;
  }

  /** Claims due deliveries and sends them; answers how many it claimed. */
  async dispatchOnce(): Promise<number> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const claimed = await db.transaction((tx) => claimDue(tx, now, new Date(now.getTime() + leaseMs), batchSize));
    await Promise.all(claimed.map((c) => this.deliver(c)));
    return claimed.length;
  }

  private async deliver(c: ClaimedDelivery): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now();
    // Renewed until the result is written: a claim that lapsed before would let another replica send it again.
    const renewal = setInterval(() => {
      renewClaim(db, c.id, c.attempts, new Date(clock.now().getTime() + leaseMs)).catch(() => {});
    }, renewMs);
    try {
      await this.sendAndSettle(c, now);
    } finally {
      clearInterval(renewal);
    }
  }

  private async sendAndSettle(c: ClaimedDelivery, now: Date): Promise<void> {
    const { db, clock, config, logger } = this.deps;
    let result: SendResult;
    try {
      result = await send(c.channel, c.payload as NotificationPayload, {
        now,
        smtpUrl: config.smtpUrl,
        smtpFrom: config.smtpFrom,
        signal: this.inFlight.signal,
      });
    } catch {
      // Shut down mid-send: give the claim back so another replica (or our restart) sends it at once.
      await releaseClaim(db, c.id, c.attempts).catch(() => {});
      return;
    }
    const after = clock.now();
    const retryAt = result.status === 'failed' && !result.disable ? nextAttemptAt(new Date(c.created_at), c.attempts, after) : null;
    const state = result.status === 'delivered' ? 'delivered' : retryAt ? 'pending' : 'failed';
    const error =
      result.status === 'failed'
        ? retryAt || result.disable
          ? result.error
          : `${result.error}; given up ${Math.round((after.getTime() - new Date(c.created_at).getTime()) / 3600_000)} h after the event`
        : null;
    await db.transaction(async (tx) => {
      await insertAttempt(tx, {
        channel_id: c.channel.id,
        event_id: c.event_id,
        event_type: c.event_type,
        attempt: c.attempts,
        at: now,
        status: result.status,
        response_status: result.responseStatus,
        latency_ms: result.latencyMs,
        error,
        next_attempt_at: retryAt,
      });
      const ours = await settleDelivery(tx, { id: c.id, attempts: c.attempts, state, nextAttemptAt: retryAt, at: after });
      if (ours && result.status === 'failed' && result.disable) await this.disable(tx, c.channel, after);
      await publish(tx, after, { kind: 'notification', op: 'upsert', groupId: '', entityId: c.channel.id });
    });
    this.count(c.event_type, result.status);
    const fields = { channelId: c.channel.id, eventId: c.event_id, type: c.event_type, attempt: c.attempts, ms: result.latencyMs };
    if (result.status === 'delivered') logger.info('notification delivered', fields);
    else logger.warn('notification not delivered', { ...fields, error, retryAt: retryAt?.toISOString() ?? null });
  }

  private count(type: string, result: string): void {
    const k = `${type}\u0000${result}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** `paddock_notifications_total{type, result}` lines for /metrics: attempts by this process. */
  metricLines(): string[] {
    const lines = ['# HELP paddock_notifications_total Notification delivery attempts by this process, by event type and result.', '# TYPE paddock_notifications_total counter'];
    const types = [...notificationEventTypes, 'test'];
    for (const type of types) {
      for (const result of ['delivered', 'failed']) {
        lines.push(`paddock_notifications_total{type="${type}",result="${result}"} ${this.counts.get(`${type}\u0000${result}`) ?? 0}`);
      }
    }
    return lines;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight.abort();
    await this.idle();
    const u = this.unlisten;
    this.unlisten = null;
    if (u) await u().catch(() => {});
  }
}

/** Keeps the first of each value, in order. */
function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function attemptView(a: AttemptRow): DeliveryAttempt {
  return {
    id: a.id,
    at: iso(a.at),
    eventType: a.event_type as DeliveryAttempt['eventType'],
    eventId: a.event_id,
    attempt: a.attempt,
    status: a.status,
    responseStatus: a.response_status,
    latencyMs: a.latency_ms,
    error: a.error,
    nextAttemptAt: a.next_attempt_at ? iso(a.next_attempt_at) : null,
  };
}

/** A channel for console users: never the secret (see NotificationChannel in the contract). */
export function channelView(r: ChannelRow, role: Role, last: AttemptRow | null): NotificationChannel {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    url: r.type === 'email' || r.url === null ? null : displayUrl(r.type, r.url, role),
    to: r.type === 'email' ? (r.recipients ?? []) : null,
    events: r.events,
    groupIds: r.group_ids,
    causes: r.causes ?? defaultCauses(),
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    lastDelivery: last ? attemptView(last) : null,
  };
}
