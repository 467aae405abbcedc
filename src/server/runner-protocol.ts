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
import type { Queryable } from './store/db';
import { publish } from './store/events';
import { auditEnded, auditRegistered } from './lifecycle';
import { findGroupByKeyHash, markFirstRegistration } from './store/groups';
import {
  setReplacedBy,
  disconnectInstance,
  type EndRecord,
  findInstanceByToken,
  findInstanceInGroup,
  findInstanceToEnd,
  insertInstance,
  isForgottenToken,
  recordObservedEnd,
  type TokenInstance,
  terminateInstance,
  writeThroughHeartbeat,
} from './store/instances';
import { commandsFor, type UpdateService } from './updates';

/** Detail of the 401 for an instance token nobody knows. */
export const tokenRevokedDetail = 'instance token revoked or unknown';
const groupGoneDetail = 'runner group deleted: this runner should stop';
/** Detail of the 410 for the token of an instance that has ended (terminated, replaced or stopped). */
export const instanceEndedDetail = 'this instance has ended (terminated or replaced): its runner should stop';
/** Detail of the 410 for the token of an instance an admin forgot. */
export const instanceForgottenDetail = 'instance forgotten in the console: this runner should stop';

/** How an instance ends when it says goodbye after an admin asked it to stop: a clean exit. */
const stoppedEnd = { exitCode: 0, signal: null, reason: 'Stopped', cause: 'completed' } as const;

interface CachedInstance {
  row: TokenInstance;
  lastErrorJson: string;
}

/** The runner-facing protocol (PRODUCT.md §5): register, heartbeat, events. */
export class RunnerProtocol {
  /** Instances by token hash, so a heartbeat costs no database read. */
  private byToken = new Map<string, CachedInstance>();
  private tokenById = new Map<string, string>();
  private caching = true;
  /**
   * What changed while token lookups were in flight, so that a lookup caches its row only when nothing
   * dropped that row meanwhile. Counted per instance and per group: one counter for everything would
   * keep every lookup from caching while any instance changes (a fleet reconnecting writes hundreds a
   * second), and each heartbeat would then read the database.
   */
  private generation = 0;
  private changedAt = new Map<string, number>();
  private clearedAt = 0;
  private lookupsInFlight = 0;

  constructor(
    private readonly deps: Deps,
    private readonly batcher: HeartbeatBatcher,
    private readonly updates: UpdateService,
  ) {}

  /** Notes that `key` (an instance id, or a group's `group:` key) changed, for the lookups in flight. */
  private changed(key: string): void {
    if (this.lookupsInFlight === 0) return;
    this.changedAt.set(key, ++this.generation);
    // Bounded: past the bound every lookup in flight is treated as raced, which is always safe.
    if (this.changedAt.size > 100_000) this.droppedAll();
  }

  private droppedAll(): void {
    this.clearedAt = ++this.generation;
    this.changedAt.clear();
  }

  /** Drops cached knowledge of an instance (its row changed somewhere). */
  invalidateInstance(id: string): void {
    this.changed(id);
    const hash = this.tokenById.get(id);
    if (hash) this.byToken.delete(hash);
    this.tokenById.delete(id);
  }

  /** Drops every cached instance of a group (deleted or changed wholesale). */
  invalidateGroup(groupId: string): void {
    this.changed(`group:${groupId}`);
    for (const [hash, c] of this.byToken) {
      if (c.row.group_id === groupId) {
        this.byToken.delete(hash);
        this.tokenById.delete(c.row.id);
      }
    }
  }

  /**
   * Drops every cached instance and, while `on` is false, caches none: without notifications (the
   * LISTEN connection is lost) a cached row could outlive its group's deletion on another replica.
   */
  setCaching(on: boolean): void {
    this.droppedAll();
    this.caching = on;
    this.byToken.clear();
    this.tokenById.clear();
  }

  private remember(hash: string, row: TokenInstance): void {
    if (!this.caching) return;
    if (this.byToken.size > 200_000) {
      this.byToken.clear();
      this.tokenById.clear();
    }
    this.byToken.set(hash, { row, lastErrorJson: errorKey(row.last_error) });
    this.tokenById.set(row.id, hash);
  }

  /** The answer to a token no instance has: 410 when its instance was forgotten (the runner stops), else 401. */
  private async unknownToken(token: string): Promise<HttpProblem> {
    if (await isForgottenToken(this.deps.db, hashSecret(token))) return gone(instanceForgottenDetail);
    return new HttpProblem(401, 'Unauthorized', tokenRevokedDetail);
  }

  private async lookup(token: string): Promise<{ hash: string; cached: CachedInstance } | null> {
    const hash = hashSecret(token);
    const hit = this.byToken.get(hash);
    if (hit) return { hash, cached: hit };
    const since = this.generation;
    this.lookupsInFlight++;
    let row: TokenInstance | null;
    try {
      row = await findInstanceByToken(this.deps.db, hash);
    } finally {
      this.lookupsInFlight--;
    }
    const raced =
      this.clearedAt > since || (this.changedAt.get(row?.id ?? '') ?? 0) > since || (this.changedAt.get(`group:${row?.group_id}`) ?? 0) > since;
    // With no lookup in flight, no change can matter to one any more.
    if (this.lookupsInFlight === 0) this.changedAt.clear();
    if (!row) return null;
    if (typeof row.last_error === 'string') row.last_error = JSON.parse(row.last_error);
    if (!raced) this.remember(hash, row);
    return { hash, cached: { row, lastErrorJson: errorKey(row.last_error) } };
  }

  async register(bearer: string, body: RegisterBody): Promise<RegisterResponse> {
    const { db, clock, config } = this.deps;
    let groupId: string;
    let groupName: string;
    let replaced: TokenInstance | null = null;
    if (bearer.startsWith('prk_')) {
      if (!isWellFormedKey(bearer)) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
      const group = await findGroupByKeyHash(db, hashSecret(bearer));
      if (!group) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
      if (group.deleted_at) throw gone(groupGoneDetail);
      groupId = group.id;
      groupName = group.name;
      // An instance that has ended keeps its record (final): the runner is simply registered.
      if (body.replaces) replaced = await findInstanceInGroup(db, body.replaces, groupId);
      if (replaced?.status === 'terminated') replaced = null;
    } else {
      const hash = hashSecret(bearer);
      const old = await findInstanceByToken(db, hash);
      if (!old && (await isForgottenToken(db, hash))) throw gone(instanceForgottenDetail);
      if (!old) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
      if (old.group_deleted) throw gone(groupGoneDetail);
      // One replacement per token: once replaced (or ended), the token registers nothing more.
      if (old.status === 'terminated' || old.replaced_by) throw gone(instanceEndedDetail);
      if (body.replaces !== old.id) {
        throw badRequest(
          [{ field: 'replaces', message: "must be the id of the instance whose token is used" }],
          'Registering with an instance token needs replaces set to that instance.',
        );
      }
      groupId = old.group_id;
      groupName = old.group_name;
      replaced = old;
    }

    const id = randomUUID();
    const token = newInstanceToken();
    const now = clock.now();
    const byToken = !bearer.startsWith('prk_');
    const didReplace = await db.transaction(async (tx) => {
      const group = { id: groupId, name: groupName };
      await insertInstance(tx, { id, groupId, tokenHash: hashSecret(token), ...body, at: now });
      await markFirstRegistration(tx, groupId, now);
      // `replaces` ends a live instance once: an ended one keeps its record, and of two registrations
      // racing for one instance only the first ends it. With the key the runner is registered anyway;
      // with the instance's own token nothing is (its token is dead).
      const replacedEnd: EndRecord = { exitCode: 0, signal: null, reason: 'Replaced', at: now, cause: 'replaced' };
      const claimed = replaced !== null && (await terminateInstance(tx, replaced.id, replacedEnd));
      if (replaced && !claimed && byToken) throw gone(instanceEndedDetail);
      await auditRegistered(tx, now, group, { id, ...body }, claimed ? replaced!.id : null);
      if (replaced && claimed) {
        await auditEnded(tx, group, replaced, replacedEnd);
        await setReplacedBy(tx, replaced.id, id);
        await this.deps.outbox?.record(tx, now, { type: 'instance.ended', groupId, instanceId: replaced.id });
        const updateId = await this.updates.onReplaced(tx, replaced, { id, name: body.name, version: body.version });
        if (updateId) await publish(tx, now, { kind: 'update', op: 'upsert', groupId, entityId: updateId });
        await publish(tx, now, { kind: 'instance', op: 'upsert', groupId, entityId: replaced.id });
      }
      await publish(tx, now, { kind: 'instance', op: 'upsert', groupId, entityId: id });
      await publish(tx, now, { kind: 'group', op: 'upsert', groupId, entityId: groupId });
      return claimed;
    });
    if (replaced && didReplace) {
      this.invalidateInstance(replaced.id);
      this.batcher.forget(replaced.id);
    }
    this.updates.invalidate(groupId);
    return { instanceId: id, instanceToken: token, heartbeatSeconds: config.heartbeatSeconds };
  }

  async heartbeat(token: string, body: HeartbeatBody): Promise<HeartbeatResponse> {
    const { db, clock, config } = this.deps;
    const found = await this.lookup(token);
    if (!found) throw await this.unknownToken(token);
    const { hash, cached } = found;
    const inst = cached.row;
    if (inst.group_deleted) throw gone(groupGoneDetail);
    if (inst.status === 'terminated') throw gone(instanceEndedDetail);
    const now = clock.now();
    const lastError =
      typeof body.lastError === 'string'
        ? errorFromText(redactSecrets(body.lastError), inst.last_error, now)
        : body.lastError && { ...body.lastError, message: redactSecrets(body.lastError.message) };
    const versionChanged = body.version !== inst.version;
    const reconnect = inst.status === 'disconnected';
    const errorChanged = lastError !== undefined && errorKey(lastError) !== cached.lastErrorJson;
    // The first heartbeat after registering is written at once (and announced): it proves the runner's loop works.
    const firstBeat = inst.heartbeats_on_version === 0;
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
        subject = { ...updated, group_deleted: false, group_name: inst.group_name };
        this.invalidateInstance(inst.id);
        this.remember(hash, subject);
        if (versionChanged) this.updates.invalidate(inst.group_id);
      }
    } else {
      this.batcher.record(inst.id, now, inst.version);
    }
    // A stop asked for by an admin comes before anything else: the runner leaves, updates are moot.
    if (subject.stop_requested_at && subject.status !== 'terminated') {
      return { commands: [{ type: 'stop' }], heartbeatSeconds: config.heartbeatSeconds };
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
        await auditEnded(tx, group, target, { exitCode: body.exitCode, signal: body.signal, reason: body.reason, at, cause }, 'reconciler');
        // An end the reconciler saw (evicted, preempted…) is told to channels like one the runner reported.
        await this.deps.outbox?.record(tx, now, { type: 'instance.ended', groupId: group.id, instanceId: target.id });
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
    if (!inst) throw await this.unknownToken(token);
    if (inst.group_deleted) throw gone(groupGoneDetail);
    if (inst.status === 'terminated') throw gone(instanceEndedDetail);
    const now = clock.now();
    const group = { id: inst.group_id, name: inst.group_name };
    // Ends the instance with this record, and says so in the Activity log when it had not ended yet.
    const end = async (tx: Queryable, record: EndRecord) => {
      const ended = await terminateInstance(tx, inst.id, record);
      if (ended) {
        await auditEnded(tx, group, inst, record);
        // Channels hear how it ended, in the transaction that ends it (PRODUCT.md §12 "Delivery").
        await this.deps.outbox?.record(tx, now, { type: 'instance.ended', groupId: inst.group_id, instanceId: inst.id });
      }
      return ended;
    };
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
          changed = await end(tx, {
            exitCode: body.exitCode,
            signal: body.signal,
            reason: body.reason,
            at: now,
            cause: classifyTermination(body.exitCode, body.signal, body.reason),
          });
          break;
        case 'goodbye':
          // SIGTERM ends it at once: its process is gone, a restarted one registers anew (PRODUCT.md §2
          // Liveness). After a Stop it ends as a clean exit. Any other goodbye: disconnected, may come back.
          if (body.signal === 15) changed = await end(tx, { exitCode: null, signal: 15, reason: null, at: now, cause: 'sigterm' });
          else if (inst.stop_requested_at) changed = await end(tx, { ...stoppedEnd, at: now });
          else changed = await disconnectInstance(tx, inst.id, now);
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

/**
 * Text with anything shaped like a Paddock secret (registration key, instance or API token, webhook
 * secret) cut down to its kind: a runner may quote a credential in an error, and the console shows
 * lastError to every viewer.
 */
export function redactSecrets(text: string): string {
  return text.replace(/\b(prk|pit|pat|whsec)_[A-Za-z0-9_-]*/g, '$1_[redacted]');
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

