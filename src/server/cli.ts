import { type ApiToken, type CreatedToken, CreateTokenBody, Role } from '../contract';
import { Accounts } from './accounts';
import { ApiTokens } from './api-tokens';
import { systemClock } from './clock';
import { configFromEnv } from './config';
import { fieldErrors } from './http';
import { createLogger } from './logger';
import { type DataDirLock, DataDirLockedError, lockDataDir, makePrivate } from './data-dir';
import { callHolder, type DataDirHolder, readHolder } from './local-admin';
import { HttpProblem } from './problem';
import { openStore } from './store';

const usage = `Usage: npm run paddock -- users <command>
       npm run paddock -- tokens <command>

  users add <name> --role viewer|admin [--password-stdin]   create a user; prints a generated password once
  users list                                                 list users and roles
  users remove <name>                                        delete a user (and their API tokens)
  users reset-password <name> [--password-stdin]             set a new password; prints a generated one once

  tokens create <name> --user <u> --scope read|write [--expires-at <ISO time>]
                                                             create an API token for a user; prints its secret once
  tokens list [--user <u>]                                   list API tokens (never their secrets)
  tokens revoke <id>                                         revoke an API token

Uses the same database as the server: DATABASE_URL, or PGlite under PADDOCK_DATA_DIR (./.paddock).`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** What the CLI's commands need: the database directly, or a running server that holds it. */
type UserOps = Pick<Accounts, 'addUser' | 'listUsers' | 'removeUser' | 'resetPassword'>;
interface TokenOps {
  create(user: string, body: CreateTokenBody): Promise<CreatedToken>;
  list(user?: string): Promise<ApiToken[]>;
  revoke(id: string): Promise<void>;
}

/** A refusal's words: its detail, and the rule each field broke. */
function describe(e: unknown): string {
  if (e instanceof HttpProblem) {
    const detail = e.detail ?? e.title;
    const errors = ((e.extra.errors ?? []) as Array<{ field: string; message: string }>).filter((x) => x.message !== detail);
    return errors.length > 0 ? `${detail} ${errors.map((x) => `${x.field} ${x.message}`).join('; ')}` : detail;
  }
  return e instanceof Error ? e.message : String(e);
}

function remoteOps(holder: DataDirHolder): { users: UserOps; tokens: TokenOps } {
  const send = async (body: Parameters<typeof callHolder>[1], what: 'users' | 'tokens' = 'users') => {
    let answer: Awaited<ReturnType<typeof callHolder>>;
    try {
      answer = await callHolder(holder, body, what);
    } catch (e) {
      throw new Error(`the control plane (pid ${holder.pid}) holds the embedded database but did not answer at ${holder.url}: ${String(e)}`);
    }
    const json = (answer.json ?? {}) as Record<string, unknown>;
    if (answer.status >= 400) {
      const problem = new HttpProblem(answer.status, String(json.title ?? 'Error'), json.detail === undefined ? undefined : String(json.detail), {
        errors: json.errors as never,
      });
      throw new Error(describe(problem));
    }
    return json;
  };
  return {
    users: {
      addUser: async (username, role, password) => String((await send({ command: 'add', username, role, password })).password),
      listUsers: async () => (await send({ command: 'list' })).users as Awaited<ReturnType<UserOps['listUsers']>>,
      removeUser: async (username) => {
        await send({ command: 'remove', username });
      },
      resetPassword: async (username, password) => String((await send({ command: 'reset-password', username, password })).password),
    },
    tokens: {
      create: async (user, token) => (await send({ command: 'create', user, token }, 'tokens')) as unknown as CreatedToken,
      list: async (user) => (await send({ command: 'list', ...(user ? { user } : {}) }, 'tokens')) as unknown as ApiToken[],
      revoke: async (id) => {
        await send({ command: 'revoke', id }, 'tokens');
      },
    },
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

/** Each area's commands, the flags each takes (those taking a value end in `=`), and whether it needs a name. */
const commands: Record<string, Record<string, { flags: string[]; needs?: string }>> = {
  users: {
    add: { flags: ['--role=', '--password-stdin'], needs: 'a user name' },
    list: { flags: [] },
    remove: { flags: [], needs: 'a user name' },
    'reset-password': { flags: ['--password-stdin'], needs: 'a user name' },
  },
  tokens: {
    create: { flags: ['--user=', '--scope=', '--expires-at='], needs: 'a token name' },
    list: { flags: ['--user='] },
    revoke: { flags: [], needs: 'a token id' },
  },
};

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
  const areaCommands = area === undefined ? undefined : commands[area];
  if (!areaCommands || !command) {
    err(usage);
    return 2;
  }
  const spec = Object.hasOwn(areaCommands, command) ? areaCommands[command] : undefined;
  if (!spec) {
    err(`Unknown command "${area} ${command}".\n\n${usage}`);
    return 2;
  }
  // Strict arguments: an unknown or misspelt flag must not silently change what is done.
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.flags.includes(`${flag}=`)) {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) {
        err(flag === '--role' ? '--role must be viewer or admin' : `${flag} needs a value`);
        return 2;
      }
      values.set(flag, value);
    } else if (spec.flags.includes(flag) && eq < 0) flags.add(flag);
    else {
      err(`${area} ${command}: unknown option "${flag}".\n\n${usage}`);
      return 2;
    }
  }
  const name = positional[0];
  if (spec.needs && !name) {
    err(`${area} ${command} needs ${spec.needs}.\n\n${usage}`);
    return 2;
  }
  if (positional.length > (spec.needs ? 1 : 0)) {
    err(`${area} ${command}: unexpected argument "${positional[spec.needs ? 1 : 0]}".\n\n${usage}`);
    return 2;
  }
  // Refuse bad input before touching the database.
  let tokenBody: CreateTokenBody | undefined;
  if (area === 'tokens' && command === 'create') {
    if (!values.has('--user')) {
      err('tokens create needs --user <name>: the user whose role the token acts with');
      return 2;
    }
    if (!values.has('--scope')) {
      err('tokens create needs --scope read or --scope write');
      return 2;
    }
    const parsed = CreateTokenBody.safeParse({ name, scope: values.get('--scope'), expiresAt: values.get('--expires-at') });
    if (!parsed.success) {
      const flagOf: Record<string, string> = { name: 'the token name', scope: '--scope', expiresAt: '--expires-at' };
      err(fieldErrors(parsed.error.issues as never).map((e) => `${flagOf[e.field] ?? e.field} ${e.message}`).join('\n'));
      return 2;
    }
    tokenBody = parsed.data;
  }
  const config = configFromEnv(env);
  let remote: { users: UserOps; tokens: TokenOps } | null = null;
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
  let ops: { users: UserOps; tokens: TokenOps };
  if (remote) ops = remote;
  else {
    try {
      if (lock) makePrivate(config.dataDir);
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const deps = { db: store.db, clock: systemClock, config, logger: createLogger({ level: 'warn' }) };
      const tokens = new ApiTokens(deps);
      ops = {
        users: new Accounts(deps),
        tokens: {
          create: (user, body) => tokens.create('cli', user, body),
          list: (user) => tokens.list(null, user),
          revoke: (id) => tokens.revoke('cli', null, id),
        },
      };
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
    switch (`${area} ${command}`) {
      case 'users add': {
        const role = Role.safeParse(values.get('--role') ?? 'viewer');
        if (!role.success) {
          err('--role must be viewer or admin');
          return 2;
        }
        const given = flags.has('--password-stdin') ? await stdin() : undefined;
        const password = await ops.users.addUser(name!, role.data, given);
        out(given ? `Added ${role.data} "${name}".` : `Added ${role.data} "${name}" with the password:\n\n    ${password}\n\nIt will not be shown again.`);
        return 0;
      }
      case 'users list': {
        const users = await ops.users.listUsers();
        out(['USERNAME\tROLE\tCREATED', ...users.map((u) => `${u.username}\t${u.role}\t${u.createdAt}`)].join('\n'));
        return 0;
      }
      case 'users remove':
        await ops.users.removeUser(name!);
        out(`Removed "${name}".`);
        return 0;
      case 'users reset-password': {
        const given = flags.has('--password-stdin') ? await stdin() : undefined;
        const password = await ops.users.resetPassword(name!, given);
        out(given ? `Password of "${name}" changed.` : `New password of "${name}":\n\n    ${password}\n\nIt will not be shown again.`);
        return 0;
      }
      case 'tokens create': {
        const { token, secret } = await ops.tokens.create(values.get('--user')!, tokenBody!);
        const expiry = token.expiresAt ? `, expires ${token.expiresAt}` : '';
        out(
          `Created ${token.scope} API token "${token.name}" for "${token.owner}" (id ${token.id}${expiry}). Its secret:\n\n    ${secret}\n\n` +
            'It will not be shown again. Send it as "Authorization: Bearer <secret>"; keep it in a secret store or an environment variable, not on a command line.',
        );
        return 0;
      }
      case 'tokens list': {
        const tokens = await ops.tokens.list(values.get('--user'));
        const cell = (v: string | null) => v ?? '-';
        out(
          [
            'ID\tNAME\tSCOPE\tOWNER\tPREFIX\tCREATED\tEXPIRES\tLAST USED\tFROM',
            ...tokens.map((t) =>
              [t.id, t.name, t.scope, t.owner, t.prefix, t.createdAt, cell(t.expiresAt), cell(t.lastUsedAt), cell(t.lastUsedFrom)].join('\t'),
            ),
          ].join('\n'),
        );
        return 0;
      }
      case 'tokens revoke':
        await ops.tokens.revoke(name!);
        out(`Revoked API token ${name}.`);
        return 0;
      default:
        err(`Unknown command "${area} ${command}".\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    err(`Error: ${describe(e)}`);
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
