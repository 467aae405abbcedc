import type { Instance, InstanceStatus } from '../../../contract/schemas';
import { causeText } from '../../../contract/termination';

export type InstanceStatusFilter = 'all' | InstanceStatus;

/** Instances matching a status and a text (name, host, address, version), in a stable order. */
export function filterInstances(instances: readonly Instance[], status: InstanceStatusFilter, text: string): Instance[] {
  const q = text.trim().toLowerCase();
  return instances.filter(
    (i) =>
      (status === 'all' || i.status === status) &&
      (!q ||
        i.name.toLowerCase().includes(q) ||
        i.hostname.toLowerCase().includes(q) ||
        i.address.toLowerCase().includes(q) ||
        i.version.toLowerCase().includes(q)),
  );
}

export function instanceStatusDot(status: InstanceStatus): { tone: 'green' | 'red' | 'grey'; label: string } {
  if (status === 'connected') return { tone: 'green', label: 'Connected' };
  if (status === 'disconnected') return { tone: 'red', label: 'Disconnected' };
  return { tone: 'grey', label: 'Terminated' };
}

/** Counts by status, for the filter's options. */
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

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

/** "exit 137 (OOMKilled)", "signal 15 (SIGTERM)", "no exit recorded". */
export function describeExit(t: NonNullable<Instance['termination']>): string {
  const parts: string[] = [];
  if (t.exitCode !== null) parts.push(`exit code ${t.exitCode}`);
  if (t.signal !== null) parts.push(`signal ${t.signal}${signalNames[t.signal] ? ` (${signalNames[t.signal]})` : ''}`);
  if (t.reason) parts.push(`reason ${t.reason}`);
  return parts.length ? parts.join(', ') : 'no exit recorded';
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
      detail: `${describeExit(instance.termination)}. ${causeText[instance.termination.cause]}`,
    });
  } else if (markedAt) {
    entries.push({ at: markedAt, title: 'Marked disconnected', detail: 'It missed its heartbeats; it may still come back.' });
  }
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** The scale command for Kubernetes installs of a group (PRODUCT.md §3). */
export function scaleCommand(slug: string): string {
  return `kubectl scale deployment ${slug}-runner --replicas=N`;
}
