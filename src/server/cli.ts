import { Role } from '../contract';
import { Accounts } from './accounts';
import { systemClock } from './clock';
import { configFromEnv } from './config';
import { createLogger } from './logger';
import { type DataDirLock, DataDirLockedError, lockDataDir, makePrivate } from './data-dir';
import { callHolder, type DataDirHolder, readHolder } from './local-admin';
import { openStore } from './store';

const usage = `Usage: npm run paddock -- users <command>

  users add <name> --role viewer|admin [--password-stdin]   create a user; prints a generated password once
  users list                                                 list users and roles
  users remove <name>                                        delete a user
  users reset-password <name> [--password-stdin]             set a new password; prints a generated one once

Uses the same database as the server: DATABASE_URL, or PGlite under PADDOCK_DATA_DIR (./.paddock).`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** What the CLI's commands need: the database directly, or a running server that holds it. */
type UserOps = Pick<Accounts, 'addUser' | 'listUsers' | 'removeUser' | 'resetPassword'>;

function remoteOps(holder: DataDirHolder): UserOps {
  const send = async (body: Parameters<typeof callHolder>[1]) => {
    let answer: Awaited<ReturnType<typeof callHolder>>;
    try {
      answer = await callHolder(holder, body);
    } catch (e) {
      throw new Error(`the control plane (pid ${holder.pid}) holds the embedded database but did not answer at ${holder.url}: ${String(e)}`);
    }
    if (answer.status >= 400) throw new Error(String(answer.json.detail ?? `the control plane answered ${answer.status}`));
    return answer.json;
  };
  return {
    addUser: async (username, role, password) => String((await send({ command: 'add', username, role, password })).password),
    listUsers: async () => (await send({ command: 'list' })).users as Awaited<ReturnType<UserOps['listUsers']>>,
    removeUser: async (username) => {
      await send({ command: 'remove', username });
    },
    resetPassword: async (username, password) => String((await send({ command: 'reset-password', username, password })).password),
  };
}

/**
 * The note (server.json) of the control plane holding the lock: a server that is still starting writes
 * it once it listens, so wait for it a while (PGlite's first start takes seconds); null if it never does.
 */
async function waitForHolder(dataDir: string, pid: number, timeoutMs = 60_000): Promise<DataDirHolder | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holder = readHolder(dataDir);
    if (holder?.pid === pid) return holder;
    if (Date.now() > deadline) return null;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return null;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  stdin?: () => Promise<string>;
}

/** Runs one CLI command; answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { out, err } = io;
  const env = io.env ?? process.env;
  const stdin = io.stdin ?? readStdin;
  const [area, command, ...rest] = argv;
  // Asking for help is not a mistake: usage on stdout, exit 0.
  if (argv.some((a) => a === '--help' || a === '-h') || (area === 'help' && argv.length === 1)) {
    out(usage);
    return 0;
  }
  if (area !== 'users' || !command) {
    err(usage);
    return 2;
  }
  if (!['add', 'list', 'remove', 'reset-password'].includes(command)) {
    err(`Unknown command "users ${command}".\n\n${usage}`);
    return 2;
  }
  // Strict arguments: an unknown or misspelt flag must not silently change what is done.
  const allowed = command === 'add' ? ['--role', '--password-stdin'] : command === 'reset-password' ? ['--password-stdin'] : [];
  const flags = new Set<string>();
  const positional: string[] = [];
  let roleArg: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!allowed.includes(flag)) {
      err(`users ${command}: unknown option "${flag}".\n\n${usage}`);
      return 2;
    }
    if (flag === '--role') {
      roleArg = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (roleArg === undefined) {
        err('--role must be viewer or admin');
        return 2;
      }
    } else flags.add(flag);
  }
  const name = positional[0];
  const needsName = command !== 'list';
  if (needsName && !name) {
    err(`users ${command} needs a user name.\n\n${usage}`);
    return 2;
  }
  if (positional.length > (needsName ? 1 : 0)) {
    err(`users ${command}: unexpected argument "${positional[needsName ? 1 : 0]}".\n\n${usage}`);
    return 2;
  }
  const config = configFromEnv(env);
  let remote: UserOps | null = null;
  let close = async () => {};
  // The embedded database is one process's: hold its directory, or send the command to the server that does.
  let lock: DataDirLock | null = null;
  if (!config.databaseUrl && config.dataDir !== 'memory') {
    try {
      lock = lockDataDir(config.dataDir, 'cli');
    } catch (e) {
      if (!(e instanceof DataDirLockedError)) throw e;
      const holder = e.owner.role === 'server' ? await waitForHolder(config.dataDir, e.owner.pid) : null;
      if (!holder) {
        err(`Error: ${e.message}`);
        return 1;
      }
      remote = remoteOps(holder);
    }
  }
  let ops: UserOps;
  if (remote) ops = remote;
  else {
    try {
      if (lock) makePrivate(config.dataDir);
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      ops = new Accounts({ db: store.db, clock: systemClock, config, logger: createLogger({ level: 'warn' }) });
      close = async () => {
        await store.close();
        lock?.release();
      };
    } catch (e) {
      lock?.release();
      throw e;
    }
  }
  try {
    switch (command) {
      case 'add': {
        const role = Role.safeParse(roleArg ?? 'viewer');
        if (!role.success) {
          err('--role must be viewer or admin');
          return 2;
        }
        const given = flags.has('--password-stdin') ? await stdin() : undefined;
        const password = await ops.addUser(name!, role.data, given);
        out(given ? `Added ${role.data} "${name}".` : `Added ${role.data} "${name}" with the password:\n\n    ${password}\n\nIt will not be shown again.`);
        return 0;
      }
      case 'list': {
        const users = await ops.listUsers();
        out(['USERNAME\tROLE\tCREATED', ...users.map((u) => `${u.username}\t${u.role}\t${u.createdAt}`)].join('\n'));
        return 0;
      }
      case 'remove':
        await ops.removeUser(name!);
        out(`Removed "${name}".`);
        return 0;
      case 'reset-password': {
        const given = flags.has('--password-stdin') ? await stdin() : undefined;
        const password = await ops.resetPassword(name!, given);
        out(given ? `Password of "${name}" changed.` : `New password of "${name}":\n\n    ${password}\n\nIt will not be shown again.`);
        return 0;
      }
      default:
        err(`Unknown command "users ${command}".\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    err(`Error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await close();
  }
}

if (process.argv[1] && /cli\.ts$/.test(process.argv[1])) {
  runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  }).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
