import type { AuditEvent, AuditGroup } from '../../../contract';

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
