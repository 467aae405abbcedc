import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { Logger } from './log';
import { replacementName } from './options';
import { type Replacement, type ReplacementOutcome, type ReplacementSpec, replacementEnv } from './replacement';

/** An answer of the Docker Engine API. */
interface DockerAnswer {
  status: number;
  body: Buffer;
}

/** The few Docker Engine API calls an update needs, over the mounted unix socket. */
export class DockerEngine {
  constructor(readonly socketPath: string) {}

  /** The engine named by DOCKER_HOST (unix:// only) or the default socket, when it is there. */
  static fromEnv(env: NodeJS.ProcessEnv): DockerEngine | null {
    const host = env.DOCKER_HOST?.trim();
    const path = host ? (host.startsWith('unix://') ? host.slice('unix://'.length) : null) : '/var/run/docker.sock';
    return path && existsSync(path) ? new DockerEngine(path) : null;
  }

  call(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<DockerAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: { host: 'docker', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Docker API ${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    if (res.status >= 300) throw new DockerError(res.status, `${method} ${path.split('?')[0]}: ${dockerMessage(res.body)}`);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }
}

export class DockerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function dockerMessage(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { message?: unknown }).message ?? '').slice(0, 200);
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}

interface ContainerInspect {
  Id: string;
  Name?: string;
  State?: { Running?: boolean; ExitCode?: number; Status?: string };
  Config: { Image: string; Env?: string[] | null; Cmd?: string[] | null; Tty?: boolean } & Record<string, unknown>;
  HostConfig?: Record<string, unknown>;
}

/** `repo[:tag][@digest]` → `repo:version` (a registry port is not a tag). */
export function imageForVersion(image: string, version: string): string {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  return `${repo}:${version}`;
}

const handedOver = new Set<string>([
  'PADDOCK_AGENT_VERSION',
  'PADDOCK_RUNNER_NAME',
  replacementEnv.instanceId,
  replacementEnv.token,
  replacementEnv.startFailure,
]);

/** The replacement container's environment: the old one's, with the version, name and hand-over set. */
export function replacementContainerEnv(env: readonly string[], spec: ReplacementSpec): string[] {
  const kept = env.filter((e) => !handedOver.has(e.split('=')[0]!));
  return [
    ...kept,
    `PADDOCK_AGENT_VERSION=${spec.targetVersion}`,
    `PADDOCK_RUNNER_NAME=${replacementName(spec.targetVersion)}`,
    `${replacementEnv.instanceId}=${spec.oldInstanceId}`,
    `${replacementEnv.token}=${spec.oldToken}`,
    ...(spec.startFailure ? [`${replacementEnv.startFailure}=${spec.startFailure}`] : []),
  ];
}

/** The text of a container log answer, demultiplexing Docker's 8-byte frame headers when there is no TTY. */
export function demuxLogs(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length && buf[i]! <= 2 && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return i === 0 ? buf.toString('utf8') : out;
}

/**
 * The Docker flow of an update: a new container `paddock-runner-{version}` from this container's
 * configuration on the target version's image (or the one already running under that name), handed
 * the old instance's id and token in its environment; registered once its log says so.
 */
export async function startDockerReplacement(spec: ReplacementSpec, docker: DockerEngine, selfId: string, log: Logger): Promise<Replacement> {
  const name = replacementName(spec.targetVersion);
  const self = await docker.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(selfId)}/json`);
  let id: string;
  const existing = await docker.call('GET', `/containers/${encodeURIComponent(name)}/json`);
  const running = existing.status === 200 ? (JSON.parse(existing.body.toString('utf8')) as ContainerInspect) : null;
  if (running?.State?.Running) {
    id = running.Id;
    log.info(`Found existing container with name: ${name} already running with id: ${id}`);
  } else {
    if (running) await docker.call('DELETE', `/containers/${encodeURIComponent(running.Id)}?force=true`);
    log.info(`Creating new container with name: ${name} and configuration from container with id: ${self.Id}`);
    const image = imageForVersion(self.Config.Image, spec.targetVersion);
    const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), spec.targetVersion];
    const pull = await docker.call('POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, undefined, 600_000);
    if (pull.status >= 300) log.warn(`Pulling ${image} failed (${pull.status}: ${dockerMessage(pull.body)}); trying the local image`);
    const { Hostname: _h, Env, ...config } = self.Config as ContainerInspect['Config'] & { Hostname?: string };
    const created = await docker.json<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      ...config,
      Image: image,
      Env: replacementContainerEnv(Env ?? [], spec),
      HostConfig: self.HostConfig ?? {},
    });
    id = created.Id;
    await docker.json('POST', `/containers/${encodeURIComponent(id)}/start`);
  }

  const handle: Replacement = {
    name,
    version: spec.targetVersion,
    id: id.slice(0, 12),
    instanceId: null,
    outcome: waitForRegistration(docker, id, spec.timeoutMs).then((o) => {
      if (o.kind === 'registered') handle.instanceId = o.instanceId;
      return o;
    }),
    kill() {
      void docker.call('DELETE', `/containers/${encodeURIComponent(id)}?force=true`).catch(() => {});
    },
    async release() {
      // Exiting 0 would make a restart policy bring this container back on the old version.
      await clearRestartPolicy(docker, self.Id, log);
    },
  };
  return handle;
}

/**
 * Sets this container's restart policy to `no`, so that exiting does not bring it back (after an
 * update, or a Stop from the console). A failure is logged, not thrown: the runner leaves anyway.
 */
export async function clearRestartPolicy(docker: DockerEngine, selfId: string, log: Logger): Promise<boolean> {
  try {
    // Bounded: a busy engine must not keep a stopping runner from leaving.
    const res = await docker.call('POST', `/containers/${encodeURIComponent(selfId)}/update`, { RestartPolicy: { Name: 'no' } }, 5000);
    if (res.status >= 300) throw new DockerError(res.status, `POST /containers/{id}/update: ${dockerMessage(res.body)}`);
    return true;
  } catch (err) {
    log.warn(`Could not clear this container's restart policy: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/** Polls the container until its log shows the registration, it stops, or time runs out. */
async function waitForRegistration(docker: DockerEngine, id: string, timeoutMs: number): Promise<ReplacementOutcome> {
  const deadline = Date.now() + timeoutMs;
  const path = `/containers/${encodeURIComponent(id)}`;
  while (Date.now() < deadline) {
    try {
      const logs = await docker.call('GET', `${path}/logs?stdout=true&stderr=true`);
      const m = /Registered as instance (\S+);/.exec(demuxLogs(logs.body));
      if (m) return { kind: 'registered', instanceId: m[1]! };
      const state = await docker.json<ContainerInspect>('GET', `${path}/json`);
      if (state.State && !state.State.Running && state.State.Status !== 'created') {
        return { kind: 'exited', code: state.State.ExitCode ?? null, signal: null };
      }
    } catch {
      // The engine may be busy; keep polling until the deadline.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { kind: 'timeout' };
}
