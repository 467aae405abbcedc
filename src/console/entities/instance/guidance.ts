import {
  causeLabel,
  defaultRunnerNamespace,
  groupSlug,
  type Instance,
  type RunnerErrorKind,
  type RunnerGroup,
  shellQuote,
  type TerminationCause,
  type Update,
} from '../../../contract';
import { causeTextFor, describeExit } from './model';

// Pure functions deriving the troubleshooting guidance of PRODUCT.md §4 from a group, one of its
// instances and its updates, with the group's real names in every command (quoted by the contract's
// shellQuote, as the install commands are). A read-model of the instance: any feature that shows one
// can show its guidance.

/** One piece of a guide: prose, a command to copy, or a log line to search for. */
export type GuideBlock =
  | { kind: 'text'; text: string }
  | { kind: 'command'; label: string; command: string }
  | { kind: 'logline'; text: string };

export type GuideId = 'disconnected' | 'upgrade-failure' | 'how-it-ended';

/** A guide; `at` is when the instance ended, for How it ended. */
export type Guide = { id: GuideId; heading: string; summary: string; blocks: GuideBlock[]; at?: string };

export type GuideContext = {
  /** The URL runners dial (the install template's serverUrl). */
  serverUrl: string;
  /** Namespace the Helm chart was installed into. */
  namespace?: string;
  /** The chart reference (the install template's helmChart). */
  helmChart?: string;
};

const text = (t: string): GuideBlock => ({ kind: 'text', text: t });
const command = (label: string, c: string): GuideBlock => ({ kind: 'command', label, command: c });

/** Host, port and scheme a runner must reach, as the URL says: https on 443 and http on 80 unless it names a port. */
export function serverEndpoint(serverUrl: string): { host: string; port: number; protocol: string } {
  try {
    const url = new URL(serverUrl);
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return { host: url.hostname, port, protocol: url.protocol === 'http:' ? 'HTTP' : 'HTTPS' };
  } catch {
    return { host: serverUrl, port: 443, protocol: 'HTTPS' };
  }
}

/** "Outbound HTTPS 443 to <url> must be allowed", with the URL's own scheme and port ("Outbound HTTP 8080 to …"). */
export function firewallRule(serverUrl: string): string {
  const { port, protocol } = serverEndpoint(serverUrl);
  return `Outbound ${protocol} ${port} to ${serverUrl} must be allowed`;
}

/** What each error kind a runner reports means and what to do about it. */
export function lastErrorAdvice(kind: RunnerErrorKind, serverUrl: string): string {
  const { host } = serverEndpoint(serverUrl);
  switch (kind) {
    case 'dns':
      return `DNS: the runner could not resolve ${host}. Check the resolver of the runner's host or cluster and that ${host} has a record it can see.`;
    case 'tls':
      return `TLS: the secure connection to ${serverUrl} failed — usually a proxy that intercepts HTTPS, a certificate the runner does not trust, or an expired certificate.`;
    case 'timeout':
      return `Timeout: the network to the control plane is down or limited, likely a firewall. ${firewallRule(serverUrl)} from the runner's host.`;
    case 'key_revoked':
      return 'Key revoked or unknown: the control plane refused the registration key (it was rotated, or the group was recreated). The runner stopped and will not retry: install it again with the command shown after Rotate key.';
    case 'group_deleted':
      return 'Group deleted: the runner was told its group no longer exists and stopped. Install it into an existing group.';
    case 'version_too_old':
      return 'Version too old: this control plane no longer accepts the runner\'s version. Update the group, or reinstall with the current command.';
    case 'other':
      return 'The runner reported an error talking to the control plane: the message above is what it saw. Search its logs for that message.';
  }
}

/** The commands that show this instance's runner logs, per platform. */
export function logCommands(group: RunnerGroup, instance: Instance, namespace = defaultRunnerNamespace): GuideBlock[] {
  const slug = groupSlug(group.name);
  switch (instance.platform) {
    case 'docker':
      return [
        text(`On the Docker host ${instance.hostname}, read the container's logs:`),
        command('Container logs', `docker logs ${shellQuote(instance.name)}`),
        text('Not sure which container it is? List the group\'s containers, stopped ones included:'),
        command('Group containers', `docker ps -a --filter label=paddock.runner-group=${slug}`),
      ];
    case 'kubernetes': {
      const blocks = [text(`In namespace ${namespace}, read the runner's logs:`), command('Deployment logs', `kubectl logs deployment/${slug}-runner -n ${namespace}`)];
      if (group.instanceCount > 1) {
        blocks.push(
          text('With several replicas (or an autoscaler) that shows one pod only: list the pods and read each one\'s logs, this one first.'),
          command('Pods of the group', `kubectl get pods -l app=${slug}-runner -n ${namespace}`),
          command('This pod\'s logs', `kubectl logs ${shellQuote(instance.name)} -n ${namespace}`),
        );
      }
      return blocks;
    }
    case 'ec2':
      return [
        text(`SSH to the instance (${instance.hostname}, ${instance.address}) and read the runner container's logs:`),
        command('Runner containers', 'sudo docker ps -a --filter label=paddock.stack'),
        command('Container logs', 'sudo docker logs <container>'),
      ];
    case 'process':
      // Started by hand (`npm run runner`): its output is wherever that was started; no container, no pod.
      return [
        text(
          `Read the output of the runner process on ${instance.hostname}: the terminal that started \`npm run runner\`, or the log of the service that runs it (for a systemd unit: journalctl -u <unit>).`,
        ),
        text('See whether it still runs:'),
        command('Runner processes', 'pgrep -af src/runner/cli.ts'),
      ];
  }
}

/**
 * Whether an instance went quiet without saying how it ended: disconnected with no termination record,
 * or with the provisional "lost" one the control plane records when the heartbeats stop.
 */
export function wentQuiet(instance: Instance): boolean {
  return instance.status === 'disconnected' && (instance.termination === null || instance.termination.cause === 'lost');
}

/**
 * How long a runner must have kept heartbeating after its last error for that error to count as one
 * it recovered from: two heartbeat intervals (5 s each). The runner reports an error in the first
 * heartbeat that gets through after it, so an error that is still going on when the heartbeats stop
 * arrived with one of the last heartbeats.
 */
export const recoveredErrorGapMs = 10_000;

/**
 * Whether the runner's last error is older news: it kept heartbeating for more than
 * `recoveredErrorGapMs` after the error arrived, so it is not why the runner later went quiet. Both
 * times are the control plane's (`reportedAt`); an error stored before there was a `reportedAt`
 * falls back to the runner's own `at`.
 */
export function recoveredFromLastError(instance: Pick<Instance, 'lastError' | 'lastHeartbeatAt'>): boolean {
  if (!instance.lastError) return false;
  const gap = Date.parse(instance.lastHeartbeatAt) - Date.parse(instance.lastError.reportedAt ?? instance.lastError.at);
  return Number.isFinite(gap) && gap > recoveredErrorGapMs;
}

/** "45 s", "3 min 20 s", "2 h 5 min": a gap between two events, for prose. */
export function formatGap(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/** "Runner disconnected": an instance that missed its heartbeats and left no exit record. */
export function disconnectedGuide(group: RunnerGroup, instance: Instance, ctx: GuideContext): Guide | null {
  if (!wentQuiet(instance)) return null;
  const { host } = serverEndpoint(ctx.serverUrl);
  const blocks: GuideBlock[] = [];
  const error = instance.lastError;
  const recovered = error !== null && recoveredFromLastError(instance);
  if (error && !recovered) {
    blocks.push({ kind: 'logline', text: `Last error (${error.kind}): ${error.message}` }, text(lastErrorAdvice(error.kind, ctx.serverUrl)));
  } else {
    blocks.push(text('The runner reported no error before it went quiet: its process or host stopped, or the network dropped without an error reaching the control plane.'));
  }
  if (error && recovered) {
    const after = formatGap(Date.parse(instance.lastHeartbeatAt) - Date.parse(error.reportedAt ?? error.at));
    blocks.push(
      text(`It did report an error earlier and recovered from it: it kept sending heartbeats for ${after} afterwards, so that error is not why it went quiet.`),
      { kind: 'logline', text: `Earlier error (${error.kind}), recovered: ${error.message}` },
    );
  }
  if (error?.kind !== 'timeout' || recovered) {
    blocks.push(text(`${firewallRule(ctx.serverUrl)} from the runner's host; the control plane never dials in.`));
  }
  blocks.push(
    text(`Check the path from the runner's host:`),
    command('Reach the control plane', `curl -sS -o /dev/null -w '%{http_code}\\n' ${shellQuote(`${ctx.serverUrl.replace(/\/+$/, '')}/api/v1/healthz`)}`),
    ...logCommands(group, instance, ctx.namespace),
  );
  return {
    id: 'disconnected',
    heading: 'Runner disconnected',
    // No end recorded yet: it may still come back; the control plane records it as lost only later
    // (PADDOCK_LOST_AFTER_SECONDS), so it is not called Lost here.
    summary: `No exit recorded yet: ${instance.name} missed its heartbeats to ${host} and may still come back (it turns green with its next heartbeat). If it stays away, it is recorded as Lost (after an hour by default).`,
    blocks,
  };
}

/**
 * The update that failed for this instance, if the latest update it took part in did: rolled back,
 * or failed on it. A later successful update clears an older failure.
 */
export function failedUpdateFor(instance: Instance, updates: Update[]): Update | null {
  for (const u of updates) {
    const mine = u.instances.find((i) => i.instanceId === instance.id);
    if (!mine && u.instances.length > 0) continue;
    return mine?.state === 'failed' || u.state === 'rolled_back' ? u : null;
  }
  return null;
}

/**
 * "Runner upgrade failure": Docker has no operator (search the logs); Kubernetes' operator rolls back
 * after 5 minutes; a runner process replaces itself (search its output).
 */
export function upgradeFailureGuide(group: RunnerGroup, instance: Instance, updates: Update[], ctx: GuideContext): Guide | null {
  const update = failedUpdateFor(instance, updates);
  if (!update) return null;
  const slug = groupSlug(group.name);
  const namespace = ctx.namespace ?? defaultRunnerNamespace;
  const replacement = `paddock-runner-${update.targetVersion}`;
  const blocks: GuideBlock[] = [];
  if (update.reason) blocks.push({ kind: 'logline', text: update.reason });
  const kubernetesSteps = (intro: string): GuideBlock[] => [
    text(`${intro}The upgrade operator rolls the Deployment back automatically when the new pods are not ready within 5 minutes. Find it:`),
    command('Operator pod', `kubectl get pods -l app=${slug}-runner-operator -n ${namespace}`),
    text('If it is Running, wait: it finishes by itself within 5 minutes of the update.'),
    text('If it exists but is not running, wait one minute and check again. If it is still not running, delete it:'),
    command('Delete the operator pod', `kubectl delete pod <operator-pod> -n ${namespace}`),
    text('Then see why the new pods did not become ready:'),
    command('Rollout status', `kubectl rollout status deployment/${slug}-runner -n ${namespace} --timeout=10s`),
    command('Deployment logs', `kubectl logs deployment/${slug}-runner -n ${namespace}`),
  ];
  if (instance.platform === 'kubernetes') {
    blocks.push(...kubernetesSteps(''));
  } else if (instance.platform === 'process') {
    // A runner started by hand replaces itself with a new process on the target version: no container, no operator.
    blocks.push(
      text("The runner process starts its replacement itself: the same program again, on the target version. In the runner's output, look for:"),
      { kind: 'logline', text: `Update ${update.id}: ${instance.version} -> ${update.targetVersion}` },
      { kind: 'logline', text: `Update ${update.id} failed: …; staying on ${instance.version}` },
      text(
        `The line after "failed:" says why: the replacement did not start, exited before it registered, or did not register in time. Then read the replacement's own output (it reports version ${update.targetVersion}).`,
      ),
    );
  } else {
    const logs = instance.platform === 'ec2' ? 'sudo docker logs <container>' : `docker logs ${shellQuote(instance.name)}`;
    blocks.push(
      text("Docker does not use an operator: the runner starts its replacement container itself. In the runner's logs, look for:"),
      { kind: 'logline', text: `Creating new container with name: ${replacement} and configuration from container with id: …` },
      { kind: 'logline', text: `Found existing container with name: ${replacement} already running with id: …` },
      command('Search the logs', `${logs} 2>&1 | grep -E 'Creating new container|Found existing container'`),
      text('Then inspect that container and its logs:'),
      command('Replacement state', `docker inspect ${replacement} --format '{{.State.Status}} exit={{.State.ExitCode}}'`),
      command('Replacement logs', `docker logs ${replacement}`),
    );
  }
  blocks.push(text('Once the cause is fixed, trigger Update again from the console (the group\'s menu → Update).'));
  return {
    id: 'upgrade-failure',
    heading: 'Runner upgrade failure',
    summary:
      update.state === 'rolled_back'
        ? `The update to ${update.targetVersion} was rolled back.`
        : `The update to ${update.targetVersion} failed on ${instance.name}.`,
    blocks,
  };
}

/** The next step for each termination cause (PRODUCT.md §2). */
export function nextStep(cause: TerminationCause, group: RunnerGroup, instance: Instance, ctx: GuideContext): GuideBlock[] {
  const slug = groupSlug(group.name);
  const namespace = ctx.namespace ?? defaultRunnerNamespace;
  switch (cause) {
    case 'completed':
      // The runner's own word for an admin's Stop (PRODUCT.md §3 round 2): goodbye, exit 0, no restart.
      if (instance.termination?.reason === 'Stopped') {
        return [text('Stopped from the console: the runner said goodbye and exited 0. It does not come back by itself; start it again to bring it back.')];
      }
      return [text('Nothing to fix: the runner finished and said so. Any "lost communication" the group showed was the completion handshake.')];
    case 'oom_killed':
      if (instance.platform === 'kubernetes') {
        return [
          text('Raise the memory limit: limit_memory for the plugin containers, extra_limit_memory for the runner\'s own containers.'),
          command('Raise limit_memory', `helm upgrade ${slug} ${ctx.helmChart ?? '<chart>'} -n ${namespace} --reuse-values --set config.container.limit_memory="2Gi"`),
        ];
      }
      return instance.platform === 'process'
        ? [text(`Raise the memory limit of the service that runs the runner (or give ${instance.hostname} more RAM), then start the runner again.`)]
        : [text(`Give the container more memory (or the host ${instance.hostname} more RAM), then start the runner again.`)];
    case 'killed':
      return [
        text(
          instance.platform === 'process'
            ? `Look on ${instance.hostname} for the kernel's out-of-memory killer or whoever sent SIGKILL to the runner process:`
            : `The host cgroup was fine: look inside ${instance.hostname} for the kernel's out-of-memory killer or whoever sent SIGKILL.`,
        ),
        command('Kernel log', "dmesg -T | grep -i -E 'killed process|out of memory'"),
      ];
    case 'sigterm':
      if (instance.platform === 'kubernetes') {
        return [
          text('Expected when a pod is deleted, a node drains or the Deployment scales down. See what happened to it:'),
          command('Recent events', `kubectl get events -n ${namespace} --field-selector involvedObject.name=${instance.name}`),
        ];
      }
      return [
        text(
          instance.platform === 'process'
            ? 'Expected when the runner process was stopped (Ctrl-C, kill, a service stop or a reboot). Start it again if it should still run.'
            : 'Expected when the runner was stopped (docker stop, a reboot, a service restart). Start it again if it should still run.',
        ),
      ];
    case 'crash':
    {
      const exit = instance.termination?.exitCode;
      const logs = logCommands(group, instance, namespace).filter((b) => b.kind === 'command');
      const what = instance.platform === 'process' ? "the runner process's output" : "the runner's logs";
      return [text(`Collect ${what}${exit == null ? '' : ` (it exited with code ${exit})`} and report the crash:`), ...logs];
    }
    case 'replaced':
      return [text('Nothing to fix: an update replaced this runner with one on the new version.')];
    case 'lost':
      if (instance.platform === 'process') {
        return [
          text(`Check whether ${instance.hostname} is up, the runner process still runs there, and the network path to the control plane is open:`),
          command('Runner processes', 'pgrep -af src/runner/cli.ts'),
        ];
      }
      return [
        text(
          instance.platform === 'kubernetes'
            ? 'Check whether the node is still there and the network path to the control plane is open:'
            : 'Check whether the host is still there, its runner container runs, and the network path to the control plane is open:',
        ),
        command(
          instance.platform === 'kubernetes' ? 'Nodes' : 'Containers',
          instance.platform === 'kubernetes' ? 'kubectl get nodes' : `docker ps -a --filter label=paddock.runner-group=${slug}`,
        ),
      ];
    // Pod-level ends the reconciler records (PRODUCT.md §11). The pod itself is gone by now; its
    // events stay for about an hour, the nodes and the group's other pods are still there.
    case 'evicted':
      return [
        text(
          'The kubelet evicts pods when its node runs short of memory or disk, starting with pods using more than they requested. Set the runner\'s requests to what it really uses, so the scheduler places it where there is room, and keep its limits within what the node can give:',
        ),
        command('Why it was evicted', `kubectl get events -n ${namespace} --field-selector involvedObject.name=${shellQuote(instance.name)},reason=Evicted`),
        command(
          'Node pressure',
          `kubectl get nodes -o custom-columns='NAME:.metadata.name,MEMORY:.status.conditions[?(@.type=="MemoryPressure")].status,DISK:.status.conditions[?(@.type=="DiskPressure")].status'`,
        ),
        command('Raise the requests', `helm upgrade ${slug} ${ctx.helmChart ?? '<chart>'} -n ${namespace} --reuse-values --set requests.memory="512Mi"`),
      ];
    case 'deadline_exceeded':
      return [
        text(
          'Kubernetes stopped the pod when it ran longer than its activeDeadlineSeconds. Raise activeDeadlineSeconds in the pod spec (or in the Job or the autoscaler template that creates the runner pods), or remove it for long-lived runners. See what the group\'s pods carry:',
        ),
        command(
          'Deadline of the pods',
          `kubectl get pods -l app=${slug}-runner -n ${namespace} -o custom-columns='NAME:.metadata.name,DEADLINE:.spec.activeDeadlineSeconds'`,
        ),
      ];
    case 'preempted':
      return [
        text(
          'The node was reclaimed (a spot or preemptible node) or the scheduler evicted the pod for one of higher priority. Keep runners that must finish off spot nodes (a nodeSelector or node affinity for on-demand nodes), give them a PriorityClass, and cap voluntary disruptions with a PodDisruptionBudget (a spot reclaim ignores it):',
        ),
        command('What happened to it', `kubectl get events -n ${namespace} --field-selector involvedObject.name=${shellQuote(instance.name)}`),
        command('PodDisruptionBudget', `kubectl create poddisruptionbudget ${slug}-runner -n ${namespace} --selector=app=${slug}-runner --max-unavailable=1`),
      ];
  }
}

const observerNote: Record<string, string> = {
  reconciler: ' (recorded by the Kubernetes reconciler)',
  engine: " (recorded from the Docker engine's events when the container restarted)",
};

/** "How it ended": the termination record, its cause and the next step. */
export function howItEndedGuide(group: RunnerGroup, instance: Instance, ctx: GuideContext): Guide | null {
  const t = instance.termination;
  if (!t && instance.status !== 'terminated') return null;
  // A runner that merely went quiet may come back: "Runner disconnected" covers it.
  if (wentQuiet(instance)) return null;
  const cause: TerminationCause = t?.cause ?? 'lost';
  // The runner could not say it: its pod's record was read by the reconciler before the pod was reaped,
  // or its restarted container read the engine's events of the run that died.
  const facts = t ? `${describeExit(t)}${observerNote[t.observedBy ?? ''] ?? ''}` : 'no exit recorded';
  // Most cause texts already start with their name ("SIGTERM: …", "Lost: …"): say it once.
  const meaning = causeTextFor(cause, instance.platform);
  const summary = meaning.startsWith(causeLabel[cause]) ? meaning : `${causeLabel[cause]}: ${meaning}`;
  return {
    id: 'how-it-ended',
    heading: 'How it ended',
    summary: `${summary}.`,
    at: t?.at,
    blocks: [{ kind: 'logline', text: facts }, ...nextStep(cause, group, instance, ctx)],
  };
}

/** Every guide that fits the instance's state, most urgent first. */
export function guidesFor(group: RunnerGroup, instance: Instance, updates: Update[], ctx: GuideContext): Guide[] {
  return [upgradeFailureGuide(group, instance, updates, ctx), disconnectedGuide(group, instance, ctx), howItEndedGuide(group, instance, ctx)].filter(
    (g): g is Guide => g !== null,
  );
}
