import { randomUUID } from 'node:crypto';
import { compareVersions, type RunnerCommand, type Update } from '../contract';
import type { Deps } from './deps';
import { updateView } from './liveness';
import { notFound } from './problem';
import { recordAudit } from './store/audit';
import { isUniqueViolation, type Queryable } from './store/db';
import { publish } from './store/events';
import { runDuty, tryLockUpdateOutcomes } from './store/locks';
import { findGroup, isUuid, setDesiredVersion } from './store/groups';
import { connectedInstances, type InstanceRow, markUpdateStarted } from './store/instances';
import {
  activeUpdates,
  addUpdateInstance,
  findActiveUpdate,
  findIdempotent,
  findLatestUpdate,
  findUpdateGroupId,
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

/** What an update request decides from the group's state (PRODUCT.md §2 "Update"). */
export type UpdateDecision =
  | {
      kind: 'accepted';
      target: string;
      /** The connected instances' versions, oldest first. */
      fromVersions: string[];
      /** One progress row per connected instance, those already on the target counted as updated. */
      instances: Array<Omit<UpdateInstanceRow, 'update_id'>>;
    }
  | { kind: 'already_running'; active: UpdateRow }
  | { kind: 'no_connected' }
  | { kind: 'all_on_target'; target: string };

/**
 * Decides an update request: refused while one runs (one active update per group), when no instance
 * is connected, or when every connected one already runs the target; else accepted.
 */
export function decideUpdateRequest(input: {
  active: UpdateRow | null;
  connected: Array<Pick<InstanceRow, 'id' | 'name' | 'version'>>;
  target: string;
}): UpdateDecision {
  const { active, connected, target } = input;
  if (active) return { kind: 'already_running', active };
  if (connected.length === 0) return { kind: 'no_connected' };
  if (connected.every((i) => i.version === target)) return { kind: 'all_on_target', target };
  return {
    kind: 'accepted',
    target,
    fromVersions: [...new Set(connected.map((i) => i.version))].sort(compareVersions),
    instances: connected.map((i) => ({
      instance_id: i.id,
      name: i.name,
      from_version: i.version,
      version: i.version,
      state: i.version === target ? 'updated' : 'pending',
    })),
  };
}

/**
 * What came of an update request, for the route to answer (202 with the update, or 409 saying
 * why). `groupName` is null when the group lost a race with another replica's request.
 */
export type UpdateRequestResult =
  | { kind: 'accepted'; update: Update }
  | { kind: 'already_running'; groupName: string | null; active: Update | null }
  | { kind: 'no_connected'; groupName: string }
  | { kind: 'all_on_target'; groupName: string; target: string };

/** An answer as it was first given, kept under an Idempotency-Key. */
export interface RecordedAnswer {
  status: number;
  body: unknown;
}

/** An Idempotency-Key, and how the caller answers a result (what a repeat of the key gets back). */
export interface Idempotency {
  key: string;
  answer: (result: UpdateRequestResult) => RecordedAnswer;
}

/** Update requests, progress and rollback (PRODUCT.md §2 "Update"). */
export class UpdateService {
  private cache = new Map<string, Promise<CurrentUpdate | null>>();
  private epoch = 0;
  private caching = true;

  constructor(private readonly deps: Deps) {}

  /** Forgets what is cached about a group's updates (called on every update/group event). */
  invalidate(groupId: string): void {
    this.epoch++;
    this.cache.delete(groupId);
  }

  /** Drops everything cached and, while `on` is false, caches nothing (see RunnerProtocol.setCaching). */
  setCaching(on: boolean): void {
    this.epoch++;
    this.caching = on;
    this.cache.clear();
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
    if (epoch === this.epoch && this.caching) this.cache.set(groupId, load);
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

  /**
   * Requests an update of a group. With an Idempotency-Key the caller's answer to the result is
   * stored in the same transaction, and a repeated key gets that first answer back as it was given
   * (a refusal too), whatever the group looks like by then.
   */
  async request(
    actor: string,
    groupId: string,
    targetVersion: string | undefined,
    idempotency?: Idempotency,
  ): Promise<UpdateRequestResult | { kind: 'replayed'; answer: RecordedAnswer }> {
    const { db, clock, config } = this.deps;
    // Before the Idempotency-Key lookup: a junk id (a decoded `%00`) must not reach the database as text.
    if (!isUuid(groupId)) throw notFound('No runner group with this id.');
    const scope = `update:${groupId}`;
    if (idempotency) {
      const replay = await findIdempotent(db, actor, scope, idempotency.key);
      if (replay) return { kind: 'replayed', answer: replay };
    }
    const target = targetVersion ?? config.runnerVersion;
    let result: UpdateRequestResult;
    try {
      result = await db.transaction(async (tx) => {
        const group = await findGroup(tx, groupId, { forUpdate: true });
        if (!group || group.deleted_at) throw notFound('No runner group with this id.');
        const decision = decideUpdateRequest({
          active: await findActiveUpdate(tx, groupId),
          connected: await connectedInstances(tx, groupId),
          target,
        });
        const now = clock.now();
        let outcome: UpdateRequestResult;
        switch (decision.kind) {
          case 'accepted':
            // The id as asked for, as before: the answer and its events echo it.
            outcome = { kind: 'accepted', update: await this.start(tx, actor, { id: groupId, name: group.name }, decision, now) };
            break;
          case 'already_running': {
            const [active] = await this.views(tx, [decision.active]);
            outcome = { kind: 'already_running', groupName: group.name, active: active! };
            break;
          }
          case 'no_connected':
            outcome = { kind: 'no_connected', groupName: group.name };
            break;
          case 'all_on_target':
            outcome = { kind: 'all_on_target', groupName: group.name, target: decision.target };
            break;
        }
        if (idempotency) {
          const answer = idempotency.answer(outcome);
          await saveIdempotent(tx, { actor, scope, key: idempotency.key, ...answer, at: now });
        }
        return outcome;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another replica started one at the same moment, or the same Idempotency-Key raced us.
      if (idempotency) {
        const replay = await findIdempotent(db, actor, scope, idempotency.key);
        if (replay) return { kind: 'replayed', answer: replay };
      }
      const active = await findActiveUpdate(db, groupId);
      const [view] = active ? await this.views(db, [active]) : [];
      result = { kind: 'already_running', groupName: null, active: view ?? null };
    }
    this.invalidate(groupId);
    return result;
  }

  /** Records an accepted update: its rows, the group's desired version, the audit entry and live events. */
  private async start(
    tx: Queryable,
    actor: string,
    group: { id: string; name: string },
    decision: Extract<UpdateDecision, { kind: 'accepted' }>,
    now: Date,
  ): Promise<Update> {
    const { config } = this.deps;
    const groupId = group.id;
    const id = randomUUID();
    const row: Omit<UpdateRow, 'state' | 'finished_at' | 'reason'> = {
      id,
      group_id: groupId,
      target_version: decision.target,
      from_versions: decision.fromVersions,
      requested_by: actor,
      requested_at: now,
      deadline_at: new Date(now.getTime() + config.updateDeadlineSeconds * 1000),
      connected_at_request: decision.instances.length,
    };
    await insertUpdate(tx, row, decision.instances);
    await setDesiredVersion(tx, groupId, decision.target);
    await recordAudit(tx, {
      at: now,
      actor,
      action: 'update.requested',
      group: { id: groupId, name: group.name },
      detail: { updateId: id, targetVersion: decision.target, fromVersions: decision.fromVersions },
    });
    await publish(tx, now, { kind: 'update', op: 'upsert', groupId, entityId: id });
    await publish(tx, now, { kind: 'group', op: 'upsert', groupId, entityId: groupId });
    const [view] = await this.views(tx, [{ ...row, state: 'in_progress', finished_at: null, reason: null }]);
    return view!;
  }

  /**
   * Keeps per-instance progress in step when an instance reports a new version; answers the id of
   * the update it changed, or null.
   */
  async onVersion(tx: Queryable, inst: InstanceRow, version: string): Promise<string | null> {
    const latest = await findLatestUpdate(tx, inst.group_id);
    if (!latest || latest.state === 'succeeded') return null;
    const rows = await updateInstanceRows(tx, [latest.id]);
    const row = rows.find((r) => r.instance_id === inst.id);
    let state: UpdateInstanceRow['state'] | undefined;
    if (latest.state === 'in_progress' && version === latest.target_version) state = 'updated';
    if (latest.state === 'rolled_back' && row && version === row.from_version) state = 'rolled_back';
    if (row) return (await setUpdateInstance(tx, latest.id, inst.id, { version, state })) ? latest.id : null;
    if (latest.state === 'in_progress') {
      await addUpdateInstance(tx, latest.id, {
        instance_id: inst.id,
        name: inst.name,
        from_version: inst.version,
        version,
        state: state ?? 'pending',
      });
      return latest.id;
    }
    return null;
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
    await markUpdateStarted(tx, inst.id, updateId);
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
    if ((await findUpdateGroupId(tx, updateId)) !== inst.group_id) return false;
    const changed = await setUpdateInstance(tx, updateId, inst.id, { state: 'failed' });
    // Read before it finishes: only an update in progress can roll back, and the entry names its target.
    const active = await findActiveUpdate(tx, inst.group_id);
    const ended = await finishUpdate(tx, updateId, 'rolled_back', at, `${inst.name} reported an update failure: ${reason}`);
    if (ended) {
      // Rolling back set every unfinished row to rolled_back; the runner that failed says so.
      await setUpdateInstance(tx, updateId, inst.id, { state: 'failed' });
      const targetVersion = active?.id === updateId ? active.target_version : null;
      await this.auditEnd(tx, inst.group_id, { id: updateId, targetVersion }, 'update.rolled_back', at, `${inst.name} reported an update failure: ${reason}`);
    }
    if (changed || ended) {
      await publish(tx, at, { kind: 'update', op: 'upsert', groupId: inst.group_id, entityId: updateId });
      if (ended) await publish(tx, at, { kind: 'group', op: 'upsert', groupId: inst.group_id, entityId: inst.group_id });
    }
    return changed || ended;
  }

  /** `update.succeeded` or `update.rolled_back` (with its reason): the Activity log's sentence names the target version. */
  private async auditEnd(
    tx: Queryable,
    groupId: string,
    update: { id: string; targetVersion: string | null },
    action: 'update.succeeded' | 'update.rolled_back',
    at: Date,
    reason: string | null,
  ) {
    const group = await findGroup(tx, groupId);
    await recordAudit(tx, {
      at,
      actor: 'system',
      action,
      group: group ? { id: group.id, name: group.name } : null,
      detail: { updateId: update.id, ...(update.targetVersion ? { targetVersion: update.targetVersion } : {}), ...(reason ? { reason } : {}) },
    });
    // Channels hear of it in the same transaction that ends the update.
    await this.deps.outbox?.record(tx, at, { type: action, groupId, updateId: update.id });
  }

  /**
   * Succeeds or rolls back every in-progress update whose outcome is decided (run by the sweeper), on
   * one replica at a time (the update outcomes duty lock); null when another replica is deciding them.
   */
  async evaluate(now: Date): Promise<string[] | null> {
    const { db, config } = this.deps;
    const pass = await runDuty(db, tryLockUpdateOutcomes, async (tx) => {
      const changedGroups: string[] = [];
      for (const u of await activeUpdates(tx)) {
        const connected = await connectedInstances(tx, u.group_id);
        const outcome = updateOutcome(u, connected, now, config.updateDeadlineSeconds);
        if (!outcome) continue;
        const reason = outcome.state === 'rolled_back' ? outcome.reason : null;
        // Conditional on the update still being in progress: a runner's update-failed may have ended it.
        if (!(await finishUpdate(tx, u.id, outcome.state, now, reason))) continue;
        await this.auditEnd(tx, u.group_id, { id: u.id, targetVersion: u.target_version }, outcome.state === 'succeeded' ? 'update.succeeded' : 'update.rolled_back', now, reason);
        await publish(tx, now, { kind: 'update', op: 'upsert', groupId: u.group_id, entityId: u.id });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: u.group_id, entityId: u.group_id });
        changedGroups.push(u.group_id);
      }
      return changedGroups;
    });
    if (!pass) return null;
    for (const g of pass.value) this.invalidate(g);
    return pass.value;
  }
}

