import { randomUUID } from 'node:crypto';
import { compareVersions, type CreateGroupBody, groupSlug, type GroupWithKey, type Instance, type PatchGroupBody, type RunnerGroup } from '../contract';
import type { Deps } from './deps';
import { hashSecret, keyPrefix, newRegistrationKey } from './keys';
import { groupView, instanceView } from './liveness';
import { badRequest, conflict, notFound } from './problem';
import { recordAudit } from './store/audit';
import { isUniqueViolation, type Queryable } from './store/db';
import { publish } from './store/events';
import {
  countLiveGroups,
  findGroup,
  type GroupRow,
  type GroupSummaryRow,
  groupSummaries,
  insertGroup,
  findNameClash,
  renameGroup,
  setDefaultGroup,
  setGroupKey,
  softDeleteGroup,
} from './store/groups';
import { compareInstanceOrder, type InstanceCursor, instanceCursor, listInstances, listInstancesChunk } from './store/instances';
import { encodeCursor, type PageRequest } from './paging';
import { lockGroupNames } from './store/locks';
import { abandonActiveUpdate } from './store/updates';
import type { UpdateService } from './updates';

const missing = () => notFound('No runner group with this id.');
const duplicate = (name: string) => conflict(`A runner group named "${name}" already exists (names are compared ignoring case).`);
const clash = (name: string, other: { name: string; sameName: boolean }) =>
  other.sameName
    ? duplicate(other.name)
    : conflict(
        `The name "${name}" gives the same install names (slug "${groupSlug(name)}") as the runner group "${other.name}": its Helm release and secret would be shared. Choose a name that differs in its letters or digits.`,
        { otherGroup: other.name },
      );

/** Rows a statement of a whole instance list reads (≈ 15 ms of PGlite each). */
const wholeListChunk = 1000;

/** Runner groups: create, list, rename, default, rotate key, delete (PRODUCT.md §2, §5). */
export class RunnerGroups {
  /** Called after a group is deleted (the heartbeat path drops what it cached at once). */
  onDeleted: (groupId: string) => void = () => {};

  constructor(
    private readonly deps: Deps,
    private readonly updates: UpdateService,
  ) {}

  /** The answer for one live group (read in the caller's transaction, so it shows what was just written). */
  private async view(q: Queryable, row: GroupRow): Promise<RunnerGroup> {
    const now = this.deps.clock.now();
    const [summary] = await groupSummaries(q, now, [row.id]);
    if (!summary) throw missing();
    const active = await this.updates.activeByGroup(q, [row.id]);
    return this.toView(summary, active.get(row.id) ?? null, now);
  }

  private toView(row: GroupSummaryRow, active: RunnerGroup['activeUpdate'], now: Date): RunnerGroup {
    const { runnerVersion, updateDeadlineSeconds } = this.deps.config;
    const g = groupView(row, { latestVersion: runnerVersion, updateDeadlineSeconds }, active, now);
    g.versions.sort(compareVersions);
    return g;
  }

  /** Live groups by name; with a limit, one page and the cursor of the next (null on the last page). */
  async list(page: PageRequest<string> = { limit: null, after: null }): Promise<{ items: RunnerGroup[]; next: string | null }> {
    const now = this.deps.clock.now();
    // One more row than asked tells whether a next page exists.
    const rows = await groupSummaries(this.deps.db, now, undefined, { limit: page.limit === null ? null : page.limit + 1, after: page.after });
    const more = page.limit !== null && rows.length > page.limit;
    if (more) rows.length = page.limit!;
    const active = await this.updates.activeByGroup(this.deps.db);
    const items = rows.map((r) => this.toView(r, active.get(r.id) ?? null, now));
    return { items, next: more ? encodeCursor(rows.at(-1)!.name.toLowerCase()) : null };
  }

  async get(id: string): Promise<RunnerGroup> {
    const now = this.deps.clock.now();
    const [row] = await groupSummaries(this.deps.db, now, [id]);
    if (!row) throw missing();
    const active = await this.updates.activeByGroup(this.deps.db, [row.id]);
    return this.toView(row, active.get(row.id) ?? null, now);
  }

  /**
   * A group's instances; with a limit, one page and the cursor of the next (null on the last page).
   * A whole list is read in pieces of `wholeListChunk`, each turned into answers as it arrives, so no
   * single step holds heartbeats up for long.
   */
  async instances(id: string, page: PageRequest<InstanceCursor> = { limit: null, after: null }): Promise<{ items: Instance[]; next: string | null }> {
    const row = await findGroup(this.deps.db, id);
    if (!row || row.deleted_at) throw missing();
    const { limit, after } = page;
    if (limit === null) {
      const items: Instance[] = [];
      for (let afterId: string | null = null; ; ) {
        const chunk: Instance[] = (await listInstancesChunk(this.deps.db, id, afterId, wholeListChunk)).map(instanceView);
        for (const i of chunk) {
          items.push(i);
          if (afterId === null || i.id > afterId) afterId = i.id;
        }
        if (chunk.length < wholeListChunk) break;
      }
      return { items: items.sort(compareInstanceOrder), next: null };
    }
    // One more row than asked tells whether a next page exists.
    const items = (await listInstances(this.deps.db, id, { limit: limit + 1, after })).map(instanceView).sort(compareInstanceOrder);
    const more = items.length > limit;
    if (more) items.length = limit;
    return { items, next: more ? encodeCursor(instanceCursor(items.at(-1)!)) : null };
  }

  async create(actor: string, body: CreateGroupBody): Promise<GroupWithKey> {
    const { db, clock } = this.deps;
    const key = newRegistrationKey();
    const id = randomUUID();
    try {
      return await db.transaction(async (tx) => {
        await lockGroupNames(tx);
        const other = await findNameClash(tx, body.name, groupSlug(body.name));
        if (other) throw clash(body.name, other);
        const now = clock.now();
        const first = (await countLiveGroups(tx)) === 0;
        const makeDefault = first || body.isDefault === true;
        const cleared = makeDefault ? await setDefaultGroup(tx, id, now) : [];
        await insertGroup(tx, { id, name: body.name, slug: groupSlug(body.name), isDefault: makeDefault, keyHash: hashSecret(key), keyPrefix: keyPrefix(key), at: now });
        await recordAudit(tx, {
          at: now,
          actor,
          action: 'group.created',
          group: { id, name: body.name },
          detail: { isDefault: makeDefault, keyPrefix: keyPrefix(key) },
        });
        await publish(tx, now, { kind: 'group', op: 'upsert', groupId: id, entityId: id });
        for (const other of cleared) await publish(tx, now, { kind: 'group', op: 'upsert', groupId: other, entityId: other });
        const row = await findGroup(tx, id);
        return { ...(await this.view(tx, row!)), registrationKey: key };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(body.name);
      throw err;
    }
  }

  async patch(actor: string, id: string, body: PatchGroupBody): Promise<RunnerGroup> {
    const { db, clock } = this.deps;
    try {
      return await db.transaction(async (tx) => {
        await lockGroupNames(tx);
        const row = await findGroup(tx, id, { forUpdate: true });
        if (!row || row.deleted_at) throw missing();
        if (body.isDefault === false && row.is_default) {
          throw badRequest([{ field: 'isDefault', message: 'can only be set to true: make another group the default instead' }]);
        }
        const now = clock.now();
        const touched = new Set<string>();
        if (body.name !== undefined && body.name !== row.name) {
          const other = await findNameClash(tx, body.name, groupSlug(body.name), id);
          if (other) throw clash(body.name, other);
          await renameGroup(tx, id, body.name, groupSlug(body.name), now);
          await recordAudit(tx, {
            at: now,
            actor,
            action: 'group.renamed',
            group: { id, name: body.name },
            detail: { from: row.name, to: body.name },
          });
          touched.add(id);
        }
        if (body.isDefault === true && !row.is_default) {
          for (const other of await setDefaultGroup(tx, id, now)) touched.add(other);
          await recordAudit(tx, { at: now, actor, action: 'group.default_set', group: { id, name: body.name ?? row.name } });
          touched.add(id);
        }
        for (const g of touched) await publish(tx, now, { kind: 'group', op: 'upsert', groupId: g, entityId: g });
        return this.view(tx, (await findGroup(tx, id))!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(body.name ?? '');
      throw err;
    }
  }

  async rotateKey(actor: string, id: string): Promise<GroupWithKey> {
    const { db, clock } = this.deps;
    const key = newRegistrationKey();
    return db.transaction(async (tx) => {
      const row = await findGroup(tx, id, { forUpdate: true });
      if (!row || row.deleted_at) throw missing();
      const now = clock.now();
      await setGroupKey(tx, id, hashSecret(key), keyPrefix(key), now);
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'group.key_rotated',
        group: { id, name: row.name },
        detail: { oldKeyPrefix: row.key_prefix, keyPrefix: keyPrefix(key) },
      });
      await publish(tx, now, { kind: 'group', op: 'upsert', groupId: id, entityId: id });
      return { ...(await this.view(tx, (await findGroup(tx, id))!)), registrationKey: key };
    });
  }

  async remove(actor: string, id: string): Promise<void> {
    const { db, clock } = this.deps;
    await db.transaction(async (tx) => {
      await lockGroupNames(tx);
      const row = await findGroup(tx, id, { forUpdate: true });
      if (!row || row.deleted_at) throw missing();
      const now = clock.now();
      const newDefault = await softDeleteGroup(tx, id, now);
      await abandonActiveUpdate(tx, id, now, 'Runner group deleted');
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'group.deleted',
        group: { id, name: row.name },
        detail: { instancesCutOff: row.instance_count, connectedCutOff: row.connected_count },
      });
      await publish(tx, now, { kind: 'group', op: 'delete', groupId: id, entityId: id });
      if (newDefault) await publish(tx, now, { kind: 'group', op: 'upsert', groupId: newDefault, entityId: newDefault });
    });
    this.updates.invalidate(id);
    this.onDeleted(id);
  }
}
