import type { Role } from '../../contract';
import type { Queryable } from './db';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  created_at: Date;
}

export async function findUser(q: Queryable, username: string): Promise<UserRow | null> {
  const [row] = await q.query<UserRow>(
    'SELECT id::text AS id, username, password_hash, role, created_at FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  return row ?? null;
}

export async function listUsers(q: Queryable): Promise<UserRow[]> {
  return q.query<UserRow>('SELECT id::text AS id, username, password_hash, role, created_at FROM users ORDER BY lower(username)');
}

/** Inserts a user; false when the name is taken (ignoring case). */
export async function insertUser(
  q: Queryable,
  user: { id: string; username: string; passwordHash: string; role: Role; at: Date },
): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO users (id, username, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING id`,
    [user.id, user.username, user.passwordHash, user.role, user.at],
  );
  return rows.length === 1;
}

export async function deleteUser(q: Queryable, username: string): Promise<boolean> {
  return (await q.query('DELETE FROM users WHERE lower(username) = lower($1) RETURNING id', [username])).length === 1;
}

/** Sets a new password hash and signs the user out everywhere. */
export async function setPassword(q: Queryable, username: string, passwordHash: string): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    'UPDATE users SET password_hash = $2 WHERE lower(username) = lower($1) RETURNING id::text AS id',
    [username, passwordHash],
  );
  if (rows.length === 0) return false;
  await q.query('DELETE FROM sessions WHERE user_id = $1', [rows[0]!.id]);
  return true;
}

export interface SessionRow {
  user_id: string;
  username: string;
  role: Role;
  created_at: Date;
  last_seen_at: Date;
}

export async function insertSession(q: Queryable, s: { idHash: string; userId: string; at: Date }): Promise<void> {
  await q.query('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)', [
    s.idHash,
    s.userId,
    s.at,
  ]);
}

export async function findSession(q: Queryable, idHash: string): Promise<SessionRow | null> {
  const [row] = await q.query<SessionRow>(
    `SELECT s.user_id::text AS user_id, u.username, u.role, s.created_at, s.last_seen_at
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`,
    [idHash],
  );
  return row ?? null;
}

/** The sessions among these hashes that still exist (with a user), for the streams held open on them. */
export async function findSessionTimes(q: Queryable, idHashes: string[]): Promise<Array<{ id_hash: string; created_at: Date; last_seen_at: Date }>> {
  return q.query(
    `SELECT s.id_hash, s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_hash = ANY($1::text[])`,
    [idHashes],
  );
}

export async function touchSession(q: Queryable, idHash: string, at: Date): Promise<void> {
  await q.query('UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1', [idHash, at]);
}

export async function deleteSession(q: Queryable, idHash: string): Promise<void> {
  await q.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
}

export async function pruneSessions(q: Queryable, idleBefore: Date, createdBefore: Date): Promise<void> {
  await q.query('DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2', [idleBefore, createdBefore]);
}
