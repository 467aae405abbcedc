import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/testing/processes';

/** A PostgreSQL server the bench can create throwaway databases in. */
export interface Postgres {
  /** Connection URL of a new, empty database. */
  createDatabase(name: string): Promise<string>;
  version: string;
  /**
   * CPU time (user + system, s) the cluster's processes have used so far: the postmaster, its live
   * backends and those that ended; null for a server the bench did not start.
   */
  cpuSeconds(): number | null;
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
  if (given) return around(given, () => {}, () => null);

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
  const postmaster = Number(readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
  return around(`postgres://postgres@127.0.0.1:${port}/postgres`, stop, () => clusterCpuSeconds(postmaster));
}

/** Fields of /proc/<pid>/stat after the command name, or null when the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime + cutime + cstime of the postmaster (ended backends) plus utime + stime of live ones. */
function clusterCpuSeconds(postmaster: number): number | null {
  const own = statFields(postmaster);
  if (!own) return null;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(Number(e));
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

async function around(adminUrl: string, stop: () => void, cpuSeconds: () => number | null): Promise<Postgres> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  await client.end();
  return {
    version,
    stop,
    cpuSeconds,
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
