import { arch, hostname, networkInterfaces, platform as osPlatform, release } from 'node:os';
import type { RegisterBody, RunnerCommand, RunnerError, RunnerEventBody, VersionCommand } from '../contract';
import { backoffDelayMs, heartbeatDelayMs, type Random } from './backoff';
import { RunnerCallError, RunnerClient } from './client';
import { type ContainerInspect, clearRestartPolicy, containerName, DockerEngine, findOwnContainer, previousRunOf, startDockerReplacement } from './docker';
import { KubernetesApi, podRefFromEnv, updateOwnDeployment } from './kubernetes';
import type { Logger } from './log';
import { replacementName, type RunnerOptions } from './options';
import { type Replacement, type ReplacementSpec, startReplacement } from './replacement';
import { processExitCode, startWorker, type Worker, type WorkMode } from './supervisor';

export interface AgentSetup {
  options: RunnerOptions;
  /** The arguments this runner was started with (a replacement gets them rewritten). */
  argv: readonly string[];
  log: Logger;
  /** Set when this process is an update's replacement: it registers with the old instance's token. */
  replaces?: { instanceId: string; token: string } | null;
  /** Told once registration succeeded (a replacement tells its parent). */
  onRegistered?: (instanceId: string) => void;
  /** Environment for the worker and replacements, without secrets. */
  env?: NodeJS.ProcessEnv;
  random?: Random;
  /** The Docker engine for the docker platform's updates; default from DOCKER_HOST or the mounted socket. */
  docker?: DockerEngine | null;
  /** The Kubernetes API for the kubernetes platform's updates; default the in-cluster service account. */
  kubernetes?: KubernetesApi | null;
}

/**
 * The runner's protocol loop: register, heartbeat, act on commands, report how the worker ended.
 * `run()` resolves with the process exit code.
 */
export class Agent {
  private readonly client: RunnerClient;
  private readonly random: Random;
  private readonly stopCtl = new AbortController();
  private token = '';
  private instanceId = '';
  private heartbeatSeconds: number;
  private lastError: RunnerError | null = null;
  private lastErrorReported = true;
  private worker: Worker | null = null;
  private replacement: Replacement | null = null;
  /** The docker platform's engine (the mounted socket) and this runner's own container in it. */
  private docker: DockerEngine | null = null;
  private container: ContainerInspect | null = null;
  /** The instance this one replaces, until it registered as its replacement (a restarted container no longer does). */
  private replaces: { instanceId: string; token: string } | null;
  private readonly handledCommands = new Set<string>();
  private readonly foundLogged = new Set<string>();
  private finishing = false;
  private resolveDone!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly setup: AgentSetup) {
    this.client = new RunnerClient(setup.options.serverUrl);
    this.random = setup.random ?? Math.random;
    this.heartbeatSeconds = setup.options.test.heartbeatSeconds ?? 5;
    this.replaces = setup.replaces ?? null;
    setup.log.addSecret(setup.options.key);
    if (setup.replaces) setup.log.addSecret(setup.replaces.token);
  }

  private get log(): Logger {
    return this.setup.log;
  }

  private get options(): RunnerOptions {
    return this.setup.options;
  }

  private get stopped(): boolean {
    return this.stopCtl.signal.aborted;
  }

  /** Runs until the runner must exit; resolves with the exit code. */
  async run(): Promise<number> {
    void this.loop().catch((err: unknown) => {
      this.log.error(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
      void this.finish(1, async () => {});
    });
    return this.done;
  }

  /** A stop signal (SIGTERM, or Ctrl-C): say goodbye, stop the worker, exit 0 within 2 s. */
  stop(signalName: 'SIGTERM' | 'SIGINT'): void {
    void this.finish(0, async () => {
      this.log.info(`${signalName} received: saying goodbye and stopping`);
      // Both in parallel, each bounded, so the process is gone well within 2 s.
      await Promise.all([
        this.instanceId ? this.sendEvent({ type: 'goodbye', signal: 15 }, 1000) : Promise.resolve(),
        this.worker?.stop(500),
      ]);
    });
  }

  private async loop(): Promise<void> {
    if (this.options.platform === 'docker') {
      await this.findContainer();
      // Before registering anew: the instance of the run before is still the one of this name not ended.
      const restarted = !this.stopped && (await this.reportPreviousRun());
      if (restarted && this.replaces) {
        // Its environment still hands over the instance it replaced on its first run; that is long done.
        this.log.info(`This container was restarted: registering anew with the registration key, not as the replacement of instance ${this.replaces.instanceId}`);
        this.replaces = null;
      }
    }
    if (this.stopped) return;
    if (!(await this.register())) return;
    this.startWorker();
    await this.heartbeatLoop();
  }

  /**
   * Docker: this runner's container, through the engine (PRODUCT.md §10). Its name is the instance's name
   * (the hostname is the machine's under --network host, or whatever --hostname said).
   */
  private async findContainer(): Promise<void> {
    const docker = this.setup.docker === undefined ? DockerEngine.fromEnv(process.env) : this.setup.docker;
    if (!docker) {
      this.log.warn(
        `No Docker socket at ${DockerEngine.socketFromEnv(process.env) ?? process.env.DOCKER_HOST}: this runner cannot find its container or create its replacement on an update (the Docker command mounts it: -v /var/run/docker.sock:/var/run/docker.sock)`,
      );
      return;
    }
    this.docker = docker;
    try {
      this.container = await findOwnContainer(docker, hostname());
      this.log.info(`Running in container ${containerName(this.container)} (id ${this.container.Id.slice(0, 12)})`);
    } catch (err) {
      this.log.warn(`${err instanceof Error ? err.message : String(err)}; named after the hostname instead`);
    }
  }

  /**
   * A container that died whole (SIGKILLed, OOM-killed) could not say so; restarted, it reports how its
   * previous run ended, from the engine's die and oom events, for the instance that run had registered
   * (PRODUCT.md §10, through §11's endpoint). An instance already ended (it said so itself) stays as it is.
   */
  private async reportPreviousRun(): Promise<boolean> {
    if (!this.docker || !this.container) return false;
    let previous: Awaited<ReturnType<typeof previousRunOf>>;
    try {
      previous = await previousRunOf(this.docker, this.container);
    } catch (err) {
      this.log.warn(`Could not read how this container's previous run ended: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    if (!previous) return false;
    const name = this.identity().name;
    const how = previous.signal ? `signal ${previous.signal}` : `exit code ${previous.exitCode}, reason ${previous.reason}`;
    const body = { name, exitCode: previous.exitCode, signal: previous.signal, reason: previous.reason, observedAt: previous.at, observedBy: 'engine' as const };
    const deadline = Date.now() + 10_000;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const { recorded } = await this.client.terminations(this.options.key, body);
        this.log.info(
          `Previous run of this container ended at ${previous.at}: ${how} (the engine's ${previous.oom ? 'oom and die events' : 'die event'}); ` +
            (recorded ? `recorded for instance ${name}` : `instance ${name} had already recorded its end`),
        );
        return true;
      } catch (err) {
        const e = asCallError(err);
        const delay = backoffDelayMs(attempt, 2, this.random);
        if (e.status !== null || Date.now() + delay > deadline) {
          const why = e.status === 404 ? `no instance named ${name} to record it for` : e.message;
          this.log.warn(`Previous run of this container ended at ${previous.at}: ${how}; not recorded (${why})`);
          return true;
        }
        await this.sleep(delay);
      }
    }
    return true;
  }

  private identity(): RegisterBody {
    const name = this.options.name ?? (this.container ? containerName(this.container) : hostname());
    return {
      name: name.slice(0, 253),
      platform: this.options.platform,
      hostname: hostname().slice(0, 253) || 'unknown',
      address: primaryAddress(),
      os: `${osPlatform()} ${release()}`.slice(0, 64),
      arch: arch(),
      version: this.options.version,
      ...(this.replaces ? { replaces: this.replaces.instanceId } : {}),
    };
  }

  private async register(): Promise<boolean> {
    const first = this.identity();
    this.log.info(
      `Starting runner ${first.name} version ${first.version} on ${first.platform}; registering with ${this.options.serverUrl}` +
        (this.replaces ? ` as the replacement of instance ${this.replaces.instanceId}` : ''),
    );
    for (let attempt = 1; !this.stopped; attempt++) {
      const body = this.identity();
      const credential = this.replaces?.token ?? this.options.key;
      try {
        const res = await this.client.register(credential, body);
        this.token = res.instanceToken;
        this.log.addSecret(res.instanceToken);
        this.instanceId = res.instanceId;
        this.heartbeatSeconds = this.options.test.heartbeatSeconds ?? res.heartbeatSeconds;
        this.log.info(`Registered as instance ${res.instanceId}; heartbeat every ${this.heartbeatSeconds} s`);
        this.setup.onRegistered?.(res.instanceId);
        return true;
      } catch (err) {
        if (this.stopped) return false;
        const e = asCallError(err);
        if (e.final && this.replaces && this.options.platform === 'docker') {
          // A container restarted by its restart policy still carries the hand-over its first run used.
          this.log.warn(`Registering as the replacement of instance ${this.replaces.instanceId} was refused (${e.message}); registering anew with the registration key`);
          this.replaces = null;
          continue;
        }
        this.remember(e);
        if (e.final) {
          this.fatal(e, 'Registration');
          return false;
        }
        const delay = backoffDelayMs(attempt, this.heartbeatSeconds, this.random);
        this.log.warn(`Registration failed (${e.kind}): ${e.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await this.sleep(delay);
      }
    }
    return false;
  }

  private startWorker(): void {
    const t = this.options.test;
    const mode: WorkMode = t.workOom ? 'oom' : t.workHeap ? 'heap' : t.workExit !== null ? 'exit' : 'idle';
    const worker = startWorker(
      {
        mode,
        exitCode: t.workExit ?? 0,
        delaySeconds: t.workSeconds,
        memoryLimitMb: t.workHeap ? 48 : 256,
        env: this.setup.env ?? process.env,
      },
      this.log,
    );
    this.worker = worker;
    this.log.info(`Worker started (pid ${worker.pid})`);
    void worker.exited.then((fp) => {
      const code = processExitCode(fp);
      void this.finish(code, async () => {
        const how = fp.signal ? `signal ${fp.signal}` : `exit code ${fp.exitCode}, reason ${fp.reason}`;
        this.log.warn(`Worker ended: ${how}; reporting and exiting with ${code}`);
        await this.reportTermination({ type: 'terminated', exitCode: fp.exitCode, signal: fp.signal, reason: fp.reason });
      });
    });
  }

  private async heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const pending = this.lastErrorReported ? undefined : this.lastError;
        const res = await this.client.heartbeat(
          this.token,
          { version: this.options.version, ...(pending ? { lastError: pending } : {}) },
          this.stopCtl.signal,
        );
        if (this.stopped) return;
        if (pending) this.lastErrorReported = true;
        if (failures > 0) this.log.info(`Reconnected to ${this.options.serverUrl} after ${failures} failed heartbeat(s)`);
        failures = 0;
        this.heartbeatSeconds = this.options.test.heartbeatSeconds ?? res.heartbeatSeconds;
        this.handleCommands(res.commands);
        await this.sleep(heartbeatDelayMs(this.heartbeatSeconds, this.random));
      } catch (err) {
        if (this.stopped) return;
        const e = asCallError(err);
        if (e.final && this.replacement) {
          // Our token may already be retired because the replacement registered; wait for its word.
          await this.sleep(200);
          continue;
        }
        this.remember(e);
        if (e.final) return this.fatal(e, 'Heartbeat');
        failures++;
        const delay = backoffDelayMs(failures, this.heartbeatSeconds, this.random);
        this.log.warn(`Heartbeat failed (${e.kind}): ${e.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await this.sleep(delay);
      }
    }
  }

  private handleCommands(commands: readonly RunnerCommand[]): void {
    // A stop outranks everything else in the reply: the runner leaves, so updates are moot.
    if (commands.some((c) => c.type === 'stop')) {
      this.stopRequested();
      return;
    }
    for (const cmd of commands) {
      if (cmd.type === 'stop' || cmd.targetVersion === this.options.version) continue;
      const key = `${cmd.type}:${cmd.updateId}:${cmd.targetVersion}`;
      if (this.replacement && this.replacement.version === cmd.targetVersion) {
        if (!this.foundLogged.has(key)) {
          this.foundLogged.add(key);
          this.log.info(
            `Found existing container with name: ${replacementName(this.replacement.version)} already running with id: ${this.replacement.id}${asProcess(this.replacement)}`,
          );
        }
        continue;
      }
      if (this.handledCommands.has(key)) continue;
      this.handledCommands.add(key);
      if (this.replacement) {
        this.log.warn(`Abandoning ${describe(this.replacement)} for a newer command toward ${cmd.targetVersion}`);
        this.replacement.kill();
        this.replacement = null;
      }
      void this.carryOut(cmd);
    }
  }

  /**
   * An admin stopped this instance from the console: say goodbye, stop the worker and exit 0, and do
   * not come back by itself: on Docker the container's restart policy is cleared first, else exiting 0
   * would bring it back. (On Kubernetes the Deployment starts a new pod: the console says to scale the
   * Deployment instead.)
   */
  private stopRequested(): void {
    void this.finish(0, async () => {
      this.log.info('Stop requested from the console: saying goodbye and exiting');
      if (this.options.platform === 'docker') await this.clearOwnRestartPolicy();
      if (this.options.platform === 'kubernetes') {
        this.log.warn('On Kubernetes the Deployment starts a new pod in place of this one; scale the Deployment down to keep it stopped');
      }
      await Promise.all([this.sendEvent({ type: 'goodbye' }, 1000), this.worker?.stop(500)]);
    });
  }

  private async clearOwnRestartPolicy(): Promise<void> {
    const docker = this.setup.docker === undefined ? DockerEngine.fromEnv(process.env) : this.setup.docker;
    if (!docker) {
      this.log.warn('No Docker socket mounted (/var/run/docker.sock or DOCKER_HOST): a restart policy may start this container again');
      return;
    }
    if (await clearRestartPolicy(docker, hostname(), this.log)) this.log.info("Cleared this container's restart policy, so that it stays stopped");
  }

  /** Update or rollback: start the replacement on the target version, wait until it registered, exit 0. */
  private async carryOut(cmd: VersionCommand): Promise<void> {
    const what = cmd.type === 'update' ? 'Update' : 'Rollback';
    this.log.info(`${what} ${cmd.updateId}: ${this.options.version} -> ${cmd.targetVersion}`);
    await this.sendEvent({ type: 'update-started', updateId: cmd.updateId, targetVersion: cmd.targetVersion });
    if (this.stopped) return;
    const t = this.options.test;
    const spec: ReplacementSpec = {
      targetVersion: cmd.targetVersion,
      oldInstanceId: this.instanceId,
      oldName: this.identity().name,
      oldToken: this.token,
      key: this.options.key,
      argv: this.setup.argv,
      startFailure: cmd.type === 'update' && t.failUpdate ? 'crash' : cmd.type === 'update' && t.hangUpdate ? 'hang' : null,
      timeoutMs: this.options.updateTimeoutSeconds * 1000,
      env: this.setup.env,
    };
    if (this.options.platform === 'kubernetes' && (await this.updateDeployment(cmd, what))) return;
    let replacement: Replacement;
    try {
      replacement = await this.startReplacement(spec);
    } catch (err) {
      const reason = `could not start the replacement on ${cmd.targetVersion}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
      this.log.error(`${what} ${cmd.updateId} failed: ${reason}; staying on ${this.options.version}`);
      await this.sendEvent({ type: 'update-failed', updateId: cmd.updateId, reason });
      return;
    }
    if (this.stopped) return replacement.kill();
    this.replacement = replacement;
    const outcome = await replacement.outcome;
    if (this.replacement !== replacement || this.stopped) return;
    if (outcome.kind === 'registered') {
      await this.finish(0, async () => {
        this.log.info(`${describe(replacement)} registered as instance ${outcome.instanceId}; this instance exits`);
        await Promise.all([this.worker?.stop(600), this.sendEvent({ type: 'terminated', exitCode: 0, signal: null, reason: 'Replaced' }, 1000)]);
        await replacement.release();
      });
      return;
    }
    this.replacement = null;
    // Removed before the failure is reported: a rolled-back update leaves no container behind.
    await replacement.kill();
    const reason =
      outcome.kind === 'timeout'
        ? `${describe(replacement)} did not register within ${this.options.updateTimeoutSeconds} s`
        : `${describe(replacement)} exited ${outcome.signal ? `on ${outcome.signal}` : `with code ${outcome.code}`} before registering`;
    this.log.error(`${what} ${cmd.updateId} failed: ${reason}; staying on ${this.options.version}`);
    await this.sendEvent({ type: 'update-failed', updateId: cmd.updateId, reason });
  }

  /**
   * Kubernetes: point this pod's Deployment at the target version and let the rollout replace the pods
   * (this one is then stopped with SIGTERM). False when there is no in-cluster API to talk to.
   */
  private async updateDeployment(cmd: VersionCommand, what: string): Promise<boolean> {
    const api = this.setup.kubernetes === undefined ? KubernetesApi.inCluster(process.env) : this.setup.kubernetes;
    const pod = podRefFromEnv(process.env, this.options.name ?? hostname());
    if (!api || !pod) {
      this.log.warn('No in-cluster Kubernetes API (service account token, PADDOCK_NAMESPACE): starting the replacement as a process');
      return false;
    }
    try {
      const deployment = await updateOwnDeployment(api, pod, cmd.targetVersion, this.log);
      this.log.info(`deployment/${deployment} rolls out ${cmd.targetVersion}; this pod keeps working until the rollout stops it`);
    } catch (err) {
      const reason = `could not update the Deployment: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
      this.log.error(`${what} ${cmd.updateId} failed: ${reason}; staying on ${this.options.version}`);
      await this.sendEvent({ type: 'update-failed', updateId: cmd.updateId, reason });
    }
    return true;
  }

  /**
   * Docker (with the engine's socket mounted): a new container from this one's configuration.
   * Otherwise: the same program started again as a process, in this process group.
   */
  private async startReplacement(spec: ReplacementSpec): Promise<Replacement> {
    if (this.options.platform === 'docker') {
      if (!this.docker) {
        const socket = DockerEngine.socketFromEnv(process.env) ?? process.env.DOCKER_HOST;
        throw new Error(`no Docker socket at ${socket}: mount it (-v /var/run/docker.sock:/var/run/docker.sock) so that the runner can create its replacement container`);
      }
      this.container ??= await findOwnContainer(this.docker, hostname());
      return startDockerReplacement(spec, this.docker, this.container.Id, this.log);
    }
    const replacement = startReplacement(spec);
    this.log.info(
      `Creating new container with name: ${replacementName(replacement.version)} and configuration from container with id: ${this.instanceId}${asProcess(replacement)}`,
    );
    return replacement;
  }

  private remember(e: RunnerCallError): void {
    this.lastError = e.toRunnerError(new Date());
    this.lastErrorReported = false;
  }

  private fatal(e: RunnerCallError, during: string): void {
    const line =
      e.kind === 'key_revoked'
        ? `${during} refused: registration key revoked or unknown (${e.message}). Not retrying; install the runner again with the group's current key.`
        : /forgotten/i.test(e.message)
          ? `${during} refused: this instance was forgotten in the console (${e.message}). Not retrying.`
          : `${during} refused: the runner group was deleted (${e.message}). Not retrying.`;
    void this.finish(1, async () => {
      this.log.error(line);
      await this.worker?.stop(600);
    });
  }

  /** Ends the agent once: cancels the loop, runs the cleanup, then resolves the exit code. */
  private async finish(code: number, cleanup: () => Promise<unknown>): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    this.stopCtl.abort();
    const pending = this.replacement;
    const killing = pending && pending.instanceId === null ? pending.kill() : undefined;
    try {
      // A container replacement is removed through the engine: worth a moment, not the 2 s a stop may take.
      await Promise.race([killing, new Promise((r) => setTimeout(r, 1000).unref())]);
      await cleanup();
    } catch (err) {
      this.log.warn(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.resolveDone(code);
  }

  /** The termination record is worth a few tries (the network may be down right now), within about 10 s. */
  private async reportTermination(body: RunnerEventBody): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.event(this.token, body, 3000);
        return;
      } catch (err) {
        const e = asCallError(err);
        const delay = backoffDelayMs(attempt, 2, this.random);
        if (e.status !== null || Date.now() + delay > deadline) {
          this.log.warn(`Could not report ${body.type}: ${e.message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async sendEvent(body: RunnerEventBody, timeoutMs = 5000): Promise<void> {
    try {
      await this.client.event(this.token, body, timeoutMs);
    } catch (err) {
      this.log.warn(`Could not report ${body.type}: ${asCallError(err).message}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.stopCtl.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.stopCtl.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * A process replacement logs PRODUCT.md §4's Docker lines word for word (the console's "Runner upgrade
 * failure" guide tells users to search for them), then says which instance name it registers under.
 */
function asProcess(r: Replacement): string {
  return r.name === replacementName(r.version) ? '' : ` (a process here; it registers as ${r.name})`;
}

/** "replacement paddock-runner-1.5.0" (Docker), "replacement build-1 on 1.5.0" (a process keeps its name). */
function describe(r: Replacement): string {
  return r.name.endsWith(r.version) ? `replacement ${r.name}` : `replacement ${r.name} on ${r.version}`;
}

function asCallError(err: unknown): RunnerCallError {
  if (err instanceof RunnerCallError) return err;
  return new RunnerCallError('other', err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300), null);
}

/** The first non-internal IPv4 address, the address a console user would recognise. */
function primaryAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
