import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Logger } from './log';
import { replacementName } from './options';
import { type Replacement, type ReplacementOutcome, type ReplacementSpec, replacementEnv } from './replacement';

/** An answer of the Docker Engine API. */
interface DockerAnswer {
  status: number;
  body: Buffer;
}

/** The socket the console's Docker command mounts into the runner's container. */
export const defaultDockerSocket = '/var/run/docker.sock';

/** The label the console's Docker command puts on a runner's container: the group's slug. */
export const groupLabel = 'paddock.runner-group';

/** The Docker Engine API calls the runner needs, over a unix socket. */
export class DockerEngine {
  constructor(readonly socketPath: string) {}

  /** The socket DOCKER_HOST names (unix:// only), else the default one. */
  static socketFromEnv(env: NodeJS.ProcessEnv): string | null {
    const host = env.DOCKER_HOST?.trim();
    if (!host) return defaultDockerSocket;
    return host.startsWith('unix://') ? host.slice('unix://'.length) : null;
  }

  /** The engine named by DOCKER_HOST (unix:// only) or the default socket, when the socket file is there. */
  static fromEnv(env: NodeJS.ProcessEnv): DockerEngine | null {
    const path = DockerEngine.socketFromEnv(env);
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
      req.on('timeout', () => req.destroy(new DockerError(0, `the Docker engine at ${this.socketPath} did not answer ${method} ${path.split('?')[0]} within ${timeoutMs / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(err instanceof DockerError ? err : new DockerError(0, `cannot reach the Docker engine at ${this.socketPath} (${err.code ?? err.message})`)),
      );
      req.end(payload);
    });
  }

  async json<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const res = await this.call(method, path, body, timeoutMs);
    if (res.status >= 300) throw new DockerError(res.status, `${method} ${path.split('?')[0]}: ${dockerMessage(res.body)}`);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }

  /** A container's inspect answer, or null when the engine has no such container. */
  async container(idOrName: string): Promise<ContainerInspect | null> {
    const res = await this.call('GET', `/containers/${encodeURIComponent(idOrName)}/json`);
    if (res.status === 404) return null;
    if (res.status >= 300) throw new DockerError(res.status, `GET /containers/${idOrName}/json: ${dockerMessage(res.body)}`);
    return JSON.parse(res.body.toString('utf8')) as ContainerInspect;
  }
}

/** A Docker Engine API failure; status 0 when the engine could not be reached at all. */
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

type ContainerConfig = {
  Image: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Labels?: Record<string, string> | null;
  Hostname?: string;
  WorkingDir?: string;
  User?: string;
  Tty?: boolean;
} & Record<string, unknown>;

/** The parts of `GET /containers/{id}/json` the runner reads. */
export interface ContainerInspect {
  Id: string;
  Name?: string;
  /** The image's id (sha256:…); Config.Image is the reference it was started from. */
  Image?: string;
  Created?: string;
  RestartCount?: number;
  State?: { Running?: boolean; ExitCode?: number; Status?: string; OOMKilled?: boolean; StartedAt?: string; FinishedAt?: string; Pid?: number };
  Config: ContainerConfig;
  HostConfig?: Record<string, unknown> & { NetworkMode?: string; RestartPolicy?: { Name?: string } };
}

/** `/eager_runner` → `eager_runner`. */
export function containerName(c: ContainerInspect): string {
  return (c.Name ?? '').replace(/^\//, '') || c.Id.slice(0, 12);
}

/** `repo[:tag][@digest]` → `repo:version` (a registry port is not a tag). */
export function imageForVersion(image: string, version: string): string {
  return `${imageRepository(image)}:${version}`;
}

/** `ghcr.io/paddock/runner:1.4.0` → `ghcr.io/paddock/runner` (a registry port is not a tag). */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

// ---- finding its own container ----

const containerIdPattern = /[0-9a-f]{64}/;

/**
 * Ids this process's own container may have, best first: from /proc/self/mountinfo (the engine bind-mounts
 * `…/containers/<id>/hostname`, `resolv.conf` and `hosts` into every container, whatever its network or
 * hostname), then from /proc/self/cgroup (`…/docker/<id>`, `docker-<id>.scope`).
 */
export function ownContainerIdCandidates(mountinfo: string, cgroup: string): string[] {
  const ids: string[] = [];
  for (const m of mountinfo.matchAll(/\/containers\/([0-9a-f]{64})\/(?:hostname|resolv\.conf|hosts)\b/g)) ids.push(m[1]!);
  for (const line of cgroup.split('\n')) {
    const m = /(?:docker[/-])([0-9a-f]{64})/.exec(line) ?? containerIdPattern.exec(line.split(':').slice(2).join(':'));
    if (m) ids.push(m[1] ?? m[0]);
  }
  return [...new Set(ids)];
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * This runner's own container, found through the engine: the ids in mountinfo or the cgroup, then the
 * hostname (right only when nobody set --hostname or --network host). Throws a DockerError saying what
 * was tried when none is known to the engine.
 */
export async function findOwnContainer(
  docker: DockerEngine,
  hostname: string,
  read: (file: string) => string = readOrEmpty,
): Promise<ContainerInspect> {
  const candidates = [...ownContainerIdCandidates(read('/proc/self/mountinfo'), read('/proc/self/cgroup')), hostname].filter(Boolean);
  for (const id of candidates) {
    const found = await docker.container(id);
    if (found) return found;
  }
  throw new DockerError(
    404,
    `cannot find this runner's own container through the Docker engine at ${docker.socketPath} (tried ${candidates.map((c) => (c.length > 12 ? c.slice(0, 12) : c)).join(', ')})`,
  );
}

// ---- the replacement's configuration ----

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

const sameList = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What the user gave the old container (`docker run -e/-l/--entrypoint/--hostname …`), without what its
 * image set: an image default copied as if the user had set it would pin the old image's values
 * (its version label, its Node's variables) on the new image. Without the image's configuration, all of it.
 */
export function userConfig(self: ContainerInspect, image: ContainerConfig | null, engineHostname: string | null): ContainerConfig {
  const { Hostname, Env, Labels, Cmd, Entrypoint, WorkingDir, User, ...rest } = self.Config;
  const imageEnv = new Set(image?.Env ?? []);
  const imageLabels = image?.Labels ?? {};
  const config: ContainerConfig = { ...rest, Env: (Env ?? []).filter((e) => !imageEnv.has(e)) };
  const labels = Object.fromEntries(Object.entries(Labels ?? {}).filter(([k, v]) => imageLabels[k] !== v));
  if (Object.keys(labels).length) config.Labels = labels;
  if (!image || !sameList(Cmd, image.Cmd)) config.Cmd = Cmd ?? null;
  if (!image || !sameList(Entrypoint, image.Entrypoint)) config.Entrypoint = Entrypoint ?? null;
  if (WorkingDir && WorkingDir !== image?.WorkingDir) config.WorkingDir = WorkingDir;
  if (User && User !== image?.User) config.User = User;
  // A hostname the user chose (--hostname) is kept; the engine's default is not: the short id, or the
  // machine's name under --network host.
  const hostNetwork = self.HostConfig?.NetworkMode === 'host';
  const engineDefault = hostNetwork ? Hostname === engineHostname : self.Id.startsWith(Hostname ?? '');
  if (Hostname && !engineDefault) config.Hostname = Hostname;
  return config;
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

/** The first error in a pull's progress stream (the engine answers 200 and reports failures inside it). */
export function pullError(stream: string): string | null {
  for (const line of stream.split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
      if (m.error || m.errorDetail) return String(m.errorDetail?.message ?? m.error).slice(0, 300);
    } catch {
      // not JSON: progress text
    }
  }
  return null;
}

/** Makes sure the engine has the image: the local one when it is there (a version's tag does not move), else a pull. */
async function ensureImage(docker: DockerEngine, image: string, log: Logger): Promise<void> {
  const local = await docker.call('GET', `/images/${encodeURIComponent(image)}/json`);
  if (local.status === 200) return;
  log.info(`Pulling ${image}`);
  const tag = image.slice(image.lastIndexOf(':') + 1);
  const pull = await docker.call('POST', `/images/create?fromImage=${encodeURIComponent(imageRepository(image))}&tag=${encodeURIComponent(tag)}`, undefined, 600_000);
  const error = pull.status >= 300 ? dockerMessage(pull.body) : pullError(pull.body.toString('utf8'));
  if (error !== null) throw new DockerError(pull.status, `image ${image} is not on this host and could not be pulled: ${error}`);
}

/**
 * The Docker flow of an update (PRODUCT.md §10): a new container `paddock-runner-{version}` from this
 * container's configuration on the target version's image — or the one already running under that name —
 * handed the old instance's id and token in its environment; registered once its log says so. Whatever
 * fails before that leaves no container behind, and the error says why in one line.
 */
export async function startDockerReplacement(spec: ReplacementSpec, docker: DockerEngine, selfId: string, log: Logger): Promise<Replacement> {
  const name = replacementName(spec.targetVersion);
  const self = await docker.container(selfId);
  if (!self) throw new DockerError(404, `this runner's own container ${selfId.slice(0, 12)} is gone from the engine`);
  const image = imageForVersion(self.Config.Image, spec.targetVersion);
  let id: string;
  const existing = await docker.container(name);
  // Ours to use or clear only when it runs this image's repository for this runner group.
  const ours =
    existing !== null &&
    imageRepository(existing.Config.Image) === imageRepository(self.Config.Image) &&
    (existing.Config.Labels?.[groupLabel] ?? null) === (self.Config.Labels?.[groupLabel] ?? null);
  if (existing && !ours) {
    throw new DockerError(
      409,
      `a container named ${name} already exists (id ${existing.Id.slice(0, 12)}, ${existing.State?.Status ?? 'unknown state'}, image ${existing.Config.Image}) and is not this group's runner: rename or remove it (docker rm ${name}), then update again`,
    );
  }
  if (existing?.State?.Running) {
    id = existing.Id;
    log.info(`Found existing container with name: ${name} already running with id: ${id}`);
  } else {
    if (existing) {
      // A runner of this group that an earlier update replaced: it exited and stays until removed.
      log.info(`Removing stopped container ${name} (id ${existing.Id.slice(0, 12)}) left by an earlier update`);
      await docker.json('DELETE', `/containers/${encodeURIComponent(existing.Id)}?force=true`);
    }
    await ensureImage(docker, image, log);
    log.info(`Creating new container with name: ${name} and configuration from container with id: ${self.Id}`);
    const imageConfig = self.Image ? await docker.call('GET', `/images/${encodeURIComponent(self.Image)}/json`) : null;
    const oldImage = imageConfig?.status === 200 ? ((JSON.parse(imageConfig.body.toString('utf8')) as { Config?: ContainerConfig }).Config ?? null) : null;
    const info = self.HostConfig?.NetworkMode === 'host' ? await docker.json<{ Name?: string }>('GET', '/info').catch(() => null) : null;
    const config = userConfig(self, oldImage, info?.Name ?? null);
    const created = await docker.json<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      ...config,
      Image: image,
      Env: replacementContainerEnv(config.Env ?? [], spec),
      HostConfig: self.HostConfig ?? {},
    });
    id = created.Id;
    try {
      await docker.json('POST', `/containers/${encodeURIComponent(id)}/start`);
    } catch (err) {
      await docker.call('DELETE', `/containers/${encodeURIComponent(id)}?force=true`).catch(() => {});
      throw err;
    }
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
    async kill() {
      try {
        await docker.json('DELETE', `/containers/${encodeURIComponent(id)}?force=true`);
      } catch (err) {
        if (!(err instanceof DockerError && err.status === 404)) {
          log.warn(`Could not remove ${name} (${id.slice(0, 12)}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
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
      const state = await docker.container(id);
      if (!state) return { kind: 'exited', code: null, signal: null };
      // A restart policy (copied from the old container) restarts a replacement that crashes: once it
      // restarted, it has exited at least once; the engine's die event says with what.
      const restarted = (state.RestartCount ?? 0) > 0 || state.State?.Status === 'restarting';
      if (restarted || (state.State && !state.State.Running && state.State.Status !== 'created')) {
        const died = state.State?.Running === false ? null : await lastDie(docker, id, state.Created);
        return { kind: 'exited', code: died?.exitCode ?? state.State?.ExitCode ?? null, signal: null };
      }
    } catch {
      // The engine may be busy; keep polling until the deadline.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { kind: 'timeout' };
}

// ---- the engine's record of how a container ended ----

/** One `die` or `oom` event of a container, as `GET /events` answers it. */
export interface ContainerEvent {
  action: 'start' | 'die' | 'oom';
  timeNano: number;
  exitCode: number | null;
}

/** A container's start, die and oom events the engine still holds, oldest first (`since` an ISO time). */
export async function containerEvents(docker: DockerEngine, id: string, since?: string): Promise<ContainerEvent[]> {
  const from = since ? Math.floor(Date.parse(since) / 1000) - 1 : 0;
  const filters = JSON.stringify({ type: ['container'], container: [id], event: ['start', 'die', 'oom'] });
  // `until` now, to the millisecond: the engine answers what it holds and closes instead of streaming. A
  // whole second in the future (as this once asked) made the engine wait until then, which was most of
  // a runner container's start → registered time.
  const nowMs = Date.now();
  const until = `${Math.floor(nowMs / 1000)}.${String(nowMs % 1000).padStart(3, '0')}000000`;
  const res = await docker.call('GET', `/events?since=${from}&until=${until}&filters=${encodeURIComponent(filters)}`);
  if (res.status >= 300) throw new DockerError(res.status, `GET /events: ${dockerMessage(res.body)}`);
  const events: ContainerEvent[] = [];
  for (const line of res.body.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { Action?: string; status?: string; timeNano?: number; Actor?: { Attributes?: Record<string, string> } };
    const action = e.Action ?? e.status;
    if (action !== 'start' && action !== 'die' && action !== 'oom') continue;
    const code = e.Actor?.Attributes?.exitCode;
    events.push({ action, timeNano: e.timeNano ?? 0, exitCode: code === undefined ? null : Number(code) });
  }
  return events.sort((a, b) => a.timeNano - b.timeNano);
}

async function lastDie(docker: DockerEngine, id: string, since?: string): Promise<ContainerEvent | null> {
  const events = await containerEvents(docker, id, since).catch(() => []);
  return events.filter((e) => e.action === 'die').at(-1) ?? null;
}

/** How a container's previous run ended, as the engine recorded it, in the shape of a termination report. */
export interface PreviousRun {
  exitCode: number | null;
  signal: number | null;
  reason: 'Completed' | 'OOMKilled' | 'Error' | null;
  /** When it died (the engine's die event), ISO. */
  at: string;
  /** The engine saw the kernel's OOM killer act in that run. */
  oom: boolean;
}

/**
 * The end of the run before the current one (started at `currentStartMs`): the last `die` before it, and
 * whether an `oom` came in that run (after the start before that die). OOMKilled only on the engine's word
 * (PRODUCT.md §2); 143 (SIGTERM unhandled) is signal 15 alone; other codes as a container reports them.
 * Null when the engine holds no earlier end (a first run, or events it no longer keeps).
 */
export function endOfPreviousRun(events: readonly ContainerEvent[], currentStartMs: number): PreviousRun | null {
  const before = events.filter((e) => e.timeNano / 1e6 < currentStartMs);
  const dieIndex = before.findLastIndex((e) => e.action === 'die');
  if (dieIndex < 0) return null;
  const die = before[dieIndex]!;
  const runStart = before.slice(0, dieIndex).findLastIndex((e) => e.action === 'start');
  const oom = before.slice(runStart + 1, dieIndex + 1).some((e) => e.action === 'oom');
  const at = new Date(Math.floor(die.timeNano / 1e6)).toISOString();
  const code = die.exitCode;
  if (oom) return { exitCode: 137, signal: null, reason: 'OOMKilled', at, oom };
  if (code === 143) return { exitCode: null, signal: 15, reason: null, at, oom };
  if (code === null) return { exitCode: null, signal: null, reason: null, at, oom };
  return { exitCode: code, signal: null, reason: code === 0 ? 'Completed' : 'Error', at, oom };
}

/** How this container's previous run ended, from the engine's events; null for a first run. */
export async function previousRunOf(docker: DockerEngine, self: ContainerInspect): Promise<PreviousRun | null> {
  const startedAt = Date.parse(self.State?.StartedAt ?? '');
  if (!Number.isFinite(startedAt)) return null;
  return endOfPreviousRun(await containerEvents(docker, self.Id, self.Created), startedAt);
}
