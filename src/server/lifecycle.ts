import type { ObservedBy, Platform } from '../contract';
import { recordAudit, recordAudits } from './store/audit';
import type { Queryable } from './store/db';
import type { EndRecord, LostInstance } from './store/instances';

// Runner lifecycle entries of the Activity page (PRODUCT.md §3 round 2), written by the system in
// the transaction of the change they report, so the log never says more or less than happened.

/** The actor of entries nobody asked for. */
export const systemActor = 'system';

/** `instance.registered`: a runner registered (an update's replacement says which instance it replaces). */
export function auditRegistered(
  tx: Queryable,
  at: Date,
  group: { id: string; name: string },
  instance: { id: string; name: string; version: string; platform: Platform },
  replaces: string | null,
): Promise<void> {
  return recordAudit(tx, {
    at,
    actor: systemActor,
    action: 'instance.registered',
    group,
    detail: {
      instanceId: instance.id,
      instanceName: instance.name,
      version: instance.version,
      platform: instance.platform,
      ...(replaces ? { replacesInstanceId: replaces } : {}),
    },
  });
}

/**
 * `instance.ended`: how an instance ended (its termination record), with who observed it when it was
 * not the runner itself.
 */
export function auditEnded(
  tx: Queryable,
  group: { id: string; name: string },
  instance: { id: string; name: string },
  end: EndRecord,
  observedBy?: ObservedBy,
): Promise<void> {
  return recordAudit(tx, { at: end.at, actor: systemActor, action: 'instance.ended', group, detail: endedDetail(instance, end, observedBy) });
}

/** `instance.ended` with cause lost for a batch the sweeper ended, in one statement. */
export function auditLost(tx: Queryable, at: Date, lost: LostInstance[]): Promise<void> {
  const end: EndRecord = { exitCode: null, signal: null, reason: null, at, cause: 'lost' };
  return recordAudits(
    tx,
    lost.map((l) => ({
      at,
      actor: systemActor,
      action: 'instance.ended',
      group: { id: l.group_id, name: l.group_name },
      detail: endedDetail(l, end, 'server'),
    })),
  );
}

function endedDetail(instance: { id: string; name: string }, end: EndRecord, observedBy?: ObservedBy): Record<string, unknown> {
  return {
    instanceId: instance.id,
    instanceName: instance.name,
    cause: end.cause,
    exitCode: end.exitCode,
    signal: end.signal,
    reason: end.reason,
    ...(observedBy ? { observedBy } : {}),
  };
}
