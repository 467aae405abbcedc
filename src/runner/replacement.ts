import { type ChildProcess, spawn } from 'node:child_process';
import { replacementArgs } from './options';

/** Environment variables that hand the old instance's identity to its replacement (never argv: argv shows in ps). */
export const replacementEnv = {
  instanceId: 'PADDOCK_REPLACES_INSTANCE_ID',
  token: 'PADDOCK_REPLACES_TOKEN',
  /** Test-only: `crash` or `hang` makes the replacement fail before it registers. */
  startFailure: 'PADDOCK_TEST_START_FAILURE',
} as const;

/** The message a replacement sends its parent over IPC once it has registered. */
export interface RegisteredMessage {
  type: 'registered';
  instanceId: string;
}

export type ReplacementOutcome =
  | { kind: 'registered'; instanceId: string }
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' };

export interface Replacement {
  readonly name: string;
  readonly version: string;
  /** What identifies it on its platform: `pid-<n>` for a process, the container id for Docker. */
  readonly id: string;
  /** Its instance id once registered, else null. */
  instanceId: string | null;
  readonly outcome: Promise<ReplacementOutcome>;
  /** Stops a replacement that will not be used (and, for a container, removes it). */
  kill(): void | Promise<void>;
  /** Lets a registered replacement live on after this process exits (and keeps this one from coming back). */
  release(): void | Promise<void>;
}

export interface ReplacementSpec {
  targetVersion: string;
  oldInstanceId: string;
  /**
   * The old instance's name (its --name, or the hostname). A process replacement keeps it, so that the
   * instances of a group stay apart after updates; a Docker replacement is named after its version.
   */
  oldName: string;
  oldToken: string;
  key: string;
  /** The arguments this runner was started with; rewritten for the target version. */
  argv: readonly string[];
  startFailure: 'crash' | 'hang' | null;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the replacement on the `process` platform: the same program (node, same execArgv, same
 * script) under the same name reporting the target version, in this process group (not detached),
 * with stdout and stderr shared so its log continues where this one stops.
 */
export function startReplacement(spec: ReplacementSpec): Replacement {
  const name = spec.oldName;
  const env: NodeJS.ProcessEnv = {
    ...(spec.env ?? process.env),
    PADDOCK_RUNNER_KEY: spec.key,
    PADDOCK_RUNNER_NAME: name,
    [replacementEnv.instanceId]: spec.oldInstanceId,
    [replacementEnv.token]: spec.oldToken,
  };
  delete env[replacementEnv.startFailure];
  if (spec.startFailure) env[replacementEnv.startFailure] = spec.startFailure;

  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...replacementArgs(spec.argv, spec.targetVersion)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });

  let timer: NodeJS.Timeout | undefined;
  const outcome = new Promise<ReplacementOutcome>((resolve) => {
    child.on('message', (msg: unknown) => {
      const m = msg as Partial<RegisteredMessage> | null;
      if (m?.type === 'registered' && typeof m.instanceId === 'string') {
        handle.instanceId = m.instanceId;
        resolve({ kind: 'registered', instanceId: m.instanceId });
      }
    });
    child.on('exit', (code, signal) => resolve({ kind: 'exited', code, signal }));
    child.on('error', () => resolve({ kind: 'exited', code: 127, signal: null }));
    timer = setTimeout(() => resolve({ kind: 'timeout' }), spec.timeoutMs);
  }).finally(() => clearTimeout(timer));

  const handle: Replacement = {
    name,
    version: spec.targetVersion,
    id: `pid-${child.pid ?? 'unknown'}`,
    instanceId: null,
    outcome,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    release() {
      if (child.connected) child.disconnect();
      child.unref();
    },
  };
  return handle;
}
