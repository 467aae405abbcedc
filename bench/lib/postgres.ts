import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/testing/processes';

/** A PostgreSQL server the bench can create throwaway databases in. */
export interface Postgres {
  /** Connection URL of a new, empty database. */
  createDatabase(name: string): Promise<string>;
  version: string;
  stop(): void;
}

function postgresBin(): string | null {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    const v = versions.at(-1);
    return v ? `/usr/lib/postgresql/${v}/bin` : null;
  } catch {
    return null;
  }
}

/**
 * Uses PADDOCK_BENCH_DATABASE_URL or PADDOCK_TEST_DATABASE_URL when set (scripts/with-postgres.sh
 * exports the latter); otherwise starts a throwaway cluster on a free loopback port, the way
 * scripts/with-postgres.sh does but with fsync left on, so the figure includes durable commits.
 */
export async function startPostgres(): Promise<Postgres> {
  const given = process.env.PADDOCK_BENCH_DATABASE_URL || process.env.PADDOCK_TEST_DATABASE_URL;
  if (given) return around(given, () => {});

  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-pg-'));
  const asPostgres = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asPostgres
      ? execFileSync('runuser', ['-u', 'postgres', '--', `${bin}/${cmd}`, ...args], { stdio: 'pipe' })
      : execFileSync(`${bin}/${cmd}`, args, { stdio: 'pipe' });
  if (asPostgres) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  const port = await freePort();
  run('initdb', ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust']);
  run('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/log`, '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, '-w', 'start']);
  const stop = () => {
    process.off('exit', stop);
    try {
      run('pg_ctl', ['-D', `${dir}/data`, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // An interrupted bench still stops its cluster (the commands are synchronous, as 'exit' needs).
  process.on('exit', stop);
  return around(`postgres://postgres@127.0.0.1:${port}/postgres`, stop);
}

async function around(adminUrl: string, stop: () => void): Promise<Postgres> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  await client.end();
  return {
    version,
    stop,
    async createDatabase(name: string) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`create database "${name}"`);
      } finally {
        await c.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}
