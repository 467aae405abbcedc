import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultRunnerVersion } from '../contract';

/** The built console, wherever the process was started from (build/server/main.js, the bundle npm start runs, sits as deep). */
const repoDist = fileURLToPath(new URL('../../dist', import.meta.url));

/** Everything the control plane reads from its environment (PRODUCT.md §7). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Directory for PGlite's data (`<dataDir>/pgdata`), or `memory` for an in-memory PGlite. */
  dataDir: string;
  /** PostgreSQL connection string; empty means embedded PGlite. */
  databaseUrl: string;
  /**
   * What runners dial and the console's origin for same-origin checks; empty = the listen address
   * (`publicUrlOf`). Never taken from a request's Host header, which the client chooses.
   */
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
  /** Days ended instances are kept for post-mortems (PADDOCK_RETENTION_DAYS; fractions allowed). */
  retentionDays: number;
  /** Days audit entries are kept (PADDOCK_AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /** How long a group that had a connected instance must have none before `group.down` is sent. */
  alertAfterSeconds: number;
  /** SMTP server of e-mail channels, `smtp://user:password@host:587` or `smtps://…`; empty = no e-mail channels. */
  smtpUrl: string;
  /** Sender of notification e-mails; empty = `Paddock <paddock@localhost>`. */
  smtpFrom: string;
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
  auditRetentionDays: 365,
  alertAfterSeconds: 60,
  smtpUrl: '',
  smtpFrom: '',
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

/** An SMTP URL, checked without ever echoing it (it carries the SMTP password). */
function smtpUrlFrom(value: string | undefined): string {
  const v = str(value, '');
  if (v === '') return '';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error('PADDOCK_SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587 (its value is not shown: it may hold a password)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`PADDOCK_SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new Error('PADDOCK_SMTP_URL must name a host');
  return v;
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
    retentionDays: num(env.PADDOCK_RETENTION_DAYS, defaultConfig.retentionDays, 'PADDOCK_RETENTION_DAYS'),
    auditRetentionDays: num(env.PADDOCK_AUDIT_RETENTION_DAYS, defaultConfig.auditRetentionDays, 'PADDOCK_AUDIT_RETENTION_DAYS'),
    alertAfterSeconds: num(env.PADDOCK_ALERT_AFTER_SECONDS, defaultConfig.alertAfterSeconds, 'PADDOCK_ALERT_AFTER_SECONDS'),
    smtpUrl: smtpUrlFrom(env.PADDOCK_SMTP_URL),
    smtpFrom: str(env.PADDOCK_SMTP_FROM, ''),
    trustProxy: str(env.PADDOCK_TRUST_PROXY, '') === '1',
  };
}

const wildcardHosts = new Set(['', '0.0.0.0', '::', '[::]']);
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const inUrl = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** This machine's own addresses (IPv4 first, then IPv6), for a server listening on every interface. */
function ownAddresses(): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') v4.push(a.address);
      else if (!a.address.startsWith('fe80:')) v6.push(a.address);
    }
  }
  return [...v4, ...v6];
}

/**
 * The URL runners dial and install commands carry: PADDOCK_PUBLIC_URL, else the listen address (for
 * a wildcard host, the first external IPv4 address of this machine, else loopback).
 */
export function publicUrlOf(config: Pick<ServerConfig, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl;
  let host = config.host;
  if (wildcardHosts.has(host)) {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    host = external?.address ?? '127.0.0.1';
  }
  return `http://${inUrl(host)}:${config.port}`;
}

const originCache = new Map<string, ReadonlySet<string>>();

/**
 * Origins a console request may come from (the CSRF check): PADDOCK_PUBLIC_URL's, and the listen
 * address's — loopback names for a loopback host, every own address and the host name for a wildcard
 * host. Configuration only: a request's Host header never widens it.
 */
export function allowedOrigins(config: Pick<ServerConfig, 'publicUrl' | 'host' | 'port'>): ReadonlySet<string> {
  const cacheKey = `${config.publicUrl}|${config.host}|${config.port}`;
  const hit = originCache.get(cacheKey);
  if (hit) return hit;
  const origins = new Set<string>();
  if (config.publicUrl) {
    try {
      origins.add(new URL(config.publicUrl).origin);
    } catch {
      // an unparsable public URL only narrows what is accepted
    }
  }
  const hosts = wildcardHosts.has(config.host)
    ? ['127.0.0.1', 'localhost', '::1', ...ownAddresses(), hostname()]
    : loopbackHosts.has(config.host)
      ? ['127.0.0.1', 'localhost', '::1']
      : [config.host];
  for (const h of hosts) {
    try {
      origins.add(new URL(`http://${inUrl(h)}:${config.port}`).origin);
    } catch {
      // a host name a URL cannot carry is not an origin a browser sends
    }
  }
  originCache.set(cacheKey, origins);
  return origins;
}
