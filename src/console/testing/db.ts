import {
  type ApiToken,
  type AuditEvent,
  causeLabel,
  compareVersions,
  defaultRunnerVersion,
  type Instance,
  isAbnormalEnd,
  type RunnerGroup,
  type Session,
  type TerminationCause,
  type Update,
} from '../../contract';
import type { DeliveryAttempt, NotificationChannel } from '../../contract/notifications';
import { buildAuditEvent, buildGroup, buildInstance, buildRegistrationKey, factoryNow } from './factories';

/**
 * The in-memory control plane behind the msw handlers (component tests and `npm run dev:mock`).
 * Group status, counts and versions are derived from its instances, as the server does.
 */
export interface MockDb {
  session: Session | null;
  /** Accepted passwords by username, for the Sign in page. */
  users: Map<string, { password: string; role: Session['role'] }>;
  groups: Map<string, RunnerGroup>;
  instances: Map<string, Instance[]>;
  updates: Map<string, Update[]>;
  audit: AuditEvent[];
  latestVersion: string;
  /** Every registration key handed out, so tests can assert where it (does not) show up. */
  issuedKeys: string[];
  /** Notification channels and their delivery logs (newest first); see notification-channels.ts. */
  channels: NotificationChannel[];
  deliveries: Map<string, DeliveryAttempt[]>;
  tokens: ApiToken[];
  /** Every webhook secret and API token secret handed out, for the same reason. */
  issuedSecrets: string[];
}

export function createDb(): MockDb {
  return {
    session: { username: 'admin', role: 'admin' },
    users: new Map([['admin', { password: 'admin-password', role: 'admin' }]]),
    groups: new Map(),
    instances: new Map(),
    updates: new Map(),
    audit: [],
    latestVersion: defaultRunnerVersion,
    issuedKeys: [],
    channels: [],
    deliveries: new Map(),
    tokens: [],
    issuedSecrets: [],
  };
}

/** The shared db the handlers read; tests reset it in setup.ts. */
export let db: MockDb = createDb();

export function resetDb(): MockDb {
  db = createDb();
  return db;
}

/** Recomputes a group's status, counts, versions and active update from the stored data. */
export function deriveGroup(group: RunnerGroup): RunnerGroup {
  const instances = db.instances.get(group.id) ?? [];
  const live = instances.filter((i) => i.status !== 'terminated');
  const connected = live.filter((i) => i.status === 'connected');
  const active = (db.updates.get(group.id) ?? []).find((u) => u.state === 'in_progress') ?? null;
  return {
    ...group,
    latestVersion: db.latestVersion,
    status: instances.length === 0 ? 'waiting' : connected.length > 0 ? 'connected' : 'disconnected',
    connectedCount: connected.length,
    instanceCount: live.length,
    // Like the server: what an update acts on (connected instances), or all while none is connected.
    versions: [...new Set((connected.length > 0 ? connected : live).map((i) => i.version))].sort(compareVersions),
    activeUpdate: active,
    ...mockHealth(group, instances, connected.length),
  };
}

/** Health as the server's `groupHealth` decides it (PRODUCT.md §2), at the time of the request. */
function mockHealth(
  group: RunnerGroup,
  instances: readonly Instance[],
  connected: number,
): Pick<RunnerGroup, 'health' | 'healthReasons' | 'recentEnds' | 'lastUpdate'> {
  const now = Date.now();
  const reasons: string[] = [];
  const disconnected = instances.filter((i) => i.status === 'disconnected').length;
  if (disconnected > 0) reasons.push(`${disconnected} disconnected`);
  const hour = new Map<TerminationCause, number>();
  const recentEnds: Partial<Record<TerminationCause, number>> = {};
  for (const i of instances) {
    const t = i.termination;
    if (!t) continue;
    const age = now - Date.parse(t.at);
    if (age < 86_400_000) recentEnds[t.cause] = (recentEnds[t.cause] ?? 0) + 1;
    if (age < 3_600_000 && isAbnormalEnd(t.cause)) hour.set(t.cause, (hour.get(t.cause) ?? 0) + 1);
  }
  for (const [cause, n] of [...hour].sort((a, b) => b[1] - a[1])) reasons.push(`${n} ${causeLabel[cause]} in the last hour`);
  const lastUpdate =
    (db.updates.get(group.id) ?? [])
      .filter((u) => u.state !== 'in_progress')
      .sort((a, b) => (b.finishedAt ?? b.requestedAt).localeCompare(a.finishedAt ?? a.requestedAt))[0] ?? null;
  if (lastUpdate?.state === 'rolled_back') {
    const age = now - Date.parse(lastUpdate.finishedAt ?? lastUpdate.requestedAt);
    if (age < 86_400_000) {
      const ago = age < 60_000 ? 'just now' : age < 3_600_000 ? `${Math.floor(age / 60_000)} min ago` : `${Math.floor(age / 3_600_000)} h ago`;
      reasons.push(`update to ${lastUpdate.targetVersion} rolled back ${ago}`);
    }
  }
  const health = connected > 0 ? (reasons.length > 0 ? 'degraded' : 'healthy') : instances.length > 0 ? 'down' : 'waiting';
  return { health, healthReasons: reasons, recentEnds, lastUpdate };
}

/** Adds a group with its instances (and updates) to the db; returns the derived group. */
export function seedGroup(
  over: Partial<RunnerGroup> = {},
  instances: Array<Partial<Instance>> = [],
  updates: Update[] = [],
): RunnerGroup {
  const group = buildGroup(over);
  if (group.isDefault) for (const g of db.groups.values()) g.isDefault = false;
  db.groups.set(group.id, group);
  db.instances.set(
    group.id,
    instances.map((i) => buildInstance({ ...i, groupId: group.id })),
  );
  db.updates.set(
    group.id,
    updates.map((u) => ({ ...u, groupId: group.id })),
  );
  return deriveGroup(group);
}

export function newKey(): string {
  const key = buildRegistrationKey();
  db.issuedKeys.push(key);
  return key;
}

export function audit(action: string, group: RunnerGroup | null, detail: Record<string, unknown> = {}) {
  db.audit.unshift(
    buildAuditEvent({
      at: new Date(Math.max(Date.now(), factoryNow)).toISOString(),
      actor: db.session?.username ?? 'admin',
      action,
      groupId: group?.id ?? null,
      groupName: group?.name ?? null,
      detail,
    }),
  );
}
