import type { ForgetEndedResponse, Instance } from '../contract';
import type { Deps } from './deps';
import { instanceView } from './liveness';
import { conflict, notFound } from './problem';
import { recordAudit } from './store/audit';
import type { Queryable } from './store/db';
import { publish, publishMany } from './store/events';
import { findGroup } from './store/groups';
import { findInstance, forgetInstances, requestStop } from './store/instances';

const missingGroup = () => notFound('No runner group with this id.');
const missingInstance = () => notFound('No instance with this id in this runner group (it may have been forgotten).');

/** One instance, Stop and Forget (PRODUCT.md §3 round 2 "Instances"): the admin's actions on a group's instances. */
export class InstanceService {
  /** Called after instances changed or went away, so the heartbeat path drops what it cached of them at once. */
  onChanged: (instanceIds: string[]) => void = () => {};

  constructor(private readonly deps: Deps) {}

  private async liveGroup(q: Queryable, groupId: string): Promise<{ id: string; name: string }> {
    const group = await findGroup(q, groupId);
    if (!group || group.deleted_at) throw missingGroup();
    return { id: group.id, name: group.name };
  }

  async get(groupId: string, instanceId: string): Promise<Instance> {
    await this.liveGroup(this.deps.db, groupId);
    const row = await findInstance(this.deps.db, groupId, instanceId);
    if (!row) throw missingInstance();
    return instanceView(row);
  }

  /**
   * Asks a connected instance to stop: its next heartbeat reply carries `stop`. Asking again changes
   * nothing (the first time is kept, and audited once); 409 when it is not connected.
   */
  async stop(actor: string, groupId: string, instanceId: string): Promise<Instance> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const row = await db.transaction(async (tx) => {
      const group = await this.liveGroup(tx, groupId);
      const asked = await requestStop(tx, group.id, instanceId, now);
      if (!asked) {
        const found = await findInstance(tx, group.id, instanceId);
        if (!found) throw missingInstance();
        throw conflict(`${found.name} is ${found.status}: only a connected instance can be stopped.`);
      }
      const stopped = asked.row;
      if (asked.first) {
        await recordAudit(tx, {
          at: now,
          actor,
          action: 'instance.stop_requested',
          group,
          detail: { instanceId: stopped.id, instanceName: stopped.name },
        });
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: group.id, entityId: stopped.id });
      }
      return stopped;
    });
    this.onChanged([row.id]);
    return instanceView(row);
  }

  /** Removes the record of an instance that is not connected (its runner, if it comes back, gets 410); 409 while connected. */
  async forget(actor: string, groupId: string, instanceId: string): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now();
    await db.transaction(async (tx) => {
      const group = await this.liveGroup(tx, groupId);
      const [gone] = await forgetInstances(tx, group.id, { id: instanceId }, now);
      if (!gone) {
        const found = await findInstance(tx, group.id, instanceId);
        if (!found) throw missingInstance();
        throw conflict(`${found.name} is connected: stop it first, or wait until it is disconnected, then forget it.`);
      }
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'instance.forgotten',
        group,
        detail: { instanceId: gone.id, instanceName: gone.name, status: gone.status },
      });
      await publish(tx, now, { kind: 'instance', op: 'delete', groupId: group.id, entityId: gone.id });
      await publish(tx, now, { kind: 'group', op: 'upsert', groupId: group.id, entityId: group.id });
    });
    this.onChanged([instanceId]);
  }

  /** Removes the records of every ended instance of the group; audited with the count when there were any. */
  async forgetEnded(actor: string, groupId: string): Promise<ForgetEndedResponse> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const gone = await db.transaction(async (tx) => {
      const group = await this.liveGroup(tx, groupId);
      const rows = await forgetInstances(tx, group.id, { ended: true }, now);
      if (rows.length === 0) return rows;
      await recordAudit(tx, { at: now, actor, action: 'instance.forgotten_ended', group, detail: { count: rows.length } });
      await publishMany(tx, now, [
        ...rows.map((r) => ({ kind: 'instance' as const, op: 'delete' as const, groupId: group.id, entityId: r.id })),
        { kind: 'group', op: 'upsert', groupId: group.id, entityId: group.id },
      ]);
      return rows;
    });
    if (gone.length > 0) this.onChanged(gone.map((r) => r.id));
    return { forgotten: gone.length };
  }
}
