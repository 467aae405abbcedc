import { timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { Role } from '../contract';
import type { Accounts } from './accounts';
import { type AppEnv, bearer, parseBody } from './http';
import { randomBase62 } from './keys';
import { conflict, HttpProblem, notFound } from './problem';

/**
 * PGlite allows one process per data directory (data-dir.ts locks it), so while a control plane holds
 * it the users CLI cannot open the database. The server leaves `server.json` (mode 0600) there with a
 * local secret, and the CLI sends its command to the running server instead.
 */
export interface DataDirHolder {
  pid: number;
  url: string;
  secret: string;
}

const holderFile = (dataDir: string) => join(dataDir, 'server.json');

/** A new secret for the local users endpoint. */
export function newLocalSecret(): string {
  return `plc_${randomBase62(43)}`;
}

export function writeHolder(dataDir: string, holder: DataDirHolder): void {
  writeFileSync(holderFile(dataDir), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
}

export function readHolder(dataDir: string): DataDirHolder | null {
  try {
    const h = JSON.parse(readFileSync(holderFile(dataDir), 'utf8')) as DataDirHolder;
    return Number.isInteger(h.pid) && typeof h.url === 'string' && typeof h.secret === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** Removes the holder file if this process wrote it. */
export function releaseHolder(dataDir: string): void {
  if (readHolder(dataDir)?.pid === process.pid) rmSync(holderFile(dataDir), { force: true });
}

export const LocalUsersBody = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('add'), username: z.string().min(1).max(128), role: Role, password: z.string().max(1024).optional() }),
  z.strictObject({ command: z.literal('list') }),
  z.strictObject({ command: z.literal('remove'), username: z.string().min(1).max(128) }),
  z.strictObject({ command: z.literal('reset-password'), username: z.string().min(1).max(128), password: z.string().max(1024).optional() }),
]);
export type LocalUsersBody = z.infer<typeof LocalUsersBody>;

function sameSecret(given: string | null, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `POST /api/v1/local/users`: the users CLI's commands, for the holder of the local secret only. */
export function localAdminRoutes(accounts: Accounts, secret: string) {
  const r = new Hono<AppEnv>();
  r.post('/users', async (c) => {
    if (!sameSecret(bearer(c), secret)) throw new HttpProblem(401, 'Unauthorized', 'Unknown local secret.');
    const body = await parseBody(c, LocalUsersBody);
    try {
      switch (body.command) {
        case 'add':
          return c.json({ password: await accounts.addUser(body.username, body.role, body.password) });
        case 'list':
          return c.json({ users: await accounts.listUsers() });
        case 'remove':
          await accounts.removeUser(body.username);
          return c.json({});
        case 'reset-password':
          return c.json({ password: await accounts.resetPassword(body.username, body.password) });
      }
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (/already exists/.test(message)) throw conflict(message);
      if (/^no user/.test(message)) throw notFound(message);
      throw new HttpProblem(400, 'Bad Request', message, { errors: [{ field: 'body', message }] });
    }
  });
  return r;
}

/** Sends a users command to the running server that holds the data directory. */
export async function callHolder(holder: DataDirHolder, body: LocalUsersBody): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${holder.url}/api/v1/local/users`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${holder.secret}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}
