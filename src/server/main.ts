import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { configFromEnv } from './config';
import { createLogger } from './logger';
import { startServer } from './server';

/** `node --import tsx src/server/main.ts`: the control plane configured from the environment. */
async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const logger = createLogger({ level: process.env.PADDOCK_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  const server = await startServer({ ...config, logger });
  if (server.generatedAdminPassword) {
    // Printed once, on the first start, straight to the terminal (not through the redacting logger).
    process.stdout.write(
      `\nCreated the first user "admin" with the generated password:\n\n    ${server.generatedAdminPassword}\n\nIt will not be shown again. Set PADDOCK_ADMIN_PASSWORD to choose one instead.\n\n`,
    );
  }
  process.stdout.write(`Paddock listening on ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Paddock failed to start: ${startFailure(err, process.env.PADDOCK_DATA_DIR || './.paddock')}\n`);
  process.exit(1);
});

/**
 * One line for a failed start. A data folder this user may not write (a bind mount owned by root, say)
 * names the uid to give it to, instead of a bare EACCES.
 */
function startFailure(err: unknown, dataDir: string): string {
  const e = err as NodeJS.ErrnoException;
  const message = oneLine(err);
  if ((e?.code === 'EACCES' || e?.code === 'EPERM') && typeof e.path === 'string' && resolve(e.path).startsWith(resolve(dataDir))) {
    const uid = process.getuid?.() ?? '<uid>';
    return `cannot write its data folder ${dataDir} (${message}). Paddock runs as uid ${uid}: make the folder its own, e.g. chown -R ${uid} <the host folder mounted at ${dataDir}>`;
  }
  return message;
}

/** An error as one line, whatever was thrown (PGlite throws plain objects: never "[object Object]"). */
function oneLine(err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : inspect(err, { breakLength: Infinity, depth: 2 });
  return message.replace(/\s*\n\s*/g, ' ');
}
