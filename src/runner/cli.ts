/** `PADDOCK_RUNNER_KEY=<key> npm run runner -- --server <url> [--key-file <path>] [--name N] [--platform process]`, or `npm run runner -- reconcile …` */
import { Agent } from './agent';
import { procTable, watchLauncher } from './launcher-watch';
import { createLogger } from './log';
import { helpText, parseRunnerOptions } from './options';
import { type RegisteredMessage, replacementEnv } from './replacement';

const argv = process.argv.slice(2);
// `reconcile` is the Kubernetes reconciler (PRODUCT.md §11), a different program on the same image.
if (argv[0] === 'reconcile') {
  const { runReconcile } = await import('./reconcile/main');
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => stop.abort());
  process.exit(
    await runReconcile(argv.slice(1), process.env, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      stop: stop.signal,
    }),
  );
}
const parsed = parseRunnerOptions(argv, process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${helpText}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`paddock-runner: ${parsed.message}\n`);
  process.exit(2);
}
const options = parsed.options;

// An update's replacement gets the old instance's identity in the environment; take it out at once
// so that neither the worker nor a later replacement inherits the token or the key.
const replacesId = process.env[replacementEnv.instanceId];
const replacesToken = process.env[replacementEnv.token];
const startFailure = process.env[replacementEnv.startFailure];
const childEnv: NodeJS.ProcessEnv = { ...process.env };
for (const name of [replacementEnv.instanceId, replacementEnv.token, replacementEnv.startFailure, 'PADDOCK_RUNNER_KEY']) {
  delete process.env[name];
  delete childEnv[name];
}

// A log reader that went away (closed pipe) must not take the runner down with it.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const log = createLogger();
log.addSecret(options.key);
if (replacesToken) log.addSecret(replacesToken);
process.title = options.name ?? 'paddock-runner';

if (startFailure === 'crash') {
  log.error(`test switch: this replacement (version ${options.version}) fails to start`);
  process.exit(1);
}
if (startFailure === 'hang') {
  log.warn(`test switch: this replacement (version ${options.version}) hangs and never registers`);
  setInterval(() => {}, 60_000);
  process.on('disconnect', () => process.exit(1));
} else {
  const agent = new Agent({
    options,
    argv,
    log,
    env: childEnv,
    replaces: replacesId && replacesToken ? { instanceId: replacesId, token: replacesToken } : null,
    onRegistered: (instanceId) => {
      if (!replacesId || !process.send || !process.connected) return;
      const msg: RegisteredMessage = { type: 'registered', instanceId };
      // Tell the old instance, then cut the channel so this process outlives it.
      process.send(msg, undefined, {}, () => {
        if (process.connected) process.disconnect();
      });
    },
  });
  process.on('SIGTERM', () => agent.stop('SIGTERM'));
  process.on('SIGINT', () => agent.stop('SIGINT'));
  // Started by `npm run runner` (not a replacement, whose parent exits by design): go when npm goes.
  if (process.env.npm_lifecycle_event === 'runner' && !replacesId) {
    watchLauncher(procTable, (how) => {
      if (how === 'stopped') {
        log.info('npm run runner was stopped (its shell ended without passing the signal on)');
        agent.stop('SIGTERM');
      } else {
        log.warn('npm run runner was killed: stopping at once without a goodbye, as if killed with it');
        process.kill(process.pid, 'SIGKILL');
      }
    });
  }
  // A replacement whose parent went away before it registered carries on alone.
  process.on('disconnect', () => {});
  void agent.run().then((code) => process.exit(code));
}
