import type { Queryable } from './db';

/** A sign-in limit key's stored state (see auth.ts `LimitState`). */
export interface LimitRow {
  key: string;
  state: { failures: number[]; locks: number; lockedUntil: number; lockedAt: number };
}

/**
 * The rows of these keys, created when missing and locked until the transaction ends, so that
 * attempts on any replica that share a key are decided one after the other. Locked in key order,
 * so two attempts sharing several keys cannot deadlock.
 */
export async function lockSignInLimits(q: Queryable, keys: string[], at: Date): Promise<Map<string, LimitRow['state']>> {
  const sorted = [...new Set(keys)].sort();
  const rows = await q.query<{ key: string; state: LimitRow['state'] | string }>(
    `INSERT INTO sign_in_limits (key, state, updated_at)
     SELECT k, '{"failures":[],"locks":0,"lockedUntil":0,"lockedAt":0}'::jsonb, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
     ON CONFLICT (key) DO UPDATE SET key = excluded.key
     RETURNING key, state`,
    [sorted, at],
  );
  return new Map(rows.map((r) => [r.key, typeof r.state === 'string' ? JSON.parse(r.state) : r.state]));
}

export async function saveSignInLimit(q: Queryable, key: string, state: LimitRow['state'], at: Date): Promise<void> {
  await q.query('UPDATE sign_in_limits SET state = $2::jsonb, updated_at = $3 WHERE key = $1', [key, JSON.stringify(state), at]);
}

export async function deleteSignInLimit(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM sign_in_limits WHERE key = $1', [key]);
}

/** Forgets keys untouched since `before` (their window and lock are long over). */
export async function pruneSignInLimits(q: Queryable, before: Date): Promise<void> {
  await q.query('DELETE FROM sign_in_limits WHERE updated_at < $1', [before]);
}
