import { z } from 'zod';

/** Runner platforms an instance can report. */
export const platforms = ['kubernetes', 'docker', 'ec2', 'process'] as const;
export const Platform = z.enum(platforms);
export type Platform = z.infer<typeof Platform>;

/** Roles of console users: admins edit runners, viewers only look. */
export const Role = z.enum(['admin', 'viewer']);
export type Role = z.infer<typeof Role>;

/** An ISO 8601 time with its offset (the API answers UTC, `…Z`). */
export const isoTime = z.string().datetime({ offset: true });

/** A runner version: semver without build metadata, e.g. `1.4.0` or `1.5.0-rc.1`. */
export const Version = z
  .string()
  .trim()
  .max(64)
  .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a version such as 1.4.0');

/** Group names: 1–64 characters after trimming; letters, digits, space, `.`, `_`, `-`; at least one letter or digit. */
export const GroupName = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9 ._-]*$/, 'may contain only letters, digits, space, ".", "_" and "-" (letters A–Z, without accents)')
  // The install names (groupSlug) are made of the letters and digits: without any there would be none.
  .regex(/[A-Za-z0-9]/, 'must contain at least one letter or digit');

export const GroupStatus = z.enum(['connected', 'disconnected', 'waiting']);
export type GroupStatus = z.infer<typeof GroupStatus>;

/** A group's health (PRODUCT.md §2 "Group dot and health"), decided by the server's `groupHealth`. */
export const GroupHealth = z.enum(['healthy', 'degraded', 'down', 'waiting']);
export type GroupHealth = z.infer<typeof GroupHealth>;

export const InstanceStatus = z.enum(['connected', 'disconnected', 'terminated']);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const UpdateState = z.enum(['in_progress', 'succeeded', 'rolled_back']);
export type UpdateState = z.infer<typeof UpdateState>;

/** How a runner ended, classified from its exit fingerprint (see termination.ts). */
export const TerminationCause = z.enum([
  'completed',
  'oom_killed',
  'killed',
  'sigterm',
  'crash',
  'replaced',
  'lost',
  'evicted',
  'deadline_exceeded',
  'preempted',
]);
export type TerminationCause = z.infer<typeof TerminationCause>;

/**
 * Who recorded an end the runner could not report itself: `reconciler` (Kubernetes, PRODUCT.md §11),
 * `engine` (Docker's events), `server` (lost: nothing was heard for PADDOCK_LOST_AFTER_SECONDS).
 */
export const ObservedBy = z.enum(['runner', 'reconciler', 'engine', 'server']);
export type ObservedBy = z.infer<typeof ObservedBy>;

export const Termination = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.number().int().nullable(),
  reason: z.string().nullable(),
  at: isoTime,
  cause: TerminationCause,
  /** Absent or null when the runner reported its end itself. */
  observedBy: ObservedBy.nullable().optional(),
});
export type Termination = z.infer<typeof Termination>;

/** Kinds of connection error a runner can report with its heartbeat. */
export const RunnerErrorKind = z.enum(['dns', 'tls', 'timeout', 'key_revoked', 'group_deleted', 'version_too_old', 'other']);
export type RunnerErrorKind = z.infer<typeof RunnerErrorKind>;

export const RunnerError = z.object({
  kind: RunnerErrorKind,
  message: z.string().max(500),
  at: isoTime,
});
export type RunnerError = z.infer<typeof RunnerError>;

/**
 * A runner's last error as the control plane keeps it: `at` is the runner's clock, `reportedAt` the
 * control plane's, when the heartbeat carrying it arrived (comparable with `lastHeartbeatAt`).
 */
export const ReportedRunnerError = RunnerError.extend({ reportedAt: isoTime.optional() });
export type ReportedRunnerError = z.infer<typeof ReportedRunnerError>;

export const Instance = z.object({
  id: z.string(),
  groupId: z.string(),
  name: z.string(),
  platform: Platform,
  hostname: z.string(),
  address: z.string(),
  os: z.string(),
  arch: z.string(),
  version: z.string(),
  status: InstanceStatus,
  startedAt: isoTime,
  lastHeartbeatAt: isoTime,
  /** When the control plane marked it disconnected (missed heartbeats, or goodbye); null while connected. */
  disconnectedAt: isoTime.nullable().optional(),
  lastError: ReportedRunnerError.nullable(),
  termination: Termination.nullable(),
  /** When an admin asked it to stop (its next heartbeat reply carries `stop`); null when nobody did. */
  stopRequestedAt: isoTime.nullable().optional(),
});
export type Instance = z.infer<typeof Instance>;

/** `POST /runner-groups/{id}/instances/{instanceId}/stop` takes no fields (an empty body or `{}`). */
export const StopInstanceBody = z.strictObject({});
export type StopInstanceBody = z.infer<typeof StopInstanceBody>;

/** `DELETE /runner-groups/{id}/instances?ended=true`: forgetting every ended instance must be asked for by name. */
export const ForgetEndedQuery = z.strictObject({
  ended: z.literal('true', { error: 'must be true: only ended instances can be forgotten all at once' }),
});
export type ForgetEndedQuery = z.infer<typeof ForgetEndedQuery>;

/** The answer to forgetting every ended instance of a group. */
export const ForgetEndedResponse = z.object({ forgotten: z.number().int() });
export type ForgetEndedResponse = z.infer<typeof ForgetEndedResponse>;

export const UpdateInstanceState = z.enum(['pending', 'updating', 'updated', 'failed', 'rolled_back']);
export type UpdateInstanceState = z.infer<typeof UpdateInstanceState>;

export const Update = z.object({
  id: z.string(),
  groupId: z.string(),
  state: UpdateState,
  targetVersion: z.string(),
  fromVersions: z.array(z.string()),
  requestedBy: z.string(),
  requestedAt: isoTime,
  deadlineAt: isoTime,
  finishedAt: isoTime.nullable(),
  reason: z.string().nullable(),
  instances: z.array(
    z.object({ instanceId: z.string(), name: z.string(), version: z.string(), state: UpdateInstanceState }),
  ),
});
export type Update = z.infer<typeof Update>;

export const RunnerGroup = z.object({
  id: z.string(),
  name: z.string(),
  isDefault: z.boolean(),
  status: GroupStatus,
  connectedCount: z.number().int(),
  instanceCount: z.number().int(),
  versions: z.array(z.string()),
  latestVersion: z.string(),
  /** How long an Update may take before it is rolled back (`PADDOCK_UPDATE_DEADLINE_SECONDS`). */
  updateDeadlineSeconds: z.number().int(),
  keyPrefix: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  activeUpdate: Update.nullable(),
  health: GroupHealth,
  /** Why the group is not healthy, in words ("1 disconnected", "1 OOMKilled in the last hour"); empty when healthy. */
  healthReasons: z.array(z.string()),
  /** Instances that ended in the last 24 h, by cause; only causes with a count above 0. */
  recentEnds: z.partialRecord(TerminationCause, z.number().int()),
  /** The newest update that has finished (succeeded or rolled back); its `instances` may be empty. */
  lastUpdate: Update.nullable(),
});
export type RunnerGroup = z.infer<typeof RunnerGroup>;

/** The one response that carries a registration key: group creation and key rotation. */
export const GroupWithKey = RunnerGroup.extend({ registrationKey: z.string() });
export type GroupWithKey = z.infer<typeof GroupWithKey>;

export const CreateGroupBody = z.strictObject({
  name: GroupName,
  isDefault: z.boolean({ error: 'must be true or false' }).optional(),
});
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;

export const PatchGroupBody = z
  .strictObject({
    name: GroupName.optional(),
    /** `true` makes this group the default; `false` is accepted only where it changes nothing (not the default). */
    isDefault: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((b) => b.name !== undefined || b.isDefault !== undefined, { message: 'give name or isDefault' });
export type PatchGroupBody = z.infer<typeof PatchGroupBody>;

export const UpdateRequestBody = z.strictObject({ targetVersion: Version.optional() });
export type UpdateRequestBody = z.infer<typeof UpdateRequestBody>;

export const Session = z.object({ username: z.string(), role: Role });
export type Session = z.infer<typeof Session>;

export const SignInBody = z.strictObject({
  username: z.string({ error: 'is required' }).min(1, 'is required').max(128),
  password: z.string({ error: 'is required' }).min(1, 'is required').max(1024),
});
export type SignInBody = z.infer<typeof SignInBody>;

export const AuditEvent = z.object({
  id: z.string(),
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  groupId: z.string().nullable(),
  groupName: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditPage = z.object({ items: z.array(AuditEvent), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditQuery = z.strictObject({
  groupId: z.string().max(64).optional(),
  actor: z.string().max(128).optional(),
  /** Alias of `groupId` that also matches the group's name (ignoring case). */
  group: z.string().max(128).optional(),
  /** Alias of `actor`: the user who did it. */
  user: z.string().max(128).optional(),
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A group the audit log names, for the Activity page's filter: deleted ones keep the name they had last. */
export const AuditGroup = z.object({ id: z.string(), name: z.string(), deleted: z.boolean() });
export type AuditGroup = z.infer<typeof AuditGroup>;

/** `GET /audit-events/groups` takes no parameters. */
export const AuditGroupsQuery = z.strictObject({});

/** RFC 9457 problem details, with field errors for 400s. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  activeUpdate: Update.optional(),
});
export type Problem = z.infer<typeof Problem>;

// ---- runner protocol ----

/**
 * Text a runner (or an observer) sends that the console shows: control characters (C0 and C1 but
 * tab) and bidirectional formatting (overrides, embeddings, isolates, marks) are refused, so a
 * name or message cannot rewrite a line of the console or a log, or display reversed.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const plainTextRule = /^[^\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/;
/** The text with what plainTextRule refuses replaced by spaces (what a runner sends instead). */
export function toPlainText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
}
const plainTextMessage = 'must not contain control characters (other than tab) or bidirectional formatting characters';
const runnerText = (min: number, max: number) => z.string().trim().min(min).max(max).regex(plainTextRule, plainTextMessage);
const runnerMessage = (max: number) => z.string().max(max).regex(plainTextRule, plainTextMessage);

export const RegisterBody = z.strictObject({
  name: runnerText(1, 253),
  platform: Platform,
  hostname: runnerText(1, 253),
  address: runnerText(0, 253),
  os: runnerText(1, 64),
  arch: runnerText(1, 64),
  version: Version,
  replaces: runnerMessage(64).optional(),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const RegisterResponse = z.object({
  instanceId: z.string(),
  instanceToken: z.string(),
  heartbeatSeconds: z.number(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const HeartbeatBody = z.strictObject({
  version: Version,
  /** The last connection error as `{kind, message, at}`, or just its message (the server then guesses the kind). */
  lastError: z
    .union([z.strictObject({ kind: RunnerErrorKind, message: runnerMessage(500), at: isoTime }), runnerMessage(500)], {
      error: 'must be an object {kind, message, at}, a string of at most 500 characters, or null',
    })
    .nullable()
    .optional(),
});
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;

/** Move to another version: `update` toward the target, or `rollback` to the version before a rolled-back update. */
export const VersionCommand = z.object({
  type: z.enum(['update', 'rollback']),
  updateId: z.string(),
  targetVersion: z.string(),
});
export type VersionCommand = z.infer<typeof VersionCommand>;

/** An admin stopped this instance: say goodbye, exit 0, do not come back by itself. */
export const StopCommand = z.object({ type: z.literal('stop') });
export type StopCommand = z.infer<typeof StopCommand>;

export const RunnerCommand = z.union([VersionCommand, StopCommand]);
export type RunnerCommand = z.infer<typeof RunnerCommand>;

export const HeartbeatResponse = z.object({ commands: z.array(RunnerCommand), heartbeatSeconds: z.number() });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const RunnerEventBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('update-started'), updateId: z.string().max(64), targetVersion: Version.optional() }),
  z.strictObject({ type: z.literal('update-failed'), updateId: z.string().max(64), reason: runnerMessage(500) }),
  z.strictObject({
    type: z.literal('terminated'),
    // Each may be left out, as the "—" cells of PRODUCT.md §2's table: left out means null.
    exitCode: z.number().int().min(0).max(255).nullable().default(null),
    signal: z.number().int().min(1).max(64).nullable().default(null),
    reason: runnerMessage(64).nullable().default(null),
  }),
  z.strictObject({ type: z.literal('goodbye'), signal: z.number().int().min(1).max(64).optional() }),
]);
export type RunnerEventBody = z.infer<typeof RunnerEventBody>;

/**
 * `POST /runner/terminations` (registration key): how a runner's pod or container ended, as something
 * outside it observed (the Kubernetes reconciler, or the Docker engine), for the group's not-yet-ended instance of that name.
 */
export const TerminationReportBody = z.strictObject({
  name: runnerText(1, 253),
  // Each may be null, as the "—" cells of PRODUCT.md §2's table (left out means null too).
  exitCode: z.number().int().min(0).max(255).nullable().default(null),
  signal: z.number().int().min(1).max(64).nullable().default(null),
  reason: runnerMessage(64).nullable().default(null),
  /** When the end was observed (the container's finishedAt when the platform has it). */
  observedAt: isoTime,
  /**
   * Who saw it: the Kubernetes reconciler (§11), or a restarted runner container reading its own engine's
   * die and oom events (§10). Left out means the reconciler.
   */
  observedBy: z.enum(['reconciler', 'engine']).default('reconciler'),
});
export type TerminationReportBody = z.infer<typeof TerminationReportBody>;

/** The answer to a termination report: the instance it applies to and its (new or earlier) record. */
export const TerminationReportResponse = z.object({ instanceId: z.string(), termination: Termination });
export type TerminationReportResponse = z.infer<typeof TerminationReportResponse>;

// ---- live events (SSE) ----

/**
 * A change the console follows live; `audit` is a new audit-log entry (groupId '' when it names no
 * group); `notification` a notification channel changed or a delivery was attempted (entityId: the channel).
 */
export const LiveEvent = z.object({
  kind: z.enum(['group', 'instance', 'update', 'audit', 'notification']),
  op: z.enum(['upsert', 'delete']),
  groupId: z.string(),
  entityId: z.string(),
});
export type LiveEvent = z.infer<typeof LiveEvent>;

// ---- install templates ----

export const installPlatforms = ['helm', 'docker', 'cloudformation'] as const;
export const InstallPlatform = z.enum(installPlatforms);
export type InstallPlatform = z.infer<typeof InstallPlatform>;

/**
 * What `GET /install/{platform}` answers: everything a command needs except the key, and the
 * platform's command with `<registration-key>` and `<slug>` left blank.
 */
export const InstallTemplate = z.object({
  platform: InstallPlatform,
  serverUrl: z.string(),
  runnerVersion: z.string(),
  runnerImage: z.string(),
  helmChart: z.string(),
  cfnTemplateUrl: z.string(),
  command: z.string(),
});
export type InstallTemplate = z.infer<typeof InstallTemplate>;
