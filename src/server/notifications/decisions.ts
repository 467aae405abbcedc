import { defaultCauses, type NotificationEventType, type TerminationCause } from '../../contract';

/** A group's health as alerts see it (PRODUCT.md §2). */
export type Health = 'healthy' | 'degraded' | 'down' | 'waiting';

/** The alert that is out for a group: none, or the last of down/degraded that was sent. */
export type Alerted = 'down' | 'degraded' | null;

/** What the alert evaluator remembers per group between passes (a row of notification_group_state). */
export interface AlertState {
  health: Health;
  /** Since when the group has had this health. */
  since: Date;
  alerted: Alerted;
  /** The alert types sent during the current outage; `group.recovered` goes to channels that heard one. */
  alertsSent: Array<'group.down' | 'group.degraded'>;
}

export type GroupAlertType = 'group.down' | 'group.degraded' | 'group.recovered';

/**
 * One pass of the alert rules for one group, at `now`:
 * - `group.down` once the group has been down (had runners, none connected) for `alertAfterSeconds`;
 * - `group.degraded` once it has been degraded that long with nothing sent yet, and at once when a
 *   group that was alerted down comes back only part way (it is up, but not well);
 * - `group.recovered` once, when it is healthy again after a down or degraded was sent.
 * `changedAt` is when the data says the health changed (the last instance's disconnect, say), so a
 * replica that takes over, or a restart, keeps the clock of the outage instead of starting it anew.
 */
export function alertDecision(
  prev: AlertState | null,
  current: { health: Health; changedAt: Date | null },
  now: Date,
  alertAfterSeconds: number,
): { next: AlertState; fire: GroupAlertType | null; recoveredFrom?: AlertState['alertsSent'] } {
  const changed = !prev || prev.health !== current.health;
  const since = changed ? earlier(current.changedAt ?? now, now) : prev.since;
  const base: AlertState = { health: current.health, since, alerted: prev?.alerted ?? null, alertsSent: prev?.alertsSent ?? [] };
  const longEnough = now.getTime() - since.getTime() >= alertAfterSeconds * 1000;
  switch (current.health) {
    case 'healthy':
    case 'waiting':
      if (base.alerted !== null) {
        return { next: { ...base, alerted: null, alertsSent: [] }, fire: 'group.recovered', recoveredFrom: base.alertsSent };
      }
      return { next: base, fire: null };
    case 'down':
      if (base.alerted !== 'down' && longEnough) {
        return { next: { ...base, alerted: 'down', alertsSent: add(base.alertsSent, 'group.down') }, fire: 'group.down' };
      }
      return { next: base, fire: null };
    case 'degraded':
      if (base.alerted === 'down' || (base.alerted === null && longEnough)) {
        return { next: { ...base, alerted: 'degraded', alertsSent: add(base.alertsSent, 'group.degraded') }, fire: 'group.degraded' };
      }
      return { next: base, fire: null };
  }
}

const earlier = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);
const add = <T>(list: T[], item: T) => (list.includes(item) ? list : [...list, item]);

/** First retry 10 s after a failure, doubling, each wait at most an hour; given up 24 h after the event. */
export const retryPolicy = { firstDelaySeconds: 10, maxDelaySeconds: 3600, giveUpAfterSeconds: 24 * 3600 };

/**
 * When a delivery that has failed `attempts` times (1 = the first attempt failed) is tried next, or
 * null when that would be more than 24 h after the event was recorded: then it is given up.
 */
export function nextAttemptAt(createdAt: Date, attempts: number, now: Date): Date | null {
  const delay = Math.min(retryPolicy.firstDelaySeconds * 2 ** Math.max(0, attempts - 1), retryPolicy.maxDelaySeconds);
  const next = new Date(now.getTime() + delay * 1000);
  return next.getTime() - createdAt.getTime() > retryPolicy.giveUpAfterSeconds * 1000 ? null : next;
}

/** What one attempt's outcome means for its delivery and its channel. */
export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'failed'; disable: boolean; error: string };

/** A 2xx is delivered; 410 Gone means the receiver is gone for good: the channel is disabled. */
export function outcomeOfHttp(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { status: 'delivered' };
  if (status === 410) return { status: 'failed', disable: true, error: 'HTTP 410 Gone: the receiver is gone; the channel was disabled' };
  return { status: 'failed', disable: false, error: `HTTP ${status}` };
}

/** The part of a channel that decides which events it hears. */
export interface ChannelFilter {
  enabled: boolean;
  events: NotificationEventType[];
  groupIds: string[] | null;
  causes: TerminationCause[] | null;
}

/** An event as the fan-out sees it. */
export interface EventFacts {
  type: NotificationEventType;
  groupId: string | null;
  cause?: TerminationCause;
  /** For `group.recovered`: the alerts sent during the outage it ends. */
  recoveredFrom?: Array<'group.down' | 'group.degraded'>;
}

/**
 * Whether a channel hears an event: enabled, the type chosen, the group among its groups (all by
 * default), an ended instance's cause among its causes (default all but completed, sigterm,
 * replaced), and a recovery only where that outage's alert was heard.
 */
export function wants(channel: ChannelFilter, event: EventFacts): boolean {
  if (!channel.enabled || !channel.events.includes(event.type)) return false;
  if (channel.groupIds !== null && (event.groupId === null || !channel.groupIds.includes(event.groupId))) return false;
  if (event.type === 'instance.ended') {
    const causes = channel.causes ?? defaultCauses();
    if (!event.cause || !causes.includes(event.cause)) return false;
  }
  if (event.type === 'group.recovered') {
    return (event.recoveredFrom ?? []).some((t) => channel.events.includes(t));
  }
  return true;
}

/**
 * A channel's address as console users see it. A Slack incoming-webhook address is itself the
 * credential: its last part is hidden from everyone. A webhook's query values may be tokens: hidden
 * from viewers.
 */
export function displayUrl(type: 'webhook' | 'slack', url: string, role: 'admin' | 'viewer'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '';
  }
  if (type === 'slack') {
    const parts = u.pathname.split('/');
    const last = parts.pop() ?? '';
    const tail = last.length > 8 ? last.slice(-4) : '';
    return `${u.origin}${parts.join('/')}/••••${tail}`;
  }
  if (role === 'admin') return url;
  const keys = [...u.searchParams.keys()];
  return `${u.origin}${u.pathname}${keys.length ? `?${keys.map((k) => `${encodeURIComponent(k)}=••••`).join('&')}` : ''}`;
}

/** A piece of an alert pass (one transaction) should take about this long (ms): pieces are sized to it. */
const pieceMs = 50;
/** The most groups in one piece. */
const maxPiece = 100;

/**
 * The next piece's size from how long the last one (of `groups` groups, planned as `size`) held its
 * transaction: as many groups as fit in `pieceMs` at its cost per group, but at most twice the groups
 * it had (one cheap piece proves little) and never below `size` for being short and cheap (the last
 * piece of a pass), between 1 and `maxPiece`. A group's cost changes with what its instances' rows
 * look like (a backlog of deleted rows not yet vacuumed made one cost 80 ms), so the size follows it.
 */
export function nextPieceSize(size: number, groups: number, heldMs: number): number {
  const fit = Math.floor((pieceMs * groups) / Math.max(heldMs, 0.001));
  return Math.max(1, Math.min(maxPiece, Math.max(size, 2 * groups), fit));
}
