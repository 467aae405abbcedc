import { createLogger, type Logger } from '../log';
import { inClusterConnection, inClusterNamespace, KubeApi, type KubeConnection } from './kube-api';
import { reconcileHelpText, parseReconcileOptions } from './options';
import { watchPods } from './pod-watch';
import { Reconciler } from './reconciler';

/**
 * `npm run runner -- reconcile …` (the image's command `reconcile`): watch the group's runner pods,
 * record how each ended, then delete it. Resolves with the exit code once stopped.
 */
export async function runReconcile(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: { out(text: string): void; err(text: string): void; log?: Logger; stop?: AbortSignal } = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  },
): Promise<number> {
  const parsed = parseReconcileOptions(argv, env);
  if (parsed.kind === 'help') {
    io.out(`${reconcileHelpText}\n`);
    return 0;
  }
  const fail = (message: string) => {
    io.err(`paddock-reconciler: ${message}\n`);
    return 2;
  };
  if (parsed.kind === 'error') return fail(parsed.message);
  const o = parsed.options;
  let connection: KubeConnection | null;
  if (o.kube) connection = { baseUrl: o.kube.apiUrl, tokenFile: o.kube.tokenFile };
  else {
    connection = inClusterConnection(env);
    if (!connection) return fail('not inside a cluster (no KUBERNETES_SERVICE_HOST or service-account token): give --kube-api and --kube-token-file');
  }
  const namespace = o.namespace ?? (o.kube ? null : inClusterNamespace());
  if (!namespace) return fail('missing --namespace (no service-account namespace to default to)');
  if (!o.selector) return fail('missing --selector (this pod is not named <slug>-reconciler-…, so app=<slug>-runner cannot be derived)');

  const log = io.log ?? createLogger();
  const stop = new AbortController();
  io.stop?.addEventListener('abort', () => stop.abort(), { once: true });
  let code = 0;
  const kube = new KubeApi(connection);
  const reconciler = new Reconciler({
    api: kube,
    namespace,
    serverUrl: o.serverUrl,
    keyFile: o.keyFile,
    log,
    signal: stop.signal,
    backoffCapSeconds: o.backoffCapSeconds,
    onGroupDeleted: () => {
      code = 1;
      stop.abort();
    },
  });
  log.info(`reconciling runner pods in namespace ${namespace} (${o.selector}) via ${connection.baseUrl}; reporting to ${o.serverUrl}`);
  await watchPods({
    api: kube,
    namespace,
    selector: o.selector,
    log,
    signal: stop.signal,
    backoffCapSeconds: o.backoffCapSeconds,
    handlers: {
      listed: (pods) => reconciler.listed(pods),
      changed: (pod) => reconciler.changed(pod),
      deleted: (pod) => reconciler.deleted(pod),
    },
  });
  await reconciler.idle();
  log.info(code === 0 ? 'reconciler stopped' : 'reconciler stopped: the runner group was deleted');
  return code;
}
