// A stand-in for a replica stuck in the middle of a duty: opens a transaction on the database in
// DATABASE_URL, takes the named duty's advisory lock the way the control plane does, says "held" and
// waits. The replica tests SIGKILL it, as they would a replica, and watch another take the duty over.
//
//   node --import tsx src/server/testing/hold-duty-lock.ts <duty>
import pg from 'pg';
import { lockIds } from '../store/locks';

const duty = process.argv[2] as keyof typeof lockIds;
if (!(duty in lockIds)) {
  console.error(`unknown lock "${duty}"; choose from ${Object.keys(lockIds).join(', ')}`);
  process.exit(2);
}
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query('BEGIN');
const [row] = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [lockIds[duty]])).rows;
if (!row?.ok) {
  console.error(`${duty} is held by another session`);
  process.exit(1);
}
console.log(`held ${duty}`);
// Keeps the transaction open (and the process alive) until it is killed.
setInterval(() => {}, 60_000);
