import type { AuditEvent } from '../../../contract';

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
