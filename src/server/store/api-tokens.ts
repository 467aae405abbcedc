import type { Role, TokenScope } from '../../contract';
import type { Queryable } from './db';

export interface ApiTokenRow {
  id: string;
  user_id: string;
  owner: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  last_used_from: string | null;
}

/** A token found by its secret's hash, with its owner's current role. */
export interface TokenCredentialRow extends ApiTokenRow {
  role: Role;
}

const columns = `t.id::text AS id, t.user_id::text AS user_id, u.username AS owner, t.name, t.scope, t.prefix,
  t.created_at, t.expires_at, t.last_used_at, t.last_used_from`;

/** Inserts a token; false when its owner already has one of that name (ignoring case). */
export async function insertApiToken(
  q: Queryable,
  t: { id: string; userId: string; name: string; scope: TokenScope; secretHash: string; prefix: string; at: Date; expiresAt: Date | null },
): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO api_tokens (id, user_id, name, scope, secret_hash, prefix, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
    [t.id, t.userId, t.name, t.scope, t.secretHash, t.prefix, t.at, t.expiresAt],
  );
  return rows.length === 1;
}

export async function findApiToken(q: Queryable, id: string): Promise<ApiTokenRow | null> {
  const [row] = await q.query<ApiTokenRow>(
    `SELECT ${columns} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id::text = $1`,
    [id],
  );
  return row ?? null;
}

/** The token a secret belongs to (by hash), with its owner's role; null when there is none. */
export async function findApiTokenBySecretHash(q: Queryable, secretHash: string): Promise<TokenCredentialRow | null> {
  const [row] = await q.query<TokenCredentialRow>(
    `SELECT ${columns}, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1`,
    [secretHash],
  );
  return row ?? null;
}

/** Tokens, newest first: one user's (by name, ignoring case), or everyone's when `owner` is null. */
export async function listApiTokens(q: Queryable, owner: string | null): Promise<ApiTokenRow[]> {
  return q.query<ApiTokenRow>(
    `SELECT ${columns} FROM api_tokens t JOIN users u ON u.id = t.user_id
     WHERE $1::text IS NULL OR lower(u.username) = lower($1::text)
     ORDER BY t.created_at DESC, t.id`,
    [owner],
  );
}

export async function deleteApiToken(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('DELETE FROM api_tokens WHERE id::text = $1 RETURNING id', [id])).length === 1;
}

/**
 * Records a use unless one was recorded since `notBefore`: at most one write per token per interval,
 * across replicas too (the condition is checked by the database).
 */
export async function touchApiToken(q: Queryable, id: string, at: Date, from: string | null, notBefore: Date): Promise<void> {
  await q.query(
    `UPDATE api_tokens SET last_used_at = $2, last_used_from = $3
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $4)`,
    [id, at, from, notBefore],
  );
}
