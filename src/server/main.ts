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
  process.stderr.write(`Paddock failed to start: ${oneLine(err)}\n`);
  process.exit(1);
});

/** An error as one line, whatever was thrown (PGlite throws plain objects: never "[object Object]"). */
function oneLine(err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : inspect(err, { breakLength: Infinity, depth: 2 });
  return message.replace(/\s*\n\s*/g, ' ');
}
