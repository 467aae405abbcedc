import { randomBytes } from 'node:crypto';
import type { ServerConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { startServer } from '../../server/server';
import { AdminApi } from './admin-api';

/** A real control plane on 127.0.0.1 (port 0, PGlite in memory unless dataDir says otherwise) with short liveness windows. */
export interface TestServer {
  url: string;
  port: number;
  adminPassword: string;
  admin: AdminApi;
  close(): Promise<void>;
}

/** Starts a control plane for runner tests: heartbeat 1 s, offline after 3 s, signed-in admin client. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const adminPassword = overrides.adminPassword ?? `pw-${randomBytes(12).toString('hex')}`;
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: 'memory',
    databaseUrl: '',
    heartbeatSeconds: 1,
    offlineAfterSeconds: 3,
    updateDeadlineSeconds: 60,
    adminPassword,
    logger: createLogger({ level: 'warn' }),
    ...overrides,
  });
  const admin = await AdminApi.signIn(server.url, adminPassword);
  return { url: server.url, port: server.port, adminPassword, admin, close: () => server.close() };
}

/** A group name no other test in the file uses. */
export function uniqueGroupName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}
