import { randomUUID } from 'node:crypto';
import type { NotificationEventType, NotificationPayload, TerminationCause } from '../../contract';
import { instanceView } from '../liveness';
import type { Queryable } from '../store/db';
import { findInstanceInGroup } from '../store/instances';
import { insertEvent, listChannels, updateFacts } from '../store/notifications';
import { type EventFacts, type Health, wants } from './decisions';
import { groupHealth, healthInputOf } from '../health';
import { groupSummaries } from '../store/groups';
import { groupUrl } from './messages';

/** The NOTIFY channel that wakes every replica's dispatcher when an event is recorded. */
export const notifyChannel = 'paddock_notifications';

/** A change worth telling channels about, as the code that makes the change names it. */
export type OutboxEvent =
  | { type: 'instance.ended'; groupId: string; instanceId: string }
  | { type: 'update.succeeded' | 'update.rolled_back'; groupId: string; updateId: string }
  | {
      type: 'group.down' | 'group.degraded' | 'group.recovered';
      groupId: string;
      health: Health;
      healthReasons: string[];
      recoveredFrom?: Array<'group.down' | 'group.degraded'>;
    };

/** What domain code calls, inside the transaction of its change (PRODUCT.md §12 "Delivery"). */
export interface Outbox {
  record(tx: Queryable, at: Date, event: OutboxEvent): Promise<string | null>;
}

/**
 * Writes an event and its deliveries in the caller's transaction, so the change and the promise to
 * tell about it commit together (or not at all). Nothing is written when no channel wants it.
 */
export async function recordEvent(tx: Queryable, at: Date, event: OutboxEvent, baseUrl: string): Promise<string | null> {
  const channels = await listChannels(tx, { enabledOnly: true });
  if (channels.length === 0) return null;
  const instance = event.type === 'instance.ended' ? await findInstanceInGroup(tx, event.instanceId, event.groupId) : null;
  const instanceData = instance ? instanceView(instance) : undefined;
  const facts: EventFacts = {
    type: event.type as NotificationEventType,
    groupId: event.groupId,
    cause: instanceData?.termination?.cause as TerminationCause | undefined,
    recoveredFrom: 'recoveredFrom' in event ? event.recoveredFrom : undefined,
  };
  const targets = channels.filter((c) => wants({ enabled: c.enabled, events: c.events, groupIds: c.group_ids, causes: c.causes }, facts));
  if (targets.length === 0) return null;

  const [group] = await groupSummaries(tx, at, [event.groupId]);
  if (!group) return null;
  const { health, healthReasons } = 'health' in event ? event : groupHealth(healthInputOf(group), at);
  const id = randomUUID();
  const data: NotificationPayload['data'] = {
    group: { id: group.id, name: group.name, health, healthReasons, connectedCount: group.connected_count, instanceCount: group.instance_count },
    url: groupUrl(baseUrl, group.id),
  };
  if (instanceData) data.instance = instanceData;
  if (event.type === 'update.succeeded' || event.type === 'update.rolled_back') {
    const u = await updateFacts(tx, event.updateId);
    if (u) {
      data.update = {
        id: u.id,
        state: u.state,
        targetVersion: u.target_version,
        fromVersions: u.from_versions,
        requestedBy: u.requested_by,
        requestedAt: new Date(u.requested_at).toISOString(),
        finishedAt: u.finished_at ? new Date(u.finished_at).toISOString() : null,
        reason: u.reason,
      };
    }
  }
  const payload: NotificationPayload = { type: facts.type, id, timestamp: at.toISOString(), data };
  await insertEvent(tx, { id, type: facts.type, groupId: group.id, at, payload, channelIds: targets.map((c) => c.id) }, notifyChannel);
  return id;
}
