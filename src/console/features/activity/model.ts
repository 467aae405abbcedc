import { type AuditEvent, type AuditGroup, causeLabel, TerminationCause } from '../../../contract';
import { paths } from '../../lib/paths';

const actionText: Record<string, string> = {
  'group.created': 'Created the group',
  'group.renamed': 'Renamed the group',
  'group.deleted': 'Deleted the group',
  'group.set_default': 'Set the group as default',
  'group.default_set': 'Set the group as default',
  'group.key_rotated': 'Rotated the registration key',
  'update.requested': 'Requested an update',
  'update.succeeded': 'Update succeeded',
  'update.rolled_back': 'Update rolled back',
  'session.signed_in': 'Signed in',
  'session.signed_out': 'Signed out',
  'user.added': 'Added a user',
  'user.removed': 'Removed a user',
  'notification_channel.created': 'Created a notification channel',
  'notification_channel.updated': 'Changed a notification channel',
  'notification_channel.deleted': 'Deleted a notification channel',
  'notification_channel.tested': 'Sent a test notification',
  'notification_channel.disabled': 'Disabled a notification channel (its receiver answered 410 Gone)',
};

/** A sentence for an audit action; unknown actions are shown as they are. */
export function describeAction(action: string): string {
  return actionText[action] ?? action;
}

/** The event's details as "key: value" pairs, never as markup. */
export function describeDetail(event: AuditEvent): string {
  return Object.entries(event.detail)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/**
 * The loaded pages as one list, newest first, each event once. The server pages newest first; this
 * keeps the table right even if a page comes back in another order or overlaps the previous one.
 */
export function newestFirst(events: readonly AuditEvent[]): AuditEvent[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const idOrder = (a: string, b: string) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(b) - Number(a) : b.localeCompare(a));
  return [...byId.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || idOrder(a.id, b.id));
}

/**
 * The group filter's options: the groups that exist now (as the Runners page names them), then the
 * deleted ones the log still holds, marked "(deleted)" so their history can be filtered too.
 */
export function groupFilterOptions(
  current: ReadonlyArray<{ id: string; name: string }>,
  inLog: readonly AuditGroup[],
): Array<{ id: string; label: string }> {
  const ids = new Set(current.map((g) => g.id));
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
  const live = [...current, ...inLog.filter((g) => !g.deleted && !ids.has(g.id))].sort(byName);
  const deleted = inLog.filter((g) => g.deleted && !ids.has(g.id)).sort(byName);
  return [...live.map((g) => ({ id: g.id, label: g.name })), ...deleted.map((g) => ({ id: g.id, label: `${g.name} (deleted)` }))];
}

/** A piece of an Activity sentence: words, or words that link to a view of the console. */
export type SentencePart = string | { text: string; to: string };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** The way an instance ended, in words: "OOMKilled (exit code 137)", "SIGTERM (signal 15)", "Lost (no exit was recorded)". */
export function endedWords(detail: Record<string, unknown>): string {
  const cause = TerminationCause.safeParse(detail.cause);
  const label = cause.success ? causeLabel[cause.data] : (str(detail.cause) ?? 'an unknown cause');
  const exit = num(detail.exitCode);
  const signal = num(detail.signal);
  const how = exit !== null ? `exit code ${exit}` : signal !== null ? `signal ${signal}` : cause.success && cause.data === 'lost' ? 'no exit was recorded' : null;
  return how ? `${label} (${how})` : label;
}

/**
 * An audit entry as a readable sentence (PRODUCT.md §3 round 2 "Activity"): who did what, the group and
 * the instance as links to their views (`/runners/{groupId}`, `/runners/{groupId}/instances/{instanceId}`).
 * Entries nobody asked for (actor `system`) read without a person. Unknown actions keep their name.
 */
export function describeEvent(e: AuditEvent): SentencePart[] {
  const d = e.detail;
  const who = e.actor === 'system' ? null : e.actor;
  const group: SentencePart = e.groupId ? { text: e.groupName ?? e.groupId, to: paths.group(e.groupId) } : (e.groupName ?? 'a deleted group');
  const instanceName = str(d.instanceName) ?? str(d.instanceId) ?? 'a runner';
  const instanceId = str(d.instanceId);
  const instance: SentencePart = e.groupId && instanceId ? { text: instanceName, to: paths.instance(e.groupId, instanceId) } : instanceName;
  const target = str(d.targetVersion);
  const reason = str(d.reason);
  const by = (rest: SentencePart[]): SentencePart[] => (who ? [`${who} `, ...rest] : rest);
  switch (e.action) {
    case 'group.created':
      return by(['created the runner group ', group, d.isDefault === true ? ' (the default group)' : '']);
    case 'group.renamed':
      return by(['renamed ', str(d.from) ?? 'a runner group', ' to ', group]);
    case 'group.deleted':
      return by(['deleted the runner group ', e.groupName ?? 'a runner group']);
    case 'group.set_default':
    case 'group.default_set':
      return by(['made ', group, ' the default group']);
    case 'group.key_rotated':
      return by(['rotated the registration key of ', group]);
    case 'update.requested':
      return by(['requested an update of ', group, target ? ` to ${target}` : '']);
    case 'update.succeeded':
      return ['The update of ', group, target ? ` to ${target}` : '', ' succeeded'];
    case 'update.rolled_back':
      return ['The update of ', group, target ? ` to ${target}` : '', ' was rolled back', reason ? `: ${reason}` : ''];
    case 'instance.registered': {
      const what = [str(d.platform), str(d.version) ? `version ${str(d.version)}` : null].filter(Boolean).join(', ');
      return ['Runner ', instance, ' registered in ', group, what ? ` (${what})` : '', d.replacesInstanceId ? ', replacing one an update retired' : ''];
    }
    case 'instance.ended': {
      const cause = str(d.cause);
      if (cause === 'lost') return ['Runner ', instance, ' of ', group, ' was lost: it stayed disconnected and no exit was recorded'];
      if (cause === 'replaced') return ['Runner ', instance, ' of ', group, ' was replaced by an update'];
      return ['Runner ', instance, ' of ', group, ` ended: ${endedWords(d)}`];
    }
    case 'instance.stop_requested':
      return by(['asked runner ', instance, ' of ', group, ' to stop']);
    case 'instance.forgotten':
      // Its record is gone: the name, not a link to a view that would say it no longer exists.
      return by(['forgot runner ', instanceName, ' of ', group]);
    case 'instance.forgotten_ended': {
      const n = num(d.count) ?? 0;
      return by([`forgot ${n.toLocaleString()} ended ${n === 1 ? 'runner' : 'runners'} of `, group]);
    }
    case 'session.signed_in':
      return by(['signed in']);
    case 'session.signed_out':
      return by(['signed out']);
    case 'user.added':
      return by([`added the user ${str(d.username) ?? ''}${str(d.role) ? ` (${str(d.role)})` : ''}`]);
    case 'user.removed':
      return by([`removed the user ${str(d.username) ?? ''}`]);
    case 'user.password_reset':
      return by([`reset the password of ${str(d.username) ?? 'a user'}`]);
    default: {
      const detail = describeDetail(e);
      return by([`${describeAction(e.action)}`, e.groupId ? ' on ' : '', e.groupId ? group : '', detail ? ` (${detail})` : '']);
    }
  }
}

/** The sentence as plain text (for tests and the page title of a row). */
export function sentenceText(parts: readonly SentencePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}
