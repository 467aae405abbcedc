import { readFileSync } from 'node:fs';
import { defaultRunnerVersion, type Platform, platforms, Version } from '../contract';

/** Everything the agent needs to run, after arguments and environment are merged. */
export interface RunnerOptions {
  serverUrl: string;
  key: string;
  name: string | null;
  platform: Platform;
  version: string;
  updateTimeoutSeconds: number;
  test: TestSwitches;
}

/** Test-only switches: they make the runner misbehave on purpose so that failure paths run for real. */
export interface TestSwitches {
  failUpdate: boolean;
  hangUpdate: boolean;
  workExit: number | null;
  /** Native memory past the worker's cgroup limit: the kernel kills it (OOMKilled). */
  workOom: boolean;
  /** V8's heap until V8 aborts the worker (a crash, 134). */
  workHeap: boolean;
  workSeconds: number;
  heartbeatSeconds: number | null;
}

export type ParseResult = { kind: 'run'; options: RunnerOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const helpText = `Usage: PADDOCK_RUNNER_KEY=<key> npm run runner -- --server <url> [--name N] [--platform process]

Runs a Paddock runner: registers with the control plane, heartbeats, carries out updates and
supervises its worker process.

Options (environment variable in brackets):
  --server <url>                 control plane URL, http(s) [PADDOCK_SERVER_URL]
  --key-file <path>              file holding the group's registration key [or the key itself
                                 in PADDOCK_RUNNER_KEY]; --key <key> is refused: a command line
                                 is visible to every user of the host
  --name <name>                  instance name, default the hostname [PADDOCK_RUNNER_NAME]
  --platform <p>                 kubernetes | docker | ec2 | process, default process [PADDOCK_RUNNER_PLATFORM]
  --runner-version <v>           version this runner reports [PADDOCK_AGENT_VERSION]
  --update-timeout-seconds <n>   how long an update waits for its replacement to register (300)
  --help                         this text

Test-only switches (they break the runner on purpose; never use them in production):
  --test-fail-update             the replacement started by an update crashes before registering
  --test-hang-update             the replacement started by an update hangs and never registers
  --test-work-exit <code>        the worker exits with this code after --test-work-seconds
  --test-work-oom                the worker fills native memory past its memory limit (a container's
                                 -m; else its own 128 MiB cgroup where the runner may make one)
                                 until the kernel kills it: 137 / OOMKilled
  --test-work-heap               the worker fills V8's heap until V8 aborts it: 134, a crash
  --test-work-seconds <n>        delay before the worker's test exit or OOM (default 0)
  --test-heartbeat-seconds <n>   heartbeat at this interval instead of the server's

The Kubernetes runner-pool reconciler is another mode: npm run runner -- reconcile --help

Exit codes: 0 stopped or replaced by an update; 1 refused by the control plane (key revoked,
group deleted); 2 bad arguments; otherwise the worker's exit code (128 + signal when killed).`;

const valueFlags = new Set([
  '--server',
  '--key-file',
  '--name',
  '--platform',
  '--runner-version',
  '--update-timeout-seconds',
  '--test-work-exit',
  '--test-work-seconds',
  '--test-heartbeat-seconds',
]);
const booleanFlags = new Set(['--help', '--test-fail-update', '--test-hang-update', '--test-work-oom', '--test-work-heap']);

/** Flags whose values must not be copied into a replacement's argument list. */
export const replacementDropsFlags = ['--key', '--name', '--runner-version'] as const;

/** The one line a `--key` on the command line gets (PRODUCT.md §6, §8 round 2). */
export const keyFlagRefused =
  '--key is refused: a key on a command line is visible to every user of the host (ps, /proc); set PADDOCK_RUNNER_KEY or give --key-file <path>';

/** Merges command-line arguments over environment variables; never throws. */
export function parseRunnerOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readKeyFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ParseResult {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--key') return { kind: 'error', message: keyFlagRefused };
    if (booleanFlags.has(flag)) {
      if (eq > 0) return { kind: 'error', message: `${flag} takes no value` };
      switches.add(flag);
    } else if (valueFlags.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return { kind: 'error', message: `${flag} needs a value` };
      flags.set(flag, value);
    } else {
      return { kind: 'error', message: `unknown argument "${arg.slice(0, 64)}" (see --help)` };
    }
  }
  if (switches.has('--help')) return { kind: 'help' };

  const pick = (flag: string, variable: string) => {
    const v = flags.get(flag) ?? env[variable];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const server = pick('--server', 'PADDOCK_SERVER_URL');
  if (!server) return { kind: 'error', message: 'missing --server <url> (or PADDOCK_SERVER_URL)' };
  let serverUrl: URL;
  try {
    serverUrl = new URL(server);
  } catch {
    return { kind: 'error', message: `--server must be an http(s) URL, got "${server.slice(0, 100)}"` };
  }
  if (serverUrl.protocol !== 'http:' && serverUrl.protocol !== 'https:') {
    return { kind: 'error', message: `--server must be an http(s) URL, got "${server.slice(0, 100)}"` };
  }
  if (serverUrl.username || serverUrl.password || serverUrl.search || serverUrl.hash) {
    return { kind: 'error', message: '--server must not carry credentials, a query or a fragment' };
  }

  let key: string | undefined;
  const keyFile = flags.get('--key-file');
  if (keyFile !== undefined) {
    try {
      key = readKeyFile(keyFile).trim();
    } catch (err) {
      return { kind: 'error', message: `--key-file: cannot read ${keyFile.slice(0, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (key === '') return { kind: 'error', message: `--key-file: ${keyFile.slice(0, 200)} is empty` };
  } else key = pick('--key-file', 'PADDOCK_RUNNER_KEY');
  if (!key) return { kind: 'error', message: 'missing the registration key: set PADDOCK_RUNNER_KEY or give --key-file <path>' };
  // The key itself is never echoed, even in an error.
  if (/\s/.test(key) || key.length > 256) return { kind: 'error', message: 'the registration key is not one (whitespace or too long)' };

  const name = pick('--name', 'PADDOCK_RUNNER_NAME') ?? null;
  if (name !== null && name.length > 253) return { kind: 'error', message: '--name must be at most 253 characters' };

  const platform = pick('--platform', 'PADDOCK_RUNNER_PLATFORM') ?? 'process';
  if (!(platforms as readonly string[]).includes(platform)) {
    return { kind: 'error', message: `--platform must be one of ${platforms.join(', ')}` };
  }

  // Not PADDOCK_RUNNER_VERSION: that is the control plane's "latest version", and a runner started
  // from the same shell must not take it for its own (it could then never be updated).
  const version = pick('--runner-version', 'PADDOCK_AGENT_VERSION') ?? defaultRunnerVersion;
  if (!Version.safeParse(version).success) return { kind: 'error', message: `--runner-version must be a version such as 1.4.0` };

  const numbers: Record<string, number | null> = {};
  for (const [flag, min, max, integer] of [
    ['--update-timeout-seconds', 0.1, 86_400, false],
    ['--test-work-exit', 0, 255, true],
    ['--test-work-seconds', 0, 86_400, false],
    ['--test-heartbeat-seconds', 0.05, 3_600, false],
  ] as const) {
    const raw = flags.get(flag);
    if (raw === undefined) {
      numbers[flag] = null;
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      return { kind: 'error', message: `${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}` };
    }
    numbers[flag] = n;
  }
  if (switches.has('--test-fail-update') && switches.has('--test-hang-update')) {
    return { kind: 'error', message: '--test-fail-update and --test-hang-update exclude each other' };
  }
  const workModes = ['--test-work-oom', '--test-work-heap', '--test-work-exit'].filter((f) => switches.has(f) || numbers[f] != null);
  if (workModes.length > 1) return { kind: 'error', message: `${workModes.join(' and ')} exclude each other` };

  return {
    kind: 'run',
    options: {
      serverUrl: serverUrl.href.replace(/\/+$/, ''),
      key,
      name,
      platform: platform as Platform,
      version: Version.parse(version),
      updateTimeoutSeconds: numbers['--update-timeout-seconds'] ?? 300,
      test: {
        failUpdate: switches.has('--test-fail-update'),
        hangUpdate: switches.has('--test-hang-update'),
        workExit: numbers['--test-work-exit'] ?? null,
        workOom: switches.has('--test-work-oom'),
        workHeap: switches.has('--test-work-heap'),
        workSeconds: numbers['--test-work-seconds'] ?? 0,
        heartbeatSeconds: numbers['--test-heartbeat-seconds'] ?? null,
      },
    },
  };
}

/**
 * The argument list of a replacement: the same arguments without the key and the name (both travel
 * in the environment: a process replacement keeps the old name, a Docker one is named after its
 * version) and with the target version.
 */
export function replacementArgs(argv: readonly string[], targetVersion: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if ((replacementDropsFlags as readonly string[]).includes(flag)) {
      if (eq < 0) i++;
      continue;
    }
    out.push(arg);
  }
  out.push('--runner-version', targetVersion);
  return out;
}

/** The name of the container a Docker update creates (PRODUCT.md §2); a process replacement keeps its instance's name. */
export function replacementName(version: string): string {
  return `paddock-runner-${version}`;
}
