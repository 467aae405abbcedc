import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunnerProcess, startRunner } from '../../testing/processes';

/** A container of the fake engine; a started one is a real runner process. */
export interface FakeContainer {
  Id: string;
  Name: string;
  Config: { Image: string; Env: string[]; Cmd: string[] | null } & Record<string, unknown>;
  HostConfig: Record<string, unknown>;
  State: { Running: boolean; Status: string; ExitCode: number };
  /** Fixed log text for seeded containers that have no process. */
  logs?: string;
  process?: RunnerProcess;
}

/**
 * Just enough of the Docker Engine API, on a unix socket, to test the docker platform's update:
 * inspect, pull, create, start (a real runner process with the container's environment), logs, remove.
 */
export class FakeDocker {
  readonly containers: FakeContainer[] = [];
  readonly calls: Array<{ method: string; path: string; body: unknown }> = [];
  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
  ) {}

  static async start(): Promise<FakeDocker> {
    const socketPath = join(tmpdir(), `paddock-fake-docker-${randomBytes(4).toString('hex')}.sock`);
    const server = createServer();
    const fake = new FakeDocker(socketPath, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c;
      });
      req.on('end', () => fake.handle(req.method ?? 'GET', req.url ?? '/', raw ? JSON.parse(raw) : undefined, res));
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    return fake;
  }

  /** Adds a container record (the runner's own container, or one already there). */
  seed(c: Partial<FakeContainer> & Pick<FakeContainer, 'Id' | 'Name' | 'Config'>): FakeContainer {
    const container: FakeContainer = { HostConfig: {}, State: { Running: true, Status: 'running', ExitCode: 0 }, ...c };
    this.containers.push(container);
    return container;
  }

  find(idOrName: string): FakeContainer | undefined {
    return this.containers.find((c) => c.Id.startsWith(idOrName) || c.Name === `/${idOrName}`);
  }

  private handle(method: string, url: string, body: unknown, res: ServerResponse) {
    const u = new URL(url, 'http://docker');
    this.calls.push({ method, path: u.pathname + u.search, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const m = /^\/containers\/([^/]+)(?:\/(json|start|logs|update))?$/.exec(u.pathname);
    if (method === 'POST' && u.pathname === '/images/create') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ status: `Pulling from ${u.searchParams.get('fromImage')}` })}\n`);
      return;
    }
    if (method === 'POST' && u.pathname === '/containers/create') {
      const name = u.searchParams.get('name') ?? '';
      if (this.find(name)) return send(409, { message: `Conflict. The container name "/${name}" is already in use` });
      const b = body as FakeContainer['Config'] & { HostConfig?: Record<string, unknown> };
      const { HostConfig, ...config } = b;
      const c = this.seed({
        Id: randomBytes(32).toString('hex'),
        Name: `/${name}`,
        Config: { ...config, Env: config.Env ?? [], Cmd: config.Cmd ?? null },
        HostConfig: HostConfig ?? {},
        State: { Running: false, Status: 'created', ExitCode: 0 },
      });
      return send(201, { Id: c.Id, Warnings: [] });
    }
    const c = m ? this.find(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !c) return send(404, { message: `No such container: ${m?.[1] ?? u.pathname}` });
    if (method === 'GET' && m[2] === 'json') return send(200, c);
    if (method === 'POST' && m[2] === 'start') {
      const env = Object.fromEntries(c.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      const { PADDOCK_SERVER_URL: server = '', PADDOCK_RUNNER_KEY: key = '', ...rest } = env;
      c.process = startRunner({ server, key, args: c.Config.Cmd ?? [], env: rest });
      c.State = { Running: true, Status: 'running', ExitCode: 0 };
      void c.process.exited.then((exit) => {
        c.State = { Running: false, Status: 'exited', ExitCode: exit.code ?? 128 };
      });
      return send(204, undefined);
    }
    if (method === 'POST' && m[2] === 'update') {
      const { RestartPolicy } = (body ?? {}) as { RestartPolicy?: unknown };
      if (RestartPolicy) c.HostConfig = { ...c.HostConfig, RestartPolicy };
      return send(200, { Warnings: [] });
    }
    if (method === 'GET' && m[2] === 'logs') {
      // Docker's multiplexed stream: an 8-byte header (stream 1 = stdout, then the size) per frame.
      const text = Buffer.from(c.process?.output() ?? c.logs ?? '');
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(text.length, 4);
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      res.end(Buffer.concat([header, text]));
      return;
    }
    if (method === 'DELETE' && !m[2]) {
      c.process?.killGroup();
      this.containers.splice(this.containers.indexOf(c), 1);
      return send(204, undefined);
    }
    send(404, { message: 'not implemented by the fake engine' });
  }

  /** Stops every container process and the socket. */
  async close(): Promise<void> {
    for (const c of this.containers) c.process?.killGroup();
    await new Promise((r) => this.server.close(r));
    rmSync(this.socketPath, { force: true });
  }
}
