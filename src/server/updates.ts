import { randomUUID } from 'node:crypto';
import { compareVersions, type RunnerCommand, type Update } from '../contract';
import { type Deps, isUniqueViolation } from './deps';
import { updateView } from './liveness';
import { conflict, notFound } from './problem';
import { recordAudit } from './store/audit';
import type { Queryable } from './store/db';
import { publish } from './store/events';
import { findGroup, isUuid } from './store/groups';
import { connectedInstances, type InstanceRow } from './store/instances';
import {
  activeUpdates,
  addUpdateInstance,
  findActiveUpdate,
  findIdempotent,
  findLatestUpdate,
  finishUpdate,
  insertUpdate,
  listUpdates,
  saveIdempotent,
  setUpdateInstance,
  type UpdateInstanceRow,
  type UpdateRow,
  updateInstanceRows,
} from './store/updates';

/** Heartbeats an instance must send on the target version before an update can succeed. */
export const heartbeatsToSucceed = 3;

/** What the heartbeat path needs to know about an instance to pick its commands. */
export interface CommandSubject {
  id: string;
  version: string;
  status: InstanceRow['status'];
  updateStartedId: string | null;
}

/** The group's newest update and its per-instance rows. */
export interface CurrentUpdate {
  update: UpdateRow;
  rows: Map<string, UpdateInstanceRow>;
}

/** Commands for one heartbeat reply: `update` until taken up, `rollback` after a rolled-back update. */
export function commandsFor(inst: CommandSubject, current: CurrentUpdate | null): RunnerCommand[] {
  if (!current || inst.status === 'terminated') return [];
  const u = current.update;
  if (u.state === 'in_progress') {
    if (inst.version !== u.target_version && inst.updateStartedId !== u.id) {
      return [{ type: 'update', updateId: u.id, targetVersion: u.target_version }];
    }
    return [];
  }
  if (u.state === 'rolled_back') {
    const row = current.rows.get(inst.id);
    if (row && inst.version === u.target_version && row.from_version !== u.target_version) {
      return [{ type: 'rollback', updateId: u.id, targetVersion: row.from_version }];
    }
  }
  return [];
}

/** Decides whether an in-progress update has succeeded, must roll back, or goes on. */
export function updateOutcome(
  update: Pick<UpdateRow, 'state' | 'target_version' | 'deadline_at' | 'connected_at_request'>,
  connected: Array<Pick<InstanceRow, 'version' | 'heartbeats_on_version'>>,
  now: Date,
  deadlineSeconds?: number,
): { state: 'succeeded' } | { state: 'rolled_back'; reason: string } | null {
  if (update.state !== 'in_progress') return null;
  const done =
    connected.length > 0 &&
    connected.length >= update.connected_at_request &&
    connected.every((i) => i.version === update.target_version && i.heartbeats_on_version >= heartbeatsToSucceed);
  if (done) return { state: 'succeeded' };
  if (now.getTime() >= new Date(update.deadline_at).getTime()) {
    const onTarget = connected.filter((i) => i.version === update.target_version).length;
    const secs = deadlineSeconds ?? 300;
    return {
      state: 'rolled_back',
      reason: `Deadline passed: after ${secs} s, ${onTarget} of ${Math.max(connected.length, update.connected_at_request)} instances were running ${update.target_version}`,
    };
  }
  return null;
}

/** Update requests, progress and rollback (PRODUCT.md §2 "Update"). */
export class UpdateService {
  private cache = new Map<string, Promise<CurrentUpdate | null>>();
  private epoch = 0;

  constructor(private readonly deps: Deps) {}

  /** Forgets what is cached about a group's updates (called on every update/group event). */
  invalidate(groupId: string): void {
    this.epoch++;
    this.cache.delete(groupId);
  }

  /** The group's newest update if it still produces commands (in progress or rolled back). */
  current(groupId: string): Promise<CurrentUpdate | null> {
    const hit = this.cache.get(groupId);
    if (hit) return hit;
    const epoch = this.epoch;
    const load = (async () => {
      const update = await findLatestUpdate(this.deps.db, groupId);
      if (!update || update.state === 'succeeded') return null;
      const rows = await updateInstanceRows(this.deps.db, [update.id]);
      return { update, rows: new Map(rows.map((r) => [r.instance_id, r])) };
    })();
    load.catch(() => this.cache.delete(groupId));
    if (epoch === this.epoch) this.cache.set(groupId, load);
    return load;
  }

  async views(q: Queryable, rows: UpdateRow[]): Promise<Update[]> {
    const instances = await updateInstanceRows(
      q,
      rows.map((r) => r.id),
    );
    return rows.map((r) => updateView(r, instances));
  }

  async activeByGroup(q: Queryable, groupIds?: string[]): Promise<Map<string, Update>> {
    const rows = await activeUpdates(q, groupIds);
    const views = await this.views(q, rows);
    return new Map(views.map((v) => [v.groupId, v]));
  }

  async list(groupId: string): Promise<Update[]> {
    const group = await findGroup(this.deps.db, groupId);
    if (!group || group.deleted_at) throw notFound('No runner group with this id.');
    return this.views(this.deps.db, await listUpdates(this.deps.db, groupId));
  }

  /** Requests an update; answers {status, body} so an Idempotency-Key can replay it. */
  async request(
    actor: string,
    groupId: string,
    targetVersion: string | undefined,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: unknown }> {
    const { db, clock, config } = this.deps;
    // Before the Idempotency-Key lookup: a junk id (a decoded `%00`) must not reach the database as text.
    if (!isUuid(groupId)) throw notFound('No runner group with this id.');
    const scope = `update:${groupId}`;
    if (idempotencyKey) {
      const replay = await findIdempotent(db, actor, scope, idempotencyKey);
      if (replay) return replay;
    }
    const target = targetVersion ?? config.runnerVersion;
    let answer: { status: number; body: unknown };
    try {
      answer = await db.transaction(async (tx) => {
        // A conflict is an answer too: the same Idempotency-Key replays it ("replays the first answer").
        const refuse = async (body: unknown) => {
          if (idempotencyKey) await saveIdempotent(tx, { actor, scope, key: idempotencyKey, status: 409, body, at: clock.now() });
          return { status: 409, body };
        };
        const group = await findGroup(tx, groupId, { forUpdate: true });
        if (!group || group.deleted_at) throw notFound('No runner group with this id.');
        const active = await findActiveUpdate(tx, groupId);
        if (active) {
          const [view] = await this.views(tx, [active]);
          return refuse(conflict(`An update of ${group.name} is already running.`, { activeUpdate: view }).toJSON());
        }
        const connected = await connectedInstances(tx, groupId);
        if (connected.length === 0) {
          return refuse(conflict(`${group.name} has no connected instance to update.`).toJSON());
        }
        if (connected.every((i) => i.version === target)) {
          return refuse(conflict(`Every connected instance of ${group.name} already runs ${target}.`).toJSON());
        }
        const now = clock.now();
        const id = randomUUID();
        const fromVersions = [...new Set(connected.map((i) => i.version))].sort(compareVersions);
        const row: Omit<UpdateRow, 'state' | 'finished_at' | 'reason'> = {
          id,
          group_id: groupId,
          target_version: target,
          from_versions: fromVersions,
          requested_by: actor,
          requested_at: now,
          deadline_at: new Date(now.getTime() + config.updateDeadlineSeconds * 1000),
          connected_at_request: connected.length,
        };
        await insertUpdate(
          tx,
          row,
          connected.map((i) => ({
            instance_id: i.id,
            name: i.name,
            from_version: i.version,
            version: i.version,
            state: i.version === target ? 'updated' : 'pending',
          })),
        );
        await tx.query('UPDATE runner_groups SET desired_version = $2 WHERE id = $1', [groupId, target]);
        await recordAudit(tx, {
          at: now,
          actor,
          action: 'update.requested',
          group: { id: groupId, name: group.name },
          detail: { updateId: id, targetVersion: target, fromVersions },
        });
        await publish(tx, now, { kind: 'update', op: 'upsert', groupId, entityId: id });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId, entityId: groupId });
        const [view] = await this.views(tx, [{ ...row, state: 'in_progress', finished_at: null, reason: null }]);
        const body = view!;
        if (idempotencyKey) await saveIdempotent(tx, { actor, scope, key: idempotencyKey, status: 202, body, at: now });
        return { status: 202, body };
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another replica started one at the same moment, or the same Idempotency-Key raced us.
      if (idempotencyKey) {
        const replay = await findIdempotent(db, actor, scope, idempotencyKey);
        if (replay) return replay;
      }
      const active = await findActiveUpdate(db, groupId);
      const [view] = active ? await this.views(db, [active]) : [];
      answer = { status: 409, body: conflict('An update of this group is already running.', view ? { activeUpdate: view } : {}).toJSON() };
    }
    this.invalidate(groupId);
    return answer;
  }

  /** Keeps per-instance progress in step when an instance reports a new version. */
  async onVersion(tx: Queryable, inst: InstanceRow, version: string): Promise<boolean> {
    const latest = await findLatestUpdate(tx, inst.group_id);
    if (!latest || latest.state === 'succeeded') return false;
    const rows = await updateInstanceRows(tx, [latest.id]);
    const row = rows.find((r) => r.instance_id === inst.id);
    let state: UpdateInstanceRow['state'] | undefined;
    if (latest.state === 'in_progress' && version === latest.target_version) state = 'updated';
    if (latest.state === 'rolled_back' && row && version === row.from_version) state = 'rolled_back';
    if (row) return setUpdateInstance(tx, latest.id, inst.id, { version, state });
    if (latest.state === 'in_progress') {
      await addUpdateInstance(tx, latest.id, {
        instance_id: inst.id,
        name: inst.name,
        from_version: inst.version,
        version,
        state: state ?? 'pending',
      });
      return true;
    }
    return false;
  }

  /** A replacement registered: its row takes over the old instance's place in the update. */
  async onReplaced(tx: Queryable, old: InstanceRow, replacement: { id: string; name: string; version: string }): Promise<string | null> {
    const latest = await findLatestUpdate(tx, old.group_id);
    if (!latest || latest.state === 'succeeded') return null;
    const rows = await updateInstanceRows(tx, [latest.id]);
    const row = rows.find((r) => r.instance_id === old.id);
    if (!row) return null;
    let state = row.state;
    if (replacement.version === latest.target_version && latest.state === 'in_progress') state = 'updated';
    if (latest.state === 'rolled_back' && replacement.version === row.from_version) state = 'rolled_back';
    await setUpdateInstance(tx, latest.id, old.id, {
      newInstanceId: replacement.id,
      name: replacement.name,
      version: replacement.version,
      state,
    });
    return latest.id;
  }

  /** `update-started` from a runner: it took the command, so stop repeating it. */
  async started(tx: Queryable, inst: InstanceRow, updateId: string, at: Date): Promise<boolean> {
    if (!isUuid(updateId)) return false;
    const active = await findActiveUpdate(tx, inst.group_id);
    if (!active || active.id !== updateId) return false;
    await tx.query('UPDATE instances SET update_started_id = $2 WHERE id = $1', [inst.id, updateId]);
    const changed = await setUpdateInstance(tx, updateId, inst.id, { state: 'updating' });
    if (!changed) {
      await addUpdateInstance(tx, updateId, {
        instance_id: inst.id,
        name: inst.name,
        from_version: inst.version,
        version: inst.version,
        state: 'updating',
      });
    }
    await publish(tx, at, { kind: 'update', op: 'upsert', groupId: inst.group_id, entityId: updateId });
    return true;
  }

  /** `update-failed` from a runner: the update rolls back with the runner's reason. */
  async failed(tx: Queryable, inst: InstanceRow, updateId: string, reason: string, at: Date): Promise<boolean> {
    if (!isUuid(updateId)) return false;
    const [owner] = await tx.query<{ group_id: string }>('SELECT group_id::text AS group_id FROM updates WHERE id = $1', [updateId]);
    if (owner?.group_id !== inst.group_id) return false;
    const changed = await setUpdateInstance(tx, updateId, inst.id, { state: 'failed' });
    const ended = await finishUpdate(tx, updateId, 'rolled_back', at, `${inst.name} reported an update failure: ${reason}`);
    if (ended) {
      await tx.query(`UPDATE update_instances SET state = 'failed' WHERE update_id = $1 AND instance_id = $2`, [updateId, inst.id]);
      await this.auditEnd(tx, inst.group_id, updateId, 'update.rolled_back', at, `${inst.name} reported an update failure: ${reason}`);
    }
    if (changed || ended) {
      await publish(tx, at, { kind: 'update', op: 'upsert', groupId: inst.group_id, entityId: updateId });
      if (ended) await publish(tx, at, { kind: 'group', op: 'upsert', groupId: inst.group_id, entityId: inst.group_id });
    }
    return changed || ended;
  }

  private async auditEnd(tx: Queryable, groupId: string, updateId: string, action: string, at: Date, reason: string | null) {
    const group = await findGroup(tx, groupId);
    await recordAudit(tx, {
      at,
      actor: 'system',
      action,
      group: group ? { id: group.id, name: group.name } : null,
      detail: { updateId, ...(reason ? { reason } : {}) },
    });
  }

  /** Succeeds or rolls back every in-progress update whose outcome is decided (run by the sweeper). */
  async evaluate(now: Date): Promise<string[]> {
    const { db, config } = this.deps;
    const changedGroups: string[] = [];
    for (const u of await activeUpdates(db)) {
      const connected = await connectedInstances(db, u.group_id);
      const outcome = updateOutcome(u, connected, now, config.updateDeadlineSeconds);
      if (!outcome) continue;
      const reason = outcome.state === 'rolled_back' ? outcome.reason : null;
      const ended = await db.transaction(async (tx) => {
        const ok = await finishUpdate(tx, u.id, outcome.state, now, reason);
        if (!ok) return false;
        await this.auditEnd(tx, u.group_id, u.id, outcome.state === 'succeeded' ? 'update.succeeded' : 'update.rolled_back', now, reason);
        await publish(tx, now, { kind: 'update', op: 'upsert', groupId: u.group_id, entityId: u.id });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: u.group_id, entityId: u.group_id });
        return true;
      });
      if (ended) {
        this.invalidate(u.group_id);
        changedGroups.push(u.group_id);
      }
    }
    return changedGroups;
  }
}

