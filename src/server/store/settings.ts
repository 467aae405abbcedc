import type { Queryable } from './db';

// The `settings` table holds one-off facts about this database, one row per key.
const firstAdminCreated = 'first_admin_created';

/** Whether the first admin was ever created in this database (even if later removed). */
export async function isFirstAdminCreated(q: Queryable): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM settings WHERE key = $1', [firstAdminCreated]);
  return rows.length > 0;
}

/** Records that the first admin is being created; false when that was recorded before. */
export async function claimFirstAdminCreation(q: Queryable): Promise<boolean> {
  const rows = await q.query(
    "INSERT INTO settings (key, value) VALUES ($1, 'true') ON CONFLICT DO NOTHING RETURNING key",
    [firstAdminCreated],
  );
  return rows.length === 1;
}
