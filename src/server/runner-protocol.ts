import { randomUUID } from 'node:crypto';
import {
  classifyTermination,
  type HeartbeatBody,
  type HeartbeatResponse,
  type RegisterBody,
  type RegisterResponse,
  type RunnerError,
  type RunnerEventBody,
  type TerminationReportBody,
  type TerminationReportResponse,
} from '../contract';
import type { Deps } from './deps';
import type { HeartbeatBatcher } from './heartbeats';
import { hashSecret, isWellFormedKey, newInstanceToken } from './keys';
import { terminationOf } from './liveness';
import { badRequest, conflict, gone, HttpProblem, keyRevokedDetail, notFound } from './problem';
import { publish } from './store/events';
import { findGroupByKeyHash, markFirstRegistration } from './store/groups';
import {
  disconnectInstance,
  findInstanceByToken,
  findInstanceInGroup,
  findInstanceToEnd,
  insertInstance,
  recordObservedEnd,
  setReplacedBy,
  type TokenInstance,
  terminateInstance,
  writeThroughHeartbeat,
} from './store/instances';
import { commandsFor, type UpdateService } from './updates';

/** Detail of the 401 for an instance token nobody knows. */
export const tokenRevokedDetail = 'instance token revoked or unknown';
const groupGoneDetail = 'runner group deleted: this runner should stop';

interface CachedInstance {
  row: TokenInstance;
  lastErrorJson: string;
}

/** The runner-facing protocol (PRODUCT.md §5): register, heartbeat, events. */
export class RunnerProtocol {
  /** Instances by token hash, so a heartbeat costs no database read. */
  private byToken = new Map<string, CachedInstance>();
  private tokenById = new Map<string, string>();
  private epoch = 0;

  constructor(
    private readonly deps: Deps,
    private readonly batcher: HeartbeatBatcher,
    private readonly updates: UpdateService,
  ) {}

  /** Drops cached knowledge of an instance (its row changed somewhere). */
  invalidateInstance(id: string): void {
    this.epoch++;
    const hash = this.tokenById.get(id);
    if (hash) this.byToken.delete(hash);
    this.tokenById.delete(id);
  }

  /** Drops every cached instance of a group (deleted or changed wholesale). */
  invalidateGroup(groupId: string): void {
    this.epoch++;
    for (const [hash, c] of this.byToken) {
      if (c.row.group_id === groupId) {
        this.byToken.delete(hash);
        this.tokenById.delete(c.row.id);
      }
    }
  }

  private remember(hash: string, row: TokenInstance): void {
    if (this.byToken.size > 200_000) {
      this.byToken.clear();
      this.tokenById.clear();
    }
    this.byToken.set(hash, { row, lastErrorJson: errorKey(row.last_error) });
    this.tokenById.set(row.id, hash);
  }

  private async lookup(token: string): Promise<{ hash: string; cached: CachedInstance } | null> {
    const hash = hashSecret(token);
    const hit = this.byToken.get(hash);
    if (hit) return { hash, cached: hit };
    const epoch = this.epoch;
    const row = await findInstanceByToken(this.deps.db, hash);
    if (!row) return null;
    if (typeof row.last_error === 'string') row.last_error = JSON.parse(row.last_error);
    if (epoch === this.epoch) this.remember(hash, row);
    return { hash, cached: { row, lastErrorJson: errorKey(row.last_error) } };
  }

  async register(bearer: string, body: RegisterBody): Promise<RegisterResponse> {
    const { db, clock, config } = this.deps;
    let groupId: string;
    let replaced: TokenInstance | null = null;
    if (bearer.startsWith('prk_')) {
      if (!isWellFormedKey(bearer)) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
      const group = await findGroupByKeyHash(db, hashSecret(bearer));
      if (!group) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
      if (group.deleted_at) throw gone(groupGoneDetail);
      groupId = group.id;
      if (body.replaces) replaced = await findInstanceInGroup(db, body.replaces, groupId);
    } else {
      const old = await findInstanceByToken(db, hashSecret(bearer));
      // One replacement per token: once replaced (or ended), the token registers nothing more.
      if (!old || old.status === 'terminated' || old.replaced_by) {
        throw new HttpProblem(401, 'Unauthorized', old ? tokenRevokedDetail : keyRevokedDetail);
      }
      if (old.group_deleted) throw gone(groupGoneDetail);
      if (body.replaces !== old.id) {
        throw badRequest(
          [{ field: 'replaces', message: "must be the id of the instance whose token is used" }],
          'Registering with an instance token needs replaces set to that instance.',
        );
      }
      groupId = old.group_id;
      replaced = old;
    }

    const id = randomUUID();
    const token = newInstanceToken();
    const now = clock.now();
    await db.transaction(async (tx) => {
      await insertInstance(tx, { id, groupId, tokenHash: hashSecret(token), ...body, at: now });
      await markFirstRegistration(tx, groupId, now);
      if (replaced) {
        await terminateInstance(
          tx,
          replaced.id,
          { exitCode: 0, signal: null, reason: 'Replaced', at: now, cause: 'replaced' },
          { keepReplaced: false },
        );
        await setReplacedBy(tx, replaced.id, id);
        const updateId = await this.updates.onReplaced(tx, replaced, { id, name: body.name, version: body.version });
        if (updateId) await publish(tx, now, { kind: 'update', op: 'upsert', groupId, entityId: updateId });
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId, entityId: replaced.id });
      }
      await publish(tx, now, { kind: 'instance', op: 'upsert', groupId, entityId: id });
      await publish(tx, now, { kind: 'group', op: 'upsert', groupId, entityId: groupId });
    });
    if (replaced) {
      this.invalidateInstance(replaced.id);
      this.batcher.forget(replaced.id);
    }
    this.updates.invalidate(groupId);
    return { instanceId: id, instanceToken: token, heartbeatSeconds: config.heartbeatSeconds };
  }

  async heartbeat(token: string, body: HeartbeatBody): Promise<HeartbeatResponse> {
    const { db, clock, config } = this.deps;
    const found = await this.lookup(token);
    if (!found) throw new HttpProblem(401, 'Unauthorized', tokenRevokedDetail);
    const { hash, cached } = found;
    const inst = cached.row;
    if (inst.group_deleted) throw gone(groupGoneDetail);
    const now = clock.now();
    const lastError = typeof body.lastError === 'string' ? errorFromText(body.lastError, inst.last_error, now) : body.lastError;
    const versionChanged = body.version !== inst.version;
    const reconnect = inst.status === 'disconnected';
    const errorChanged = lastError !== undefined && errorKey(lastError) !== cached.lastErrorJson;
    // The first heartbeat after registering is written at once (and announced): it proves the runner's loop works.
    const firstBeat = inst.heartbeats_on_version === 0 && inst.status !== 'terminated';
    let subject = inst;
    if (versionChanged || reconnect || errorChanged || firstBeat) {
      this.batcher.forget(inst.id);
      this.batcher.received++;
      const updated = await db.transaction(async (tx) => {
        const row = await writeThroughHeartbeat(tx, inst.id, {
          at: now,
          version: body.version,
          versionChanged,
          // Stamped with our clock too: the console compares it with lastHeartbeatAt, never the runner's clock.
          lastError: errorChanged ? lastError && { ...lastError, reportedAt: now.toISOString() } : undefined,
        });
        if (!row) return null;
        const updateId = versionChanged ? await this.updates.onVersion(tx, inst, body.version) : null;
        if (updateId) await publish(tx, now, { kind: 'update', op: 'upsert', groupId: inst.group_id, entityId: updateId });
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: inst.group_id, entityId: inst.id });
        if (versionChanged || reconnect) {
          await publish(tx, now, { kind: 'group', op: 'upsert', groupId: inst.group_id, entityId: inst.group_id });
        }
        return row;
      });
      if (updated) {
        if (typeof updated.last_error === 'string') updated.last_error = JSON.parse(updated.last_error);
        subject = { ...updated, group_deleted: false };
        this.invalidateInstance(inst.id);
        this.remember(hash, subject);
        if (versionChanged) this.updates.invalidate(inst.group_id);
      }
    } else {
      this.batcher.record(inst.id, now, inst.version);
    }
    const current = await this.updates.current(inst.group_id);
    return {
      commands: commandsFor(
        { id: subject.id, version: subject.version, status: subject.status, updateStartedId: subject.update_started_id },
        current,
      ),
      heartbeatSeconds: config.heartbeatSeconds,
    };
  }

  /**
   * An end observed outside the runner (PRODUCT.md §11), authenticated by the group's registration
   * key: recorded on the group's not-yet-ended instance of that name (202), or the record that
   * instance already has is answered unchanged (200): a record, once written, is final.
   */
  async reportTermination(key: string, body: TerminationReportBody): Promise<{ recorded: boolean; answer: TerminationReportResponse }> {
    const { db, clock } = this.deps;
    if (!key.startsWith('prk_') || !isWellFormedKey(key)) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
    const group = await findGroupByKeyHash(db, hashSecret(key));
    if (!group) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
    if (group.deleted_at) throw gone(groupGoneDetail);
    const now = clock.now();
    // The observer's clock may run ahead of ours: an end is never recorded in our future.
    const observedAt = new Date(body.observedAt);
    const at = observedAt.getTime() > now.getTime() ? now : observedAt;
    const cause = classifyTermination(body.exitCode, body.signal, body.reason);
    const result = await db.transaction(async (tx) => {
      const target = await findInstanceToEnd(tx, group.id, body.name);
      if (!target) return null;
      const updated = target.ended
        ? null
        : await recordObservedEnd(tx, target.id, {
            exitCode: body.exitCode,
            signal: body.signal,
            reason: body.reason,
            at,
            cause,
            observedBy: body.observedBy,
          });
      if (updated) {
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: group.id, entityId: target.id });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: group.id, entityId: group.id });
      }
      return { recorded: updated !== null, row: updated ?? target };
    });
    if (!result) throw notFound(`No instance named "${body.name.slice(0, 253)}" has registered in this group.`);
    if (result.recorded) {
      this.batcher.forget(result.row.id);
      this.invalidateInstance(result.row.id);
      this.updates.invalidate(group.id);
    }
    const termination = terminationOf(result.row);
    // Only if a write slipped past the row lock: the observer retries and then gets the record that won.
    if (!termination) throw conflict('Another record of this instance was being written; send the report again.');
    return { recorded: result.recorded, answer: { instanceId: result.row.id, termination } };
  }

  async event(token: string, body: RunnerEventBody): Promise<void> {
    const { db, clock } = this.deps;
    const inst = await findInstanceByToken(db, hashSecret(token));
    if (!inst) throw new HttpProblem(401, 'Unauthorized', tokenRevokedDetail);
    if (inst.group_deleted) throw gone(groupGoneDetail);
    const now = clock.now();
    await db.transaction(async (tx) => {
      let changed = false;
      switch (body.type) {
        case 'update-started':
          await this.updates.started(tx, inst, body.updateId, now);
          changed = true;
          break;
        case 'update-failed':
          await this.updates.failed(tx, inst, body.updateId, body.reason, now);
          changed = true;
          break;
        case 'terminated':
          changed = await terminateInstance(tx, inst.id, {
            exitCode: body.exitCode,
            signal: body.signal,
            reason: body.reason,
            at: now,
            cause: classifyTermination(body.exitCode, body.signal, body.reason),
          });
          break;
        case 'goodbye':
          changed = await disconnectInstance(tx, inst.id, now, body.signal === 15);
          break;
      }
      if (changed) {
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId: inst.group_id, entityId: inst.id });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: inst.group_id, entityId: inst.group_id });
      }
    });
    if (body.type === 'goodbye' || body.type === 'terminated') this.batcher.forget(inst.id);
    this.invalidateInstance(inst.id);
    this.updates.invalidate(inst.group_id);
  }
}

/** What makes two reports the same error: the runner's fields, not when we received them. */
function errorKey(e: RunnerError | null | undefined): string {
  return JSON.stringify(e ? { kind: e.kind, message: e.message, at: e.at } : null);
}

/**
 * A last error sent as plain text: its kind guessed from the words, dated when first received (the
 * same text again keeps its date, so a runner repeating it does not count as a change).
 */
function errorFromText(text: string, previous: RunnerError | null | undefined, now: Date): RunnerError | null {
  const message = text.trim();
  if (message === '') return null;
  if (previous && previous.message === message) return previous;
  let kind: RunnerError['kind'] = 'other';
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|no such host|\bdns\b/i.test(message)) kind = 'dns';
  else if (/certificate|x509|\btls\b|\bssl\b/i.test(message)) kind = 'tls';
  else if (/ETIMEDOUT|timed? ?out/i.test(message)) kind = 'timeout';
  else if (/revoked|\b401\b/i.test(message)) kind = 'key_revoked';
  else if (/\b410\b|group deleted/i.test(message)) kind = 'group_deleted';
  else if (/too old|version/i.test(message)) kind = 'version_too_old';
  return { kind, message, at: now.toISOString() };
}

