import { allCauses, eventTypeLabel, notificationEventTypes } from '../../../contract/notification-events';
import type { ChannelType, DeliveryAttempt, NotificationChannel, NotificationEventType } from '../../../contract/notifications';
import type { TerminationCause } from '../../../contract/schemas';

// The design's shared `causeLabel` (src/contract/termination.ts) comes with issue 15; until then the
// words of design-round2.md, here.
const causeLabels: Partial<Record<TerminationCause, string>> = {
  completed: 'Completed',
  oom_killed: 'OOMKilled',
  killed: 'Killed',
  sigterm: 'SIGTERM',
  crash: 'Crash',
  replaced: 'Replaced by update',
  lost: 'Lost',
};

export const typeLabel: Record<ChannelType, string> = { webhook: 'Webhook', slack: 'Slack', email: 'E-mail' };

export const eventOptions = notificationEventTypes.map((type) => ({ type, label: eventTypeLabel[type] }));
export const causeOptions = allCauses.map((cause) => ({ cause, label: causeLabels[cause] ?? cause }));

/** "Group down, Instance ended" — or "All events". */
export function describeEvents(events: readonly NotificationEventType[]): string {
  if (notificationEventTypes.every((t) => events.includes(t))) return 'All events';
  return events.map((t) => eventTypeLabel[t]).join(', ');
}

/** "All groups", or the names of the chosen ones (a deleted one by its id's start). */
export function describeGroups(groupIds: readonly string[] | null, groups: ReadonlyArray<{ id: string; name: string }>): string {
  if (groupIds === null) return 'All groups';
  const names = groupIds.map((id) => groups.find((g) => g.id === id)?.name ?? `deleted group ${id.slice(0, 8)}`);
  return names.join(', ');
}

/** Where a channel sends, in words. */
export function describeTarget(c: Pick<NotificationChannel, 'type' | 'url' | 'to'>): string {
  return c.type === 'email' ? (c.to ?? []).join(', ') : (c.url ?? '');
}

/** Tone and label of an attempt: status in words, never by colour alone. */
export function attemptStatus(a: Pick<DeliveryAttempt, 'status' | 'nextAttemptAt'>): { tone: 'green' | 'red' | 'amber'; label: string } {
  if (a.status === 'delivered') return { tone: 'green', label: 'Delivered' };
  return a.nextAttemptAt ? { tone: 'amber', label: 'Failed, will retry' } : { tone: 'red', label: 'Failed' };
}

/** "HTTP 500", "SMTP 250" or the error text: what the receiver said. */
export function attemptDetail(a: Pick<DeliveryAttempt, 'status' | 'responseStatus' | 'error'>, type: ChannelType): string {
  if (a.status === 'delivered') return a.responseStatus === null ? 'Accepted' : `${type === 'email' ? 'SMTP' : 'HTTP'} ${a.responseStatus}`;
  return a.error ?? (a.responseStatus === null ? 'No answer' : `${type === 'email' ? 'SMTP' : 'HTTP'} ${a.responseStatus}`);
}

/** Recipients typed as text: split on commas, semicolons, spaces or lines. */
export function parseRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Field errors of a 400 by form field: `to.1` → `to`, `events.0` → `events`. */
export function formFieldErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const [head, index] = field.split('.');
    const key = head ?? field;
    out[key] ??= index !== undefined && key === 'to' ? `Recipient ${Number(index) + 1} ${message}` : message;
  }
  return out;
}

export type { TerminationCause };

/** "in 10 s", "in 4 min", "in 2 h": when a retry is due. */
export function formatUntil(iso: string, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  if (s < 60) return `in ${s} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `in ${m} min` : `in ${Math.round(m / 60)} h`;
}
