import type { Db } from './db';
import { lockMigrations } from './locks';

/** Versioned schema changes, applied in order, each once, in one transaction per version. */
export const migrations: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE runner_groups (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  key_hash text NOT NULL,
  key_prefix text NOT NULL,
  desired_version text,
  first_registered_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz
);
CREATE UNIQUE INDEX runner_groups_name_ci ON runner_groups (lower(name)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX runner_groups_one_default ON runner_groups (is_default) WHERE is_default AND deleted_at IS NULL;
CREATE UNIQUE INDEX runner_groups_key_hash ON runner_groups (key_hash);

CREATE TABLE instances (
  id uuid PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES runner_groups (id),
  token_hash text NOT NULL,
  name text NOT NULL,
  platform text NOT NULL,
  hostname text NOT NULL,
  address text NOT NULL,
  os text NOT NULL,
  arch text NOT NULL,
  version text NOT NULL,
  status text NOT NULL CHECK (status IN ('connected', 'disconnected', 'terminated')),
  started_at timestamptz NOT NULL,
  last_heartbeat_at timestamptz NOT NULL,
  heartbeats_on_version integer NOT NULL DEFAULT 0,
  disconnected_at timestamptz,
  last_error jsonb,
  term_exit_code integer,
  term_signal integer,
  term_reason text,
  term_at timestamptz,
  term_cause text,
  replaced_by uuid,
  update_started_id uuid
);
CREATE UNIQUE INDEX instances_token_hash ON instances (token_hash);
CREATE INDEX instances_group_status ON instances (group_id, status);
CREATE INDEX instances_connected_heartbeat ON instances (last_heartbeat_at) WHERE status = 'connected';

CREATE TABLE updates (
  id uuid PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES runner_groups (id),
  state text NOT NULL CHECK (state IN ('in_progress', 'succeeded', 'rolled_back')),
  target_version text NOT NULL,
  from_versions jsonb NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL,
  deadline_at timestamptz NOT NULL,
  finished_at timestamptz,
  reason text,
  connected_at_request integer NOT NULL
);
CREATE UNIQUE INDEX updates_one_active_per_group ON updates (group_id) WHERE state = 'in_progress';
CREATE INDEX updates_group_requested ON updates (group_id, requested_at DESC);

CREATE TABLE update_instances (
  update_id uuid NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  instance_id uuid NOT NULL,
  name text NOT NULL,
  from_version text NOT NULL,
  version text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'updating', 'updated', 'failed', 'rolled_back')),
  position integer NOT NULL,
  PRIMARY KEY (update_id, instance_id)
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username_ci ON users (lower(username));

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  group_id uuid,
  group_name text,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_group ON audit_events (group_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);

CREATE TABLE events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  op text NOT NULL,
  group_id text NOT NULL,
  entity_id text NOT NULL
);

CREATE TABLE idempotency_keys (
  actor text NOT NULL,
  scope text NOT NULL,
  key text NOT NULL,
  status integer NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (actor, scope, key)
);
`,
  },
  {
    version: 2,
    sql: `
CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
`,
  },
  {
    // Heartbeat writes touch no indexed column, so PostgreSQL updates the rows in place (HOT) and
    // the table and its indexes stop growing by a row version per heartbeat (PGlite runs no
    // autovacuum: 2,000 heartbeats/s grew them 12 MB a minute). Room is left in each page for
    // that. The sweeper finds connected instances through an index that heartbeats leave alone.
    version: 3,
    sql: `
DROP INDEX instances_connected_heartbeat;
CREATE INDEX instances_connected ON instances (id) WHERE status = 'connected';
ALTER TABLE instances SET (fillfactor = 70);
`,
  },
  {
    // The Activity page's user filter ignores case (usernames are unique ignoring case).
    version: 4,
    sql: `
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_actor ON audit_events (lower(actor), id);
`,
  },
  {
    // Health, Stop and Forget (issue 15). Health counts each group's ends of the last 24 h and the
    // sweeper finds instances disconnected for PADDOCK_LOST_AFTER_SECONDS: both through partial
    // indexes on columns heartbeats never change, so heartbeat writes stay HOT. A forgotten
    // instance's token is remembered (by hash) so that its runner gets 410 and stops. A goodbye on
    // SIGTERM used to leave its instance disconnected with a record; it now ends it at once, so such
    // rows end too (else the lost sweep would take them for silent ones).
    version: 6,
    sql: `
ALTER TABLE instances ADD COLUMN stop_requested_at timestamptz;
CREATE INDEX instances_group_ended ON instances (group_id, term_at) INCLUDE (term_cause) WHERE status = 'terminated';
CREATE INDEX instances_disconnected_since ON instances (disconnected_at) WHERE status = 'disconnected';
CREATE TABLE forgotten_tokens (
  token_hash text PRIMARY KEY,
  instance_id uuid NOT NULL,
  group_id uuid NOT NULL,
  forgotten_at timestamptz NOT NULL
);
CREATE INDEX forgotten_tokens_at ON forgotten_tokens (forgotten_at);
UPDATE instances SET status = 'terminated' WHERE status = 'disconnected' AND term_cause IS NOT NULL;
`,
  },
  {
    // Notifications (PRODUCT.md §12). An event is written in the transaction of the change it
    // reports, with one delivery row per channel that wants it: the row is the claim unit, so each
    // event reaches each channel once across replicas and restarts. Attempts are the delivery log.
    // The group state remembers which alert was sent, so an outage alerts once and recovers once.
    version: 7,
    sql: `
CREATE TABLE notification_channels (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('webhook', 'slack', 'email')),
  url text,
  recipients jsonb,
  secret text,
  events jsonb NOT NULL,
  group_ids jsonb,
  causes jsonb,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX notification_channels_name_ci ON notification_channels (lower(name));

CREATE TABLE notification_events (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  group_id uuid,
  at timestamptz NOT NULL,
  payload jsonb NOT NULL
);
CREATE INDEX notification_events_at ON notification_events (at);

CREATE TABLE notification_deliveries (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES notification_events (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  UNIQUE (event_id, channel_id)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_deliveries_channel ON notification_deliveries (channel_id) WHERE state = 'pending';

CREATE TABLE notification_attempts (
  id bigserial PRIMARY KEY,
  channel_id uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
  event_id text NOT NULL,
  event_type text NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('delivered', 'failed')),
  response_status integer,
  latency_ms integer NOT NULL,
  error text,
  next_attempt_at timestamptz
);
CREATE INDEX notification_attempts_channel ON notification_attempts (channel_id, id DESC);
CREATE INDEX notification_attempts_at ON notification_attempts (at);

CREATE TABLE notification_group_state (
  group_id uuid PRIMARY KEY,
  health text NOT NULL,
  since timestamptz NOT NULL,
  alerted text CHECK (alerted IN ('down', 'degraded')),
  alerts_sent jsonb NOT NULL DEFAULT '[]'
);
`,
  },
  {
    // API tokens (PRODUCT.md §13): only the secret's hash is kept. A token dies with its owner
    // (ON DELETE CASCADE); revoking deletes the row, so a revoked secret finds nothing.
    version: 8,
    sql: `
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('read', 'write')),
  secret_hash text NOT NULL,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  last_used_from text
);
CREATE UNIQUE INDEX api_tokens_secret_hash ON api_tokens (secret_hash);
CREATE UNIQUE INDEX api_tokens_user_name_ci ON api_tokens (user_id, lower(name));
`,
  },
  {
    // Who recorded an end the runner could not report itself ('reconciler': the Kubernetes
    // reconciler, PRODUCT.md §11); null when the runner reported it. Such reports find the
    // instance by group and name; neither column changes after insert, so heartbeats stay HOT.
    version: 9,
    sql: `
ALTER TABLE instances ADD COLUMN term_observed_by text;
CREATE INDEX instances_group_name ON instances (group_id, name);
`,
  },
  {
    // Sign-in limits live in the database so that every replica counts the same attempts, and a
    // row lock orders parallel attempts (PRODUCT.md §8 round 2). Group slugs (groupSlug in
    // src/contract/slug.ts, the same rule in SQL) are unique among live groups: two groups with one
    // slug would share a Helm release and secret. Existing groups whose slugs collide keep the
    // oldest one; the others get their id's last 12 characters added to their name.
    version: 12,
    sql: `
CREATE TABLE sign_in_limits (
  key text PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);
ALTER TABLE runner_groups ADD COLUMN slug text;
UPDATE runner_groups g SET name = left(g.name, 40) || '-' || right(g.id::text, 12)
FROM (
  SELECT id, row_number() OVER (PARTITION BY coalesce(nullif(regexp_replace(left(regexp_replace(lower(btrim(name)), '[^a-z0-9]+', '-', 'g'), 53), '^-+|-+$', '', 'g'), ''), 'runner-group') ORDER BY created_at, id) AS n
  FROM runner_groups WHERE deleted_at IS NULL
) d
WHERE g.id = d.id AND d.n > 1;
UPDATE runner_groups SET slug = coalesce(nullif(regexp_replace(left(regexp_replace(lower(btrim(name)), '[^a-z0-9]+', '-', 'g'), 53), '^-+|-+$', '', 'g'), ''), 'runner-group');
ALTER TABLE runner_groups ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX runner_groups_slug ON runner_groups (slug) WHERE deleted_at IS NULL;
`,
  },
  {
    // A whole instance list is read in pieces by id (listInstancesChunk).
    version: 13,
    sql: `
CREATE INDEX instances_group_id ON instances (group_id, id);
`,
  },
];

/** Brings the schema up to date; safe when several replicas start at once (advisory lock). */
export async function migrate(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
  });
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Every table a test may empty between cases, children first. */
export const allTables = [
  'notification_attempts',
  'notification_deliveries',
  'notification_events',
  'notification_channels',
  'notification_group_state',
  'update_instances',
  'updates',
  'instances',
  'sessions',
  'api_tokens',
  'users',
  'audit_events',
  'events',
  'idempotency_keys',
  'forgotten_tokens',
  'runner_groups',
  'settings',
  'sign_in_limits',
];
