import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

// The real Docker engine of the test run (PRODUCT.md §10): `scripts/with-docker.sh` starts a throwaway
// dockerd, builds the images once and exports where they are; tests use them through this module.

/** How a docker CLI call ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The engine and images of this test run. */
export interface TestDocker {
  /** `unix://<temp>/docker.sock` */
  host: string;
  socketPath: string;
  /** The runner image's repository, with tags 1.4.0 and 1.5.0. */
  runnerImage: string;
  /** The control-plane image, or null when the run built none. */
  controlPlaneImage: string | null;
  /** The docker client (Debian's docker.io; /usr/local/bin/docker on these machines is another one). */
  cli: string;
  /** Runs the docker client against the engine. */
  docker(args: readonly string[], timeoutMs?: number): Promise<CliResult>;
  /** Runs the docker client; its stdout, trimmed, or an error with its stderr. */
  ok(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Runs a shell command with `docker` meaning this client and DOCKER_HOST this engine. */
  sh(command: string, timeoutMs?: number): Promise<CliResult>;
  /** `docker inspect` of one container, or null when there is none. */
  inspect<T = DockerInspect>(idOrName: string): Promise<T | null>;
  /** Removes every container carrying the label `key=value` (tests clean up after themselves). */
  removeLabelled(label: string): Promise<void>;
}

/** The parts of `docker inspect` tests read. */
export interface DockerInspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; ExitCode: number; OOMKilled: boolean; Pid: number; StartedAt: string; Health?: { Status: string } };
  Config: { Image: string; Env: string[]; Labels: Record<string, string> | null; Hostname: string; Cmd: string[] | null };
  HostConfig: { NetworkMode: string; RestartPolicy: { Name: string }; Binds: string[] | null; GroupAdd: string[] | null; Memory: number };
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 1 ? err.message : '') });
    });
  });
}

/** Why the run has no engine or image for these needs, or null when it has them (from with-docker.sh's exports). */
function missingFromEnv(needs: { controlPlane?: boolean }): string | null {
  const host = process.env.PADDOCK_TEST_DOCKER_HOST ?? '';
  if (!host.startsWith('unix://')) return 'no Docker engine (PADDOCK_TEST_DOCKER_HOST)';
  if (!process.env.PADDOCK_TEST_RUNNER_IMAGE) return 'no runner image (PADDOCK_TEST_RUNNER_IMAGE)';
  if (needs.controlPlane && !process.env.PADDOCK_TEST_CONTROL_PLANE_IMAGE) return 'no control-plane image (PADDOCK_TEST_CONTROL_PLANE_IMAGE)';
  return null;
}

/**
 * The engine `scripts/with-docker.sh` exported, or null when there is none: then the caller's tests skip,
 * and say so loudly. Under CI=true a missing engine is an error: those tests never skip there.
 */
export function testDocker(who: string, needs: { controlPlane?: boolean } = {}): TestDocker | null {
  const missing = missingFromEnv(needs);
  if (missing) {
    const line = `${who}: ${missing}; run it as \`bash scripts/with-docker.sh npx vitest run ${who}\` (npm test does)`;
    if (process.env.CI === 'true') throw new Error(`CI: the Docker tests never skip. ${line}`);
    console.warn(`\n!!! SKIPPING the Docker tests of ${line}\n`);
    return null;
  }
  return dockerFromEnv()!;
}

/** The engine and images with-docker.sh exported, or null; quietly (the bench says why in its notes). */
export function dockerFromEnv(needs: { controlPlane?: boolean } = {}): TestDocker | null {
  if (missingFromEnv(needs)) return null;
  const host = process.env.PADDOCK_TEST_DOCKER_HOST!;
  const runnerImage = process.env.PADDOCK_TEST_RUNNER_IMAGE!;
  const controlPlaneImage = process.env.PADDOCK_TEST_CONTROL_PLANE_IMAGE || null;
  return { ...dockerClient(host), runnerImage, controlPlaneImage };
}

/** A docker client for the engine at `host` (unix://…); the demo uses it too. */
export function dockerClient(host: string, cli = defaultCli()): Omit<TestDocker, 'runnerImage' | 'controlPlaneImage'> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, PATH: `${cli.includes('/') ? `${dirname(cli)}:` : ''}${process.env.PATH ?? ''}` };
  const t: Omit<TestDocker, 'runnerImage' | 'controlPlaneImage'> = {
    host,
    socketPath: host.slice('unix://'.length),
    cli,
    docker: (args, timeoutMs = 120_000) => run(cli, args, env, timeoutMs),
    async ok(args, timeoutMs) {
      const r = await t.docker(args, timeoutMs);
      if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
      return r.stdout.trim();
    },
    sh: (command, timeoutMs = 120_000) => run('/bin/sh', ['-c', command], env, timeoutMs),
    async inspect<T>(idOrName: string) {
      const r = await t.docker(['inspect', '--type', 'container', idOrName]);
      if (r.code !== 0) return null;
      return (JSON.parse(r.stdout) as T[])[0] ?? null;
    },
    async removeLabelled(label) {
      const ids = (await t.ok(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
      if (ids.length) await t.docker(['rm', '-f', ...ids]);
    },
  };
  return t;
}

/** Debian's docker.io client; on these machines /usr/local/bin/docker is an older, different one. */
function defaultCli(): string {
  return process.env.PADDOCK_DOCKER_CLI ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');
}

/**
 * The console's Docker command as these tests run it: with `--network host` (only loopback may be dialled
 * here) and with this engine's socket where the command says the host's is (/var/run/docker.sock on a
 * Docker host; a throwaway engine's socket lives in its temp folder). Inside the container the socket is
 * still /var/run/docker.sock, as the command mounts it.
 */
export function asRunHere(command: string, socketPath: string, extra: readonly string[] = []): string {
  const lines = command.split(' \\\n  ');
  if (lines[0] !== 'docker run -d') throw new Error(`not the console's Docker command: ${lines[0]}`);
  return [
    ['docker run -d', '--network host', ...extra].join(' '),
    ...lines.slice(1).map((l) =>
      l.replace('-v /var/run/docker.sock:/var/run/docker.sock', `-v ${socketPath}:/var/run/docker.sock`).replace("stat -c '%g' /var/run/docker.sock", `stat -c '%g' ${socketPath}`),
    ),
  ].join(' \\\n  ');
}
