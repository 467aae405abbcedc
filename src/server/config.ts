import { fileURLToPath } from 'node:url';
import { defaultRunnerVersion } from '../contract';

/** The built console, wherever the process was started from. */
const repoDist = fileURLToPath(new URL('../../dist', import.meta.url));

/** Everything the control plane reads from its environment (PRODUCT.md §7). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Directory for PGlite's data (`<dataDir>/pgdata`), or `memory` for an in-memory PGlite. */
  dataDir: string;
  /** PostgreSQL connection string; empty means embedded PGlite. */
  databaseUrl: string;
  /** What runners dial and what same-origin checks accept; empty = the request's own origin. */
  publicUrl: string;
  adminPassword: string;
  runnerVersion: string;
  runnerImage: string;
  helmChart: string;
  cfnTemplateUrl: string;
  heartbeatSeconds: number;
  offlineAfterSeconds: number;
  /** How long an instance may stay disconnected before it ends as lost (`PADDOCK_LOST_AFTER_SECONDS`). */
  lostAfterSeconds: number;
  updateDeadlineSeconds: number;
  /** Directory holding the built console; a plain page says to run `npm run build` when missing. */
  distDir: string;
  /** Days ended instances are kept for post-mortems. */
  retentionDays: number;
  /** `PADDOCK_TRUST_PROXY=1`: the client address is the last `X-Forwarded-For` entry (a proxy in front adds it). */
  trustProxy: boolean;
}

export const defaultConfig: ServerConfig = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './.paddock',
  databaseUrl: '',
  publicUrl: '',
  adminPassword: '',
  runnerVersion: defaultRunnerVersion,
  runnerImage: 'ghcr.io/paddock/runner',
  helmChart: 'oci://ghcr.io/paddock/charts/paddock-runner',
  cfnTemplateUrl: 'https://paddock-templates.s3.amazonaws.com/paddock-runner.yaml',
  heartbeatSeconds: 5,
  offlineAfterSeconds: 20,
  lostAfterSeconds: 3600,
  updateDeadlineSeconds: 300,
  distDir: repoDist,
  retentionDays: 7,
  trustProxy: false,
};

function num(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return n;
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return defaultConfig.port;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`PORT must be a port number (0–65535), got "${value}"`);
  return n;
}

function str(value: string | undefined, fallback: string): string {
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

/** Reads the configuration of PRODUCT.md §7 from an environment. */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  return {
    ...defaultConfig,
    port: portFrom(env.PORT),
    host: str(env.HOST, defaultConfig.host),
    dataDir: str(env.PADDOCK_DATA_DIR, defaultConfig.dataDir),
    databaseUrl: str(env.DATABASE_URL, ''),
    publicUrl: str(env.PADDOCK_PUBLIC_URL, '').replace(/\/+$/, ''),
    adminPassword: env.PADDOCK_ADMIN_PASSWORD ?? '',
    runnerVersion: str(env.PADDOCK_RUNNER_VERSION, defaultConfig.runnerVersion),
    runnerImage: str(env.PADDOCK_RUNNER_IMAGE, defaultConfig.runnerImage),
    helmChart: str(env.PADDOCK_HELM_CHART, defaultConfig.helmChart),
    cfnTemplateUrl: str(env.PADDOCK_CFN_TEMPLATE_URL, defaultConfig.cfnTemplateUrl),
    heartbeatSeconds: num(env.PADDOCK_HEARTBEAT_SECONDS, defaultConfig.heartbeatSeconds, 'PADDOCK_HEARTBEAT_SECONDS'),
    offlineAfterSeconds: num(env.PADDOCK_OFFLINE_AFTER_SECONDS, defaultConfig.offlineAfterSeconds, 'PADDOCK_OFFLINE_AFTER_SECONDS'),
    lostAfterSeconds: num(env.PADDOCK_LOST_AFTER_SECONDS, defaultConfig.lostAfterSeconds, 'PADDOCK_LOST_AFTER_SECONDS'),
    updateDeadlineSeconds: num(
      env.PADDOCK_UPDATE_DEADLINE_SECONDS,
      defaultConfig.updateDeadlineSeconds,
      'PADDOCK_UPDATE_DEADLINE_SECONDS',
    ),
    distDir: str(env.PADDOCK_DIST_DIR, defaultConfig.distDir),
    trustProxy: str(env.PADDOCK_TRUST_PROXY, '') === '1',
  };
}
