// No zod here: the console's Notifications page imports these at run time.
import type { TerminationCause } from './schemas';
import { causeText } from './termination';

/** What a notification channel can be told about (PRODUCT.md §12). */
export const notificationEventTypes = [
  'group.down',
  'group.degraded',
  'group.recovered',
  'update.succeeded',
  'update.rolled_back',
  'instance.ended',
] as const;

/** Short words for each event type, as the console and e-mails show them. */
export const eventTypeLabel: Record<(typeof notificationEventTypes)[number] | 'test', string> = {
  'group.down': 'Group down',
  'group.degraded': 'Group degraded',
  'group.recovered': 'Group recovered',
  'update.succeeded': 'Update succeeded',
  'update.rolled_back': 'Update rolled back',
  'instance.ended': 'Instance ended',
  test: 'Test',
};

export const channelTypes = ['webhook', 'slack', 'email'] as const;

/** Causes of `instance.ended` a channel hears unless it chooses: every cause but the expected ends. */
export const quietCauses: readonly TerminationCause[] = ['completed', 'sigterm', 'replaced'];

/** Every termination cause there is (in the order of PRODUCT.md §2's table). */
export const allCauses = Object.keys(causeText) as TerminationCause[];

export function defaultCauses(): TerminationCause[] {
  return allCauses.filter((c) => !quietCauses.includes(c));
}
