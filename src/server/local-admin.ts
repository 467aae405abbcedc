import { timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { z } from 'zod';
import { LocalTokensCommand, LocalUsersCommand } from '../contract/api-spec';
import type { Accounts } from './accounts';
import type { ApiTokens } from './api-tokens';
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

/** The users CLI's commands (the contract's registry describes them). */
export const LocalUsersBody = LocalUsersCommand;
export type LocalUsersBody = z.infer<typeof LocalUsersBody>;
/** The tokens CLI's commands. */
export const LocalTokensBody = LocalTokensCommand;
export type LocalTokensBody = z.infer<typeof LocalTokensBody>;

function sameSecret(given: string | null, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `POST /api/v1/local/users` and `/local/tokens`: the users and tokens CLI's commands, for the holder
 * of the local secret only.
 */
export function localAdminRoutes(accounts: Accounts, tokens: ApiTokens, secret: string) {
  const r = new Hono<AppEnv>();
  r.use('*', async (c, next) => {
    if (!sameSecret(bearer(c), secret)) throw new HttpProblem(401, 'Unauthorized', 'Unknown local secret.');
    await next();
  });
  r.post('/tokens', async (c) => {
    const body = await parseBody(c, LocalTokensBody);
    switch (body.command) {
      case 'create':
        c.header('Cache-Control', 'no-store');
        return c.json(await tokens.create('cli', body.user, body.token), 201);
      case 'list':
        return c.json(await tokens.list(null, body.user));
      case 'revoke':
        await tokens.revoke('cli', null, body.id);
        return c.body(null, 204);
    }
  });
  r.post('/users', async (c) => {
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

/** Sends a users (or tokens) command to the running server that holds the data directory. */
export async function callHolder(
  holder: DataDirHolder,
  body: LocalUsersBody | LocalTokensBody,
  what: 'users' | 'tokens' = 'users',
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${holder.url}/api/v1/local/${what}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${holder.secret}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as unknown };
}
