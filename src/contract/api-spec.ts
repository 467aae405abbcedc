import { z } from 'zod';
import {
  AuditEvent,
  AuditGroup,
  AuditGroupsQuery,
  AuditPage,
  AuditQuery,
  CreateGroupBody,
  ForgetEndedQuery,
  ForgetEndedResponse,
  GroupWithKey,
  HeartbeatBody,
  HeartbeatResponse,
  Instance,
  InstallTemplate,
  isoTime,
  PatchGroupBody,
  Problem,
  RegisterBody,
  RegisterResponse,
  RunnerEventBody,
  RunnerGroup,
  Role,
  Session,
  SignInBody,
  StopInstanceBody,
  Termination,
  TerminationReportBody,
  TerminationReportResponse,
  Update,
  UpdateRequestBody,
} from './schemas';
import { CreateChannelBody, DeliveriesQuery, DeliveryAttempt, NotificationChannel, PatchChannelBody } from './notifications';
import { ApiToken, CreatedToken, CreateTokenBody } from './tokens';

/**
 * The one registry of Paddock's HTTP endpoints: data only (no I/O). The server generates
 * `GET /api/v1/openapi.json` from it, a test fails when the app has a route it lacks, and the test
 * kit checks every response the API tests receive against the generated document.
 * Whoever adds an endpoint adds its entry here.
 */

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/**
 * Who may call an endpoint:
 * - `public`: anyone;
 * - `viewer` / `admin`: a console session (cookie + CSRF header on mutations) or an API token
 *   (`Authorization: Bearer pat_…`, no CSRF header; `read` scope cannot mutate), with at least that role;
 * - `session`: a console session of any role, never an API token (`/session`, `/tokens`);
 * - `registration-key`, `instance-token`, `key-or-instance-token`: runner credentials;
 * - `local-secret`: the secret a control plane on embedded PGlite leaves for the CLI in its data directory.
 */
export type EndpointAuth =
  | 'public'
  | 'viewer'
  | 'admin'
  | 'session'
  | 'registration-key'
  | 'instance-token'
  | 'key-or-instance-token'
  | 'local-secret';

/** One response of an endpoint: JSON unless `contentType` says otherwise; no `schema` = no body. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: 'application/json' | 'application/problem+json' | 'text/event-stream' | 'text/plain';
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

export interface HeaderParamSpec {
  description: string;
  required?: boolean;
  schema: z.ZodType;
}

export interface EndpointSpec {
  method: HttpMethod;
  /** The full path, with `{name}` for each path parameter. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: EndpointAuth;
  /** Path parameters by name. */
  params?: Record<string, { description: string; schema: z.ZodType }>;
  query?: z.ZodObject;
  headers?: Record<string, HeaderParamSpec>;
  body?: { schema: z.ZodType; required: boolean; description?: string };
  /** Its own responses; those every endpoint of its kind shares come from `responsesOf`. */
  responses: Record<number, ResponseSpec>;
}

/** `?limit=&cursor=` of a list (design-round2.md): without limit the whole list; the next page's address is in `Link: <…>; rel="next"`. */
const PageQuery = z.object({
  limit: z.string().optional().describe('Page size, 1–1000; the next page is in the `Link` header (rel="next"), absent on the last page.'),
  cursor: z.string().optional().describe('Where the page starts, as the previous page\'s `Link` gave it.'),
});
const pageLink = { Link: { description: '`<…?limit=N&cursor=…>; rel="next"` when a next page exists.', schema: z.string() } };

/** RFC 9457 problem details; extension members beyond Paddock's own are allowed, as the RFC says. */
export const ProblemDetails = Problem.loose();
/** A problem+json answer. */
export const problem = (description: string): ResponseSpec => ({ description, schema: ProblemDetails, contentType: 'application/problem+json' });
const json = (description: string, schema: z.ZodType): ResponseSpec => ({ description, schema });
const noBody = (description: string): ResponseSpec => ({ description });

// ---- shapes only the document needs ----

/** `GET /healthz`. */
export const HealthStatus = z.object({ status: z.literal('ok') });
/** `GET /readyz`. */
export const ReadyStatus = z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) });
/** `POST /runner/events` answers an empty object. */
export const Accepted = z.object({});
/** The document itself, described loosely (it is OpenAPI 3.1). */
export const OpenApiDocument = z.object({ openapi: z.string() }).catchall(z.unknown());

/** `POST /notification-channels` answers a webhook channel with its secret, once; Slack and e-mail ones without. */
const CreatedNotificationChannel = NotificationChannel.extend({ secret: z.string().optional() });

/** The CLI's commands sent to the control plane holding embedded PGlite (`npm run paddock -- users|tokens …`). */
export const LocalUsersCommand = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('add'), username: z.string().min(1).max(128), role: Role, password: z.string().max(1024).optional() }),
  z.strictObject({ command: z.literal('list') }),
  z.strictObject({ command: z.literal('remove'), username: z.string().min(1).max(128) }),
  z.strictObject({ command: z.literal('reset-password'), username: z.string().min(1).max(128), password: z.string().max(1024).optional() }),
]);
export const LocalUsersAnswer = z.union([
  z.object({ password: z.string() }),
  z.object({ users: z.array(z.object({ username: z.string(), role: Role, createdAt: isoTime })) }),
  z.object({}),
]);
export const LocalTokensCommand = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('create'), user: z.string().min(1).max(128), token: CreateTokenBody }),
  z.strictObject({ command: z.literal('list'), user: z.string().min(1).max(128).optional() }),
  z.strictObject({ command: z.literal('revoke'), id: z.string().min(1).max(64) }),
]);
export const LocalTokensAnswer = z.union([CreatedToken, z.array(ApiToken)]);

/** Schemas the document names (`#/components/schemas/<name>`); others are written inline. */
export const namedSchemas: Record<string, z.ZodType> = {
  RunnerGroup,
  GroupWithKey,
  Instance,
  Termination,
  Update,
  AuditEvent,
  AuditPage,
  AuditGroup,
  Session,
  InstallTemplate,
  RegisterResponse,
  HeartbeatResponse,
  ApiToken,
  CreatedToken,
  NotificationChannel,
  DeliveryAttempt,
  Problem: ProblemDetails,
};

// ---- parameters ----

const groupId = { id: { description: 'The runner group id (a UUID).', schema: z.string() } };
const instanceParams = { ...groupId, instanceId: { description: 'The instance id (a UUID).', schema: z.string() } };
const idempotencyKey: Record<string, HeaderParamSpec> = {
  'Idempotency-Key': {
    description: 'Replays the first answer to a request with the same key (1–128 characters), instead of requesting another update.',
    schema: z.string().min(1).max(128),
  },
};

// ---- the endpoints ----

const v1 = '/api/v1';

export const endpoints: EndpointSpec[] = [
  // §5: session
  {
    method: 'post',
    path: `${v1}/session`,
    operationId: 'signIn',
    summary: 'Sign in',
    description: 'Sets the HttpOnly session cookie. Needs the `X-Requested-With: paddock` header. Rate limited per user and client.',
    tag: 'Session',
    auth: 'public',
    body: { schema: SignInBody, required: true },
    responses: {
      200: json('Signed in: who and with which role.', Session),
      401: problem('Wrong username or password (one message for both).'),
      403: problem('The CSRF check failed.'),
      429: { ...problem('Too many failed sign-ins; try again after Retry-After seconds.'), headers: { 'Retry-After': { description: 'Seconds to wait.', schema: z.string() } } },
    },
  },
  {
    method: 'get',
    path: `${v1}/session`,
    operationId: 'getSession',
    summary: 'Who am I',
    tag: 'Session',
    auth: 'session',
    responses: { 200: json('The signed-in user.', Session) },
  },
  {
    method: 'delete',
    path: `${v1}/session`,
    operationId: 'signOut',
    summary: 'Sign out',
    tag: 'Session',
    auth: 'session',
    responses: { 204: noBody('Signed out; the cookie is cleared.') },
  },

  // §5: runner groups
  {
    method: 'get',
    path: `${v1}/runner-groups`,
    operationId: 'listRunnerGroups',
    summary: 'List runner groups',
    description: 'Every group with its status, counts, versions and active update, by name; paged with `limit` and `cursor`.',
    tag: 'Runner groups',
    auth: 'viewer',
    query: PageQuery,
    responses: { 200: { ...json('The groups.', z.array(RunnerGroup)), headers: pageLink } },
  },
  {
    method: 'post',
    path: `${v1}/runner-groups`,
    operationId: 'createRunnerGroup',
    summary: 'Create a runner group',
    description: 'The answer is the only one that carries the registration key (`Cache-Control: no-store`).',
    tag: 'Runner groups',
    auth: 'admin',
    body: { schema: CreateGroupBody, required: true },
    responses: {
      201: {
        ...json('Created, with its registration key, once.', GroupWithKey),
        headers: { Location: { description: 'The new group.', schema: z.string() } },
      },
      409: problem('A group of that name already exists (ignoring case), or one whose install names (slug) are the same; the answer names it.'),
    },
  },
  {
    method: 'get',
    path: `${v1}/runner-groups/{id}`,
    operationId: 'getRunnerGroup',
    summary: 'Get a runner group',
    tag: 'Runner groups',
    auth: 'viewer',
    params: groupId,
    responses: { 200: json('The group.', RunnerGroup), 404: problem('No such group.') },
  },
  {
    method: 'patch',
    path: `${v1}/runner-groups/{id}`,
    operationId: 'updateRunnerGroup',
    summary: 'Rename a runner group or make it the default',
    tag: 'Runner groups',
    auth: 'admin',
    params: groupId,
    body: { schema: PatchGroupBody, required: true },
    responses: {
      200: json('The changed group.', RunnerGroup),
      404: problem('No such group.'),
      409: problem('Another group has that name (ignoring case) or the same install names (slug); the answer names it.'),
    },
  },
  {
    method: 'delete',
    path: `${v1}/runner-groups/{id}`,
    operationId: 'deleteRunnerGroup',
    summary: 'Delete a runner group',
    description: "Revokes its key and its instances' tokens; their runners get 410 and stop.",
    tag: 'Runner groups',
    auth: 'admin',
    params: groupId,
    responses: { 204: noBody('Deleted.'), 404: problem('No such group.') },
  },
  {
    method: 'post',
    path: `${v1}/runner-groups/{id}/registration-key`,
    operationId: 'rotateRegistrationKey',
    summary: 'Rotate the registration key',
    description: 'The old key stops working for new registrations; registered instances keep their tokens.',
    tag: 'Runner groups',
    auth: 'admin',
    params: groupId,
    responses: { 201: json('The group with its new key, once.', GroupWithKey), 404: problem('No such group.') },
  },
  {
    method: 'get',
    path: `${v1}/runner-groups/{id}/instances`,
    operationId: 'listInstances',
    summary: "List a group's instances",
    description: 'Connected, disconnected and ended instances, with their termination records; paged with `limit` and `cursor`.',
    tag: 'Instances',
    auth: 'viewer',
    params: groupId,
    query: PageQuery,
    responses: { 200: { ...json('The instances.', z.array(Instance)), headers: pageLink }, 404: problem('No such group.') },
  },
  {
    method: 'delete',
    path: `${v1}/runner-groups/{id}/instances`,
    operationId: 'forgetEndedInstances',
    summary: "Forget a group's ended instances",
    description: 'Only with `ended=true`: removes every ended instance and its record; connected and disconnected ones stay.',
    tag: 'Instances',
    auth: 'admin',
    params: groupId,
    query: ForgetEndedQuery,
    responses: { 200: json('How many were forgotten.', ForgetEndedResponse), 404: problem('No such group.') },
  },
  {
    method: 'get',
    path: `${v1}/runner-groups/{id}/instances/{instanceId}`,
    operationId: 'getInstance',
    summary: 'Get one instance',
    tag: 'Instances',
    auth: 'viewer',
    params: instanceParams,
    responses: { 200: json('The instance.', Instance), 404: problem('No such group or instance (or it was forgotten).') },
  },
  {
    method: 'delete',
    path: `${v1}/runner-groups/{id}/instances/{instanceId}`,
    operationId: 'forgetInstance',
    summary: 'Forget an instance',
    description: 'Removes a disconnected or ended instance; its runner, if it comes back, gets 410 and stops.',
    tag: 'Instances',
    auth: 'admin',
    params: instanceParams,
    responses: {
      204: noBody('Forgotten.'),
      404: problem('No such group or instance.'),
      409: problem('The instance is connected: stop it first.'),
    },
  },
  {
    method: 'post',
    path: `${v1}/runner-groups/{id}/instances/{instanceId}/stop`,
    operationId: 'stopInstance',
    summary: 'Stop an instance',
    description: 'Its next heartbeat answer carries `{type: "stop"}`; the runner says goodbye, exits 0 and does not come back by itself.',
    tag: 'Instances',
    auth: 'admin',
    params: instanceParams,
    body: { schema: StopInstanceBody, required: false },
    responses: {
      202: json('The instance, with stopRequestedAt set.', Instance),
      404: problem('No such group or instance.'),
      409: problem('The instance is not connected.'),
    },
  },
  {
    method: 'get',
    path: `${v1}/runner-groups/{id}/updates`,
    operationId: 'listUpdates',
    summary: "List a group's updates",
    description: 'Newest first, with per-instance progress.',
    tag: 'Updates',
    auth: 'viewer',
    params: groupId,
    responses: { 200: json('The updates.', z.array(Update)), 404: problem('No such group.') },
  },
  {
    method: 'post',
    path: `${v1}/runner-groups/{id}/updates`,
    operationId: 'requestUpdate',
    summary: 'Request an update of a group',
    description:
      'Connected runners on another version are told to update to `targetVersion` (default: the latest runner version); the update rolls back by itself after its deadline.',
    tag: 'Updates',
    auth: 'admin',
    params: groupId,
    headers: idempotencyKey,
    body: { schema: UpdateRequestBody, required: false },
    responses: {
      202: json('Requested.', Update),
      404: problem('No such group.'),
      409: problem('An update is already running (its `activeUpdate` is in the answer), no instance is connected, or all already run the target version.'),
    },
  },

  // §5: audit log, live events, install templates
  {
    method: 'get',
    path: `${v1}/audit-events`,
    operationId: 'listAuditEvents',
    summary: 'Read the audit log',
    description: 'Newest first, paged by `cursor` (the `nextCursor` of the previous page).',
    tag: 'Activity',
    auth: 'viewer',
    query: AuditQuery,
    responses: { 200: json('One page.', AuditPage) },
  },
  {
    method: 'get',
    path: `${v1}/audit-events/groups`,
    operationId: 'listAuditGroups',
    summary: 'Groups the audit log names',
    description: 'Deleted groups included, with the name they had last (for filters). Takes no parameters.',
    tag: 'Activity',
    auth: 'viewer',
    query: AuditGroupsQuery,
    responses: { 200: json('The groups.', z.array(AuditGroup)) },
  },
  {
    method: 'get',
    path: `${v1}/events`,
    operationId: 'streamEvents',
    summary: 'Follow changes live (Server-Sent Events)',
    description:
      'Events `group`, `instance`, `update` and `audit`, each `{kind, op, groupId, entityId}` with an id; resume with `Last-Event-ID` (or `?lastEventId=`). `resync` (no id) says events were lost while the database was away: refetch everything. The stream ends when its session or token ends.',
    tag: 'Live events',
    auth: 'viewer',
    query: z.object({ lastEventId: z.string().optional() }),
    headers: { 'Last-Event-ID': { description: 'The id of the last event seen, to replay what came after it.', schema: z.string() } },
    responses: { 200: { description: 'The event stream.', schema: z.string(), contentType: 'text/event-stream' } },
  },
  {
    method: 'get',
    path: `${v1}/install/{platform}`,
    operationId: 'getInstallTemplate',
    summary: 'Get an install template',
    description: 'What an install command needs, and the command with `<registration-key>` and `<slug>` left blank. Never the key.',
    tag: 'Install',
    auth: 'viewer',
    params: { platform: { description: '`helm`, `docker` or `cloudformation`.', schema: z.string() } },
    responses: { 200: json('The template.', InstallTemplate), 404: problem('No template for that platform.') },
  },

  // §13: API tokens and this document
  {
    method: 'get',
    path: `${v1}/tokens`,
    operationId: 'listTokens',
    summary: 'List API tokens',
    description: "Your own tokens; an admin's list holds everyone's. Never their secrets.",
    tag: 'API tokens',
    auth: 'session',
    responses: { 200: json('The tokens, newest first.', z.array(ApiToken)) },
  },
  {
    method: 'post',
    path: `${v1}/tokens`,
    operationId: 'createToken',
    summary: 'Create an API token',
    description:
      "The answer is the only one that carries the token's secret (`Cache-Control: no-store`). A token never does more than its owner's role; `read` cannot change anything.",
    tag: 'API tokens',
    auth: 'session',
    body: { schema: CreateTokenBody, required: true },
    responses: {
      201: json('Created, with its secret, once.', CreatedToken),
      409: problem('You already have a token of that name (ignoring case).'),
    },
  },
  {
    method: 'delete',
    path: `${v1}/tokens/{id}`,
    operationId: 'revokeToken',
    summary: 'Revoke an API token',
    description: 'Your own, or anyone\'s for an admin. It stops working at once.',
    tag: 'API tokens',
    auth: 'session',
    params: { id: { description: 'The token id.', schema: z.string() } },
    responses: { 204: noBody('Revoked.'), 404: problem('No such token (or not yours).') },
  },
  {
    method: 'get',
    path: `${v1}/openapi.json`,
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: json('OpenAPI 3.1.', OpenApiDocument) },
  },

  // §12: notification channels
  {
    method: 'get',
    path: `${v1}/notification-channels`,
    operationId: 'listNotificationChannels',
    summary: 'List notification channels',
    description: 'With their last delivery. Viewers see them too, never a secret.',
    tag: 'Notifications',
    auth: 'viewer',
    responses: { 200: json('The channels.', z.array(NotificationChannel)) },
  },
  {
    method: 'post',
    path: `${v1}/notification-channels`,
    operationId: 'createNotificationChannel',
    summary: 'Create a notification channel',
    description: 'A webhook channel answers its signing secret (`whsec_…`) once.',
    tag: 'Notifications',
    auth: 'admin',
    body: { schema: CreateChannelBody, required: true },
    responses: {
      201: json('Created; a webhook channel with its secret, this once (`Cache-Control: no-store`).', CreatedNotificationChannel),
      409: problem('A channel of that name exists (ignoring case).'),
    },
  },
  {
    method: 'get',
    path: `${v1}/notification-channels/{id}`,
    operationId: 'getNotificationChannel',
    summary: 'Get a notification channel',
    tag: 'Notifications',
    auth: 'viewer',
    params: { id: { description: 'The channel id.', schema: z.string() } },
    responses: { 200: json('The channel.', NotificationChannel), 404: problem('No such channel.') },
  },
  {
    method: 'patch',
    path: `${v1}/notification-channels/{id}`,
    operationId: 'updateNotificationChannel',
    summary: 'Change a notification channel',
    tag: 'Notifications',
    auth: 'admin',
    params: { id: { description: 'The channel id.', schema: z.string() } },
    body: { schema: PatchChannelBody, required: true },
    responses: {
      200: json('The changed channel.', NotificationChannel),
      404: problem('No such channel.'),
      409: problem('A channel of that name exists (ignoring case).'),
    },
  },
  {
    method: 'delete',
    path: `${v1}/notification-channels/{id}`,
    operationId: 'deleteNotificationChannel',
    summary: 'Delete a notification channel',
    tag: 'Notifications',
    auth: 'admin',
    params: { id: { description: 'The channel id.', schema: z.string() } },
    responses: { 204: noBody('Deleted.'), 404: problem('No such channel.') },
  },
  {
    method: 'post',
    path: `${v1}/notification-channels/{id}/test`,
    operationId: 'testNotificationChannel',
    summary: 'Send a test notification now',
    tag: 'Notifications',
    auth: 'admin',
    params: { id: { description: 'The channel id.', schema: z.string() } },
    responses: { 200: json('The attempt, also in the delivery log.', DeliveryAttempt), 404: problem('No such channel.') },
  },
  {
    method: 'get',
    path: `${v1}/notification-channels/{id}/deliveries`,
    operationId: 'listDeliveries',
    summary: "A channel's delivery log",
    description: 'Newest first.',
    tag: 'Notifications',
    auth: 'viewer',
    params: { id: { description: 'The channel id.', schema: z.string() } },
    query: DeliveriesQuery,
    responses: { 200: json('The attempts, newest first.', z.array(DeliveryAttempt)), 404: problem('No such channel.') },
  },

  // §5: runner protocol
  {
    method: 'post',
    path: `${v1}/runner/register`,
    operationId: 'registerRunner',
    summary: 'Register a runner',
    description:
      "With the group's registration key; or, to replace a live instance of the same group during an update, with that instance's token and `replaces`.",
    tag: 'Runner protocol',
    auth: 'key-or-instance-token',
    body: { schema: RegisterBody, required: true },
    responses: {
      201: json('Registered: the instance token the runner uses from now on.', RegisterResponse),
      401: problem('Registration key revoked or unknown (or the instance token is).'),
      410: problem('The group was deleted.'),
    },
  },
  {
    method: 'post',
    path: `${v1}/runner/heartbeat`,
    operationId: 'heartbeat',
    summary: 'Heartbeat',
    description: 'Answers the commands the runner should carry out (update, rollback).',
    tag: 'Runner protocol',
    auth: 'instance-token',
    body: { schema: HeartbeatBody, required: true },
    responses: {
      200: json('Commands for the runner.', HeartbeatResponse),
      401: problem('Instance token revoked or unknown.'),
      410: problem('The group was deleted, or the instance ended or was forgotten: the runner stops.'),
    },
  },
  {
    method: 'post',
    path: `${v1}/runner/events`,
    operationId: 'reportRunnerEvent',
    summary: 'Report a runner event',
    description: '`update-started`, `update-failed`, `terminated` (how its work ended) or `goodbye`.',
    tag: 'Runner protocol',
    auth: 'instance-token',
    body: { schema: RunnerEventBody, required: true },
    responses: {
      202: json('Recorded.', Accepted),
      401: problem('Instance token revoked or unknown.'),
      410: problem('The group was deleted, or the instance ended or was forgotten.'),
    },
  },
  // §11
  {
    method: 'post',
    path: `${v1}/runner/terminations`,
    operationId: 'reportTermination',
    summary: "Report how a group's instance ended, observed from outside it",
    description: 'For the Kubernetes reconciler: the end of the not-yet-ended instance of that name, observed by the platform.',
    tag: 'Runner protocol',
    auth: 'registration-key',
    body: { schema: TerminationReportBody, required: true },
    responses: {
      200: json('That instance had already ended: its earlier record, unchanged.', TerminationReportResponse),
      202: json('Recorded.', TerminationReportResponse),
      401: problem('Registration key revoked or unknown.'),
      404: problem('No instance of that name has registered in the group.'),
      409: problem('Another record of the instance was being written at that moment; send the report again.'),
      410: problem('The group was deleted.'),
    },
  },

  // operations
  {
    method: 'get',
    path: `${v1}/healthz`,
    operationId: 'healthz',
    summary: 'Liveness: the process is up',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: json('Up.', HealthStatus) },
  },
  {
    method: 'get',
    path: `${v1}/readyz`,
    operationId: 'readyz',
    summary: 'Readiness: the database is reachable',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: json('Ready.', ReadyStatus), 503: problem('The database is not reachable.') },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description: 'Instances by status, heartbeats received, updates by state, runner groups, and passes of each once-across-replicas duty this process ran or skipped.',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: { description: 'Prometheus text format 0.0.4.', schema: z.string(), contentType: 'text/plain' } },
  },

  // the CLI's way into a control plane that holds embedded PGlite
  {
    method: 'post',
    path: `${v1}/local/users`,
    operationId: 'localUsers',
    summary: 'Users CLI command (local)',
    description: 'Only while the control plane holds embedded PGlite on disk; `npm run paddock -- users …` sends its commands here.',
    tag: 'Local CLI',
    auth: 'local-secret',
    body: { schema: LocalUsersCommand, required: true },
    responses: {
      200: json('Done.', LocalUsersAnswer),
      401: problem('Unknown local secret.'),
      404: problem('No such user.'),
      409: problem('The user already exists.'),
    },
  },
  {
    method: 'post',
    path: `${v1}/local/tokens`,
    operationId: 'localTokens',
    summary: 'Tokens CLI command (local)',
    description: 'Only while the control plane holds embedded PGlite on disk; `npm run paddock -- tokens …` sends its commands here.',
    tag: 'Local CLI',
    auth: 'local-secret',
    body: { schema: LocalTokensCommand, required: true },
    responses: {
      200: json('The tokens.', z.array(ApiToken)),
      201: json('Created, with its secret, once.', CreatedToken),
      204: noBody('Revoked.'),
      401: problem('Unknown local secret.'),
      404: problem('No such user or token.'),
      409: problem('The user already has a token of that name.'),
    },
  },
];

/** Tag descriptions, in the document's order. */
export const tags: Array<{ name: string; description: string }> = [
  { name: 'Session', description: 'Signing in to the console. API tokens cannot use these.' },
  { name: 'Runner groups', description: 'Groups of runners, their registration keys and settings.' },
  { name: 'Instances', description: 'Runner processes of a group and how they ended.' },
  { name: 'Updates', description: 'Manual updates of a group, with automatic rollback.' },
  { name: 'Activity', description: 'The audit log.' },
  { name: 'Live events', description: 'Server-Sent Events for consoles and scripts that follow changes.' },
  { name: 'Install', description: 'Install templates for Helm, Docker and CloudFormation (never with a key).' },
  { name: 'Notifications', description: 'Alert channels (webhook, Slack, email) and their delivery logs.' },
  { name: 'API tokens', description: 'Tokens for scripts; managed from a console session only.' },
  { name: 'Runner protocol', description: 'What runners and the Kubernetes reconciler call.' },
  { name: 'Meta', description: 'Health, readiness, metrics and this document.' },
  { name: 'Local CLI', description: "The CLI's commands to a control plane that holds embedded PGlite (local secret)." },
];

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: z.string() } };

/**
 * Every response of an endpoint: its own, plus those its kind shares because of the middleware every
 * such endpoint goes through (400/413 for bodies and queries, 401/403 for credentials, 503 while the
 * database cannot be reached).
 */
export function responsesOf(e: EndpointSpec): Record<number, ResponseSpec> {
  const shared: Record<number, ResponseSpec> = {};
  if (e.body || e.query || e.headers?.['Idempotency-Key']) {
    shared[400] = problem('Malformed JSON, or a field that breaks its rule (`errors: [{field, message}]`).');
  }
  if (e.body) shared[413] = problem('The body is over 64 KiB.');
  const consoleFacing = e.auth === 'viewer' || e.auth === 'admin' || e.auth === 'session';
  if (consoleFacing) shared[401] = problem('Not signed in, or the API token is unknown, revoked or expired.');
  if (e.auth === 'session') shared[403] = problem('API tokens cannot use this endpoint, or the CSRF check failed.');
  else if (e.auth === 'admin' || (e.auth === 'viewer' && e.method !== 'get')) {
    shared[403] = problem("Needs the admin role (a token's owner's role), a `write` token, or a passed CSRF check.");
  }
  if (e.auth === 'registration-key' || e.auth === 'instance-token' || e.auth === 'key-or-instance-token' || e.auth === 'local-secret') {
    shared[401] = problem('The credential is unknown or revoked.');
  }
  if (e.operationId !== 'healthz' && e.operationId !== 'getOpenApiDocument') {
    shared[503] = { ...problem('The database cannot be reached; try again after Retry-After seconds.'), headers: retryAfter };
  }
  return { ...shared, ...e.responses };
}
