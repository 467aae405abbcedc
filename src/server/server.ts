import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type PaddockApp } from './app';
import { type Clock, systemClock } from './clock';
import { defaultConfig, type ServerConfig } from './config';
import { lockDataDir, makePrivate } from './data-dir';
import { newLocalSecret, releaseHolder, writeHolder } from './local-admin';
import { createLogger, type Logger } from './logger';
import { openStore, type Store } from './store';
import { answerWireErrors, requestListener, serverOptions } from './wire';

/** A running control plane. */
export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  paddock: PaddockApp;
  /** The generated first-admin password, when this start created one (printed once by main.ts). */
  generatedAdminPassword: string | null;
  close(): Promise<void>;
}

/**
 * Opens the store (PostgreSQL when `databaseUrl` is set, else PGlite in memory for `dataDir: 'memory'`
 * or on disk under `<dataDir>/pgdata`), migrates, ensures the first admin, starts the sweeper and
 * heartbeat batcher, and listens (port 0 picks a free port).
 */
export async function startServer(
  options: Partial<ServerConfig> & { clock?: Clock; logger?: Logger; timers?: boolean } = {},
): Promise<RunningServer> {
  const { clock = systemClock, logger = createLogger(), timers = true, ...overrides } = options;
  const config: ServerConfig = { ...defaultConfig, ...overrides };
  // PGlite on disk: lock the directory before anything opens it (a second process exits, writing
  // nothing), keep it private, and leave a note so the users CLI can reach this process instead.
  const holdsDataDir = !config.databaseUrl && config.dataDir !== 'memory';
  const lock = holdsDataDir ? lockDataDir(config.dataDir) : null;
  const localSecret = holdsDataDir ? newLocalSecret() : undefined;
  let store: Store;
  let paddock: PaddockApp;
  let generatedAdminPassword: string | null;
  try {
    if (holdsDataDir) makePrivate(config.dataDir);
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    // Again once PGlite has made its files: where the umask could not be set, the walk still fixes them.
    if (holdsDataDir) makePrivate(config.dataDir);
    paddock = createApp({ store, clock, config, logger, localSecret });
    generatedAdminPassword = await paddock.accounts.ensureFirstAdmin();
    await paddock.start({ timers });
  } catch (err) {
    await store.close().catch(() => {});
    lock?.release();
    throw err;
  }
  const server = createServer(serverOptions, requestListener(paddock.fetch, config.host));
  answerWireErrors(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A fleet reconnects at once after a restart or a network blip: room for that many connections
      // waiting to be accepted (Node's default, 511, drops the rest's handshakes for seconds).
      server.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await paddock.stop().catch(() => {});
    await store.close().catch(() => {});
    lock?.release();
    throw err;
  }
  // Own bookkeeping of connections, so shutdown can close idle ones and wait for busy ones.
  const sockets = new Set<Socket>();
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n <= 0) busy.delete(socket);
      else busy.set(socket, n);
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Port 0 picked a free one: install URLs and allowed origins follow the listen address (config.ts).
  config.port = port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  paddock.notifications.listenUrl = url;
  // PGlite is single-process: mark the data directory as held, so the users CLI can refuse to open it.
  if (holdsDataDir) {
    const local = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    writeHolder(config.dataDir, { pid: process.pid, url: `http://${local.includes(':') ? `[${local}]` : local}:${port}`, secret: localSecret! });
  }
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    store,
    paddock,
    generatedAdminPassword,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Let requests in flight finish; end event streams; close idle connections; cut the rest after 2 s.
          paddock.hub.endStreams();
          const closeIdle = () => {
            for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
          };
          closeIdle();
          const idle = setInterval(closeIdle, 25);
          const force = setTimeout(() => {
            for (const socket of sockets) socket.destroy();
          }, 2000);
          server.once('close', () => {
            clearInterval(idle);
            clearTimeout(force);
          });
        });
        await paddock.stop();
        await store.close();
        if (holdsDataDir) releaseHolder(config.dataDir);
        lock?.release();
      })();
      return closing;
    },
  };
}

