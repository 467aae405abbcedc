import { existsSync } from 'node:fs';
import { isLoopbackHost } from './kube-api';

/** What `npm run runner -- reconcile …` runs with, after arguments and environment are merged. */
export interface ReconcileOptions {
  /** `--kube-api` and `--kube-token-file`, or null for the in-cluster configuration. */
  kube: { apiUrl: string; tokenFile: string } | null;
  namespace: string | null;
  selector: string | null;
  serverUrl: string;
  keyFile: string;
  /** Test-only: the longest wait between retries (30 s otherwise). */
  backoffCapSeconds: number;
}

export type ReconcileParse = { kind: 'run'; options: ReconcileOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const reconcileHelpText = `Usage: npm run runner -- reconcile [options]   (the runner image's command: reconcile)

The Kubernetes runner-pool reconciler: lists and watches the group's runner pods and, for each one
that has ended (phase Succeeded or Failed), logs one line
  runner pod terminated pod=<name> exitCode=<n> signal=<n> reason=<r>
then reports it to the control plane (retrying until the control plane took it), then deletes the pod.

Options (environment variable in brackets):
  --server <url>            control plane URL, http(s) [PADDOCK_SERVER_URL]
  --key-file <file>         file holding the group's registration key, read again before each
                            report, so a rotation needs only the Secret updated [PADDOCK_RUNNER_KEY_FILE]
  --namespace <ns>          namespace of the runner pods (default: the service account's)
  --selector <labels>       label selector of the runner pods (default: app=<slug>-runner, the slug
                            taken from this pod's name <slug>-reconciler-…)
  --kube-api <url>          Kubernetes API URL, outside a cluster (plain http only for loopback);
                            inside one, KUBERNETES_SERVICE_HOST/_PORT and the service account are used
  --kube-token-file <file>  bearer token for --kube-api, read again for every call
  --help                    this text

Test-only switch (never needed in production):
  --test-backoff-seconds <n>  longest wait between retries (default 30)

Exit codes: 0 stopped (SIGTERM); 1 the runner group was deleted; 2 bad arguments.`;

const valueFlags = new Set(['--server', '--key-file', '--namespace', '--selector', '--kube-api', '--kube-token-file', '--test-backoff-seconds']);

// A DNS-1123 label, as Kubernetes requires of namespace names.
const namespacePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A Deployment pod's name: <deployment>-<pod-template-hash>-<5 random characters>.
const reconcilerPodName = /^(.+)-reconciler-[a-z0-9]+-[a-z0-9]{5}$/;

/** Merges `reconcile`'s arguments over the environment; never throws. */
export function parseReconcileOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ReconcileParse {
  const flags = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--help') {
      help = true;
    } else if (flag === '--key') {
      return { kind: 'error', message: '--key is refused: a key on a command line is visible to every user of the host; put it in a file and give --key-file' };
    } else if (valueFlags.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return { kind: 'error', message: `${flag} needs a value` };
      flags.set(flag, value.trim());
    } else {
      return { kind: 'error', message: `unknown argument "${arg.slice(0, 64)}" (see reconcile --help)` };
    }
  }
  if (help) return { kind: 'help' };
  const pick = (flag: string, variable?: string) => {
    const v = flags.get(flag) ?? (variable ? env[variable] : undefined);
    return v === undefined || v.trim() === '' ? null : v.trim();
  };

  const server = pick('--server', 'PADDOCK_SERVER_URL');
  if (!server) return { kind: 'error', message: 'missing --server <url> (or PADDOCK_SERVER_URL)' };
  const serverUrl = httpUrl(server);
  if (!serverUrl) return { kind: 'error', message: `--server must be an http(s) URL without credentials, a query or a fragment, got "${server.slice(0, 100)}"` };

  const keyFile = pick('--key-file', 'PADDOCK_RUNNER_KEY_FILE');
  if (!keyFile) return { kind: 'error', message: 'missing --key-file <file> (or PADDOCK_RUNNER_KEY_FILE)' };
  if (!existsSync(keyFile)) return { kind: 'error', message: `--key-file ${keyFile} does not exist` };

  const apiUrlText = pick('--kube-api');
  const tokenFile = pick('--kube-token-file');
  let kube: ReconcileOptions['kube'] = null;
  if (apiUrlText || tokenFile) {
    if (!apiUrlText) return { kind: 'error', message: '--kube-token-file needs --kube-api <url>' };
    if (!tokenFile) return { kind: 'error', message: '--kube-api needs --kube-token-file <file>' };
    const apiUrl = httpUrl(apiUrlText);
    if (!apiUrl) return { kind: 'error', message: `--kube-api must be an http(s) URL, got "${apiUrlText.slice(0, 100)}"` };
    if (apiUrl.startsWith('http:') && !isLoopbackHost(new URL(apiUrl).hostname)) {
      return { kind: 'error', message: '--kube-api must use https (plain http only for a loopback address such as 127.0.0.1)' };
    }
    if (!existsSync(tokenFile)) return { kind: 'error', message: `--kube-token-file ${tokenFile} does not exist` };
    kube = { apiUrl, tokenFile };
  }

  const namespace = pick('--namespace');
  if (namespace !== null && (!namespacePattern.test(namespace) || namespace.length > 63)) {
    return { kind: 'error', message: '--namespace must be a Kubernetes namespace name (lowercase letters, digits and "-", at most 63)' };
  }

  let selector = pick('--selector');
  if (selector === null) {
    const m = reconcilerPodName.exec(env.HOSTNAME ?? '');
    selector = m ? `app=${m[1]}-runner` : null;
  }
  if (selector !== null && (selector.length > 1024 || [...selector].some((ch) => ch.charCodeAt(0) < 0x20))) {
    return { kind: 'error', message: '--selector must be a label selector such as app=prod-eu-runner' };
  }
  const backoffText = pick('--test-backoff-seconds');
  const backoffCapSeconds = backoffText === null ? 30 : Number(backoffText);
  if (!Number.isFinite(backoffCapSeconds) || backoffCapSeconds < 0.1 || backoffCapSeconds > 300) {
    return { kind: 'error', message: '--test-backoff-seconds must be a number from 0.1 to 300' };
  }
  return { kind: 'run', options: { kube, namespace, selector, serverUrl, keyFile, backoffCapSeconds } };
}

function httpUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  return url.href.replace(/\/+$/, '');
}
