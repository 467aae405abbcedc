import type { Instance, InstanceStatus, Platform, Termination, TerminationCause } from '../../../contract/schemas';
import { causeLabel, causeText } from '../../../contract/termination';

// Pure read-models of runner instances: their status in words, how they ended, what happened to them.
// Every feature that shows an instance reads them here; so does the troubleshooting text (guidance.ts).

/** The dot and its label for an instance's status. */
export function instanceStatusDot(status: InstanceStatus): { tone: 'green' | 'red' | 'grey'; label: string } {
  if (status === 'connected') return { tone: 'green', label: 'Connected' };
  if (status === 'disconnected') return { tone: 'red', label: 'Disconnected' };
  return { tone: 'grey', label: 'Terminated' };
}

/** Counts by status ("1 connected, 2 disconnected, …" beside the list's count). */
export function countByStatus(instances: readonly Instance[]): Record<InstanceStatus, number> {
  const counts: Record<InstanceStatus, number> = { connected: 0, disconnected: 0, terminated: 0 };
  for (const i of instances) counts[i.status]++;
  return counts;
}

export interface TimelineEntry {
  at: string;
  title: string;
  detail?: string;
}

/** POSIX signal numbers a runner reports, by name. */
export const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

/** The exit record in words: "exit code 137, reason OOMKilled", "signal 15 (SIGTERM)", "no exit recorded". */
export function describeExit(t: Termination): string {
  const parts: string[] = [];
  if (t.exitCode !== null) parts.push(`exit code ${t.exitCode}`);
  if (t.signal !== null) parts.push(`signal ${t.signal}${signalNames[t.signal] ? ` (${signalNames[t.signal]})` : ''}`);
  if (t.reason) parts.push(`reason ${t.reason}`);
  return parts.length > 0 ? parts.join(', ') : 'no exit recorded';
}

/**
 * The one-line meaning of a cause in the words of the instance's platform: a runner started by hand
 * (`process`) has no container, pod or cgroup of its own; a Docker container has no pod or node.
 */
export function causeTextFor(cause: TerminationCause, platform: Platform): string {
  if (platform === 'process') {
    switch (cause) {
      case 'oom_killed':
        return "OOMKilled: the kernel's out-of-memory killer ended the runner process (its memory limit, or the host's memory, ran out)";
      case 'killed':
        return 'Killed: the runner process was ended with SIGKILL (kill -9, or the kernel reclaiming memory) and could not say goodbye';
      case 'sigterm':
        return 'SIGTERM: the runner process was asked to stop (Ctrl-C, kill, a service stop or a reboot)';
      case 'lost':
        return 'Lost: no exit was recorded, so the host went down hard, the process vanished without a word, or the network dropped';
      default:
        return causeText[cause];
    }
  }
  if (platform === 'docker' || platform === 'ec2') {
    switch (cause) {
      case 'sigterm':
        return 'SIGTERM: the container was stopped (docker stop, a restart of the Docker engine or a reboot), or the runner was stopped';
      case 'lost':
        return 'Lost: no exit was recorded, so the host was killed hard or the network dropped';
      default:
        return causeText[cause];
    }
  }
  return causeText[cause];
}

/** Causes that call for attention (shown in the danger tone). */
export const troubleCauses: ReadonlySet<TerminationCause> = new Set([
  'oom_killed',
  'killed',
  'crash',
  'lost',
  'evicted',
  'deadline_exceeded',
  'preempted',
]);

/** Counts of ended instances by cause within the retention window, most frequent first. */
export function causeCounts(instances: readonly Instance[], now: number, windowDays = 7): { cause: TerminationCause; count: number }[] {
  const since = now - windowDays * 86_400_000;
  const counts = new Map<TerminationCause, number>();
  for (const i of instances) {
    if (!i.termination || Date.parse(i.termination.at) < since) continue;
    counts.set(i.termination.cause, (counts.get(i.termination.cause) ?? 0) + 1);
  }
  const order = Object.keys(causeLabel) as TerminationCause[];
  return [...counts]
    .map(([cause, count]) => ({ cause, count }))
    .sort((a, b) => b.count - a.count || order.indexOf(a.cause) - order.indexOf(b.cause));
}

/** What happened to an instance, oldest first: started, errors, last heartbeat, how it ended. */
export function instanceTimeline(instance: Instance): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    { at: instance.startedAt, title: 'Started', detail: `${instance.platform} on ${instance.hostname}, version ${instance.version}` },
  ];
  if (instance.lastError) {
    entries.push({ at: instance.lastError.at, title: `Reported an error (${instance.lastError.kind})`, detail: instance.lastError.message });
  }
  const quiet = !instance.termination && instance.status === 'disconnected';
  const markedAt = quiet ? instance.disconnectedAt : null;
  entries.push({
    at: instance.lastHeartbeatAt,
    title: instance.status === 'connected' ? 'Last heartbeat' : 'Last heartbeat before it went quiet',
    // Without the control plane's own time for it, the disconnect is told here rather than stamped
    // with a time it did not happen at (it happens one offline window later).
    ...(quiet && !markedAt ? { detail: 'Then it missed its heartbeats and was marked disconnected; it may still come back.' } : {}),
  });
  if (instance.termination) {
    entries.push({
      at: instance.termination.at,
      title: 'Ended',
      detail: `${describeExit(instance.termination)}. ${causeTextFor(instance.termination.cause, instance.platform)}`,
    });
  } else if (markedAt) {
    entries.push({ at: markedAt, title: 'Marked disconnected', detail: 'It missed its heartbeats; it may still come back.' });
  }
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/**
 * The How it ended column: the cause's short name with the exit code or signal ("OOMKilled · exit 137",
 * "SIGTERM · signal 15", "Lost"); "Stop requested" while a stopped runner has not yet left; null for
 * one that has not ended.
 */
export function howItEnded(instance: Pick<Instance, 'termination' | 'status' | 'stopRequestedAt'>): string | null {
  const t = instance.termination;
  if (!t) return instance.stopRequestedAt && instance.status === 'connected' ? 'Stop requested' : null;
  const how = t.exitCode !== null ? `exit ${t.exitCode}` : t.signal !== null ? `signal ${t.signal}` : null;
  return how ? `${causeLabel[t.cause]} · ${how}` : causeLabel[t.cause];
}

/** Whether an update replaced it (hidden from the Instances list unless asked for). */
export function isReplaced(instance: Pick<Instance, 'termination'>): boolean {
  return instance.termination?.cause === 'replaced';
}

/** Why Stop is not offered for this instance, or null when it is (PRODUCT.md §3 round 2: connected ones only). */
export function stopBlockedReason(instance: Pick<Instance, 'status' | 'stopRequestedAt'>): string | null {
  if (instance.status !== 'connected') return `Only a connected runner can be stopped; this one is ${instance.status}.`;
  if (instance.stopRequestedAt) return 'A stop was already requested: it stops with its next heartbeat.';
  return null;
}

/** Why Forget is not offered for this instance, or null when it is (ended or disconnected ones only). */
export function forgetBlockedReason(instance: Pick<Instance, 'status'>): string | null {
  return instance.status === 'connected' ? 'A connected runner cannot be forgotten: stop it first, or wait until it is disconnected.' : null;
}
