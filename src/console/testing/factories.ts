import type {
  ApiToken,
  AuditEvent,
  Instance,
  InstallPlatform,
  InstallTemplate,
  RunnerGroup,
  Termination,
  Update,
} from '../../contract';
import { defaultRunnerVersion, templateCommand } from '../../contract';

let seq = 0;
const nextId = (prefix: string) => `${prefix}_${(++seq).toString(36).padStart(6, '0')}`;

/** A fixed "now" for factories, so times in tests and screenshots are stable. */
export const factoryNow = Date.parse('2026-11-22T12:00:00Z');
export const ago = (seconds: number) => new Date(factoryNow - seconds * 1000).toISOString();

export function buildGroup(over: Partial<RunnerGroup> = {}): RunnerGroup {
  const id = over.id ?? nextId('grp');
  return {
    id,
    name: `Group ${id.slice(-4)}`,
    isDefault: false,
    status: 'waiting',
    connectedCount: 0,
    instanceCount: 0,
    versions: [],
    latestVersion: defaultRunnerVersion,
    updateDeadlineSeconds: 300,
    keyPrefix: 'prk_Ab3d',
    createdAt: ago(86_400 * 3),
    updatedAt: ago(3_600),
    activeUpdate: null,
    health: 'waiting',
    healthReasons: [],
    recentEnds: {},
    lastUpdate: null,
    ...over,
  };
}

export function buildTermination(over: Partial<Termination> = {}): Termination {
  return { exitCode: 137, signal: null, reason: 'OOMKilled', at: ago(600), cause: 'oom_killed', ...over };
}

export function buildInstance(over: Partial<Instance> = {}): Instance {
  const id = over.id ?? nextId('ins');
  return {
    id,
    groupId: 'grp_unknown',
    name: `runner-${id.slice(-4)}`,
    platform: 'docker',
    hostname: `host-${id.slice(-4)}`,
    address: '10.0.0.12',
    os: 'linux',
    arch: 'amd64',
    version: defaultRunnerVersion,
    status: 'connected',
    startedAt: ago(7_200),
    lastHeartbeatAt: ago(3),
    lastError: null,
    termination: null,
    ...over,
  };
}

export function buildUpdate(over: Partial<Update> = {}): Update {
  return {
    id: nextId('upd'),
    groupId: 'grp_unknown',
    state: 'in_progress',
    targetVersion: defaultRunnerVersion,
    fromVersions: ['1.3.0'],
    requestedBy: 'admin',
    requestedAt: ago(60),
    deadlineAt: ago(-240),
    finishedAt: null,
    reason: null,
    instances: [],
    ...over,
  };
}

export function buildAuditEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: nextId('aud'),
    at: ago(120),
    actor: 'admin',
    action: 'group.created',
    groupId: null,
    groupName: null,
    detail: {},
    ...over,
  };
}

export function buildInstallTemplate(platform: InstallPlatform): InstallTemplate {
  const settings = {
    serverUrl: 'https://paddock.example.com',
    runnerVersion: defaultRunnerVersion,
    runnerImage: 'ghcr.io/example/paddock-runner',
    helmChart: 'oci://ghcr.io/example/charts/paddock-runner',
    cfnTemplateUrl: 'https://paddock-templates.s3.amazonaws.com/runner.yaml',
  };
  return { platform, ...settings, command: templateCommand(platform, settings) };
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A registration key of the real shape: `prk_` + 46 base62 characters. */
export function buildRegistrationKey(): string {
  let s = 'prk_';
  for (let i = 0; i < 46; i++) s += base62[Math.floor(Math.random() * base62.length)];
  return s;
}

/** An API token secret of the real shape: `pat_` + 40 base62 characters. */
export function buildTokenSecret(): string {
  let s = 'pat_';
  for (let i = 0; i < 40; i++) s += base62[Math.floor(Math.random() * base62.length)];
  return s;
}

export function buildApiToken(over: Partial<ApiToken> = {}): ApiToken {
  return {
    id: nextId('tok'),
    name: 'terraform-ci',
    scope: 'read',
    prefix: 'pat_Ab12',
    owner: 'admin',
    createdAt: ago(86_400 * 3),
    expiresAt: null,
    lastUsedAt: null,
    lastUsedFrom: null,
    ...over,
  };
}
