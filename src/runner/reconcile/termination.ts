import type { ContainerStateTerminated, Pod } from './pod';

/** The chart's name for the runner's container (deploy/helm/paddock-runner/templates/deployment.yaml). */
export const runnerContainerName = 'core';

// Variables only the runner's own container sets (the chart and the Docker image set them).
const runnerEnv = new Set(['PADDOCK_RUNNER_PLATFORM', 'PADDOCK_AGENT_VERSION']);

/**
 * The runner container of a pod: the one named `core`, or one whose environment is the runner's;
 * null for a pod that runs no runner (a pod the selector caught by mistake is left alone).
 */
export function runnerContainerOf(pod: Pod): string | null {
  const containers = pod.spec?.containers ?? [];
  const byName = containers.find((c) => c.name === runnerContainerName);
  if (byName) return byName.name;
  const byEnv = containers.find((c) => c.env?.some((e) => runnerEnv.has(e.name)));
  if (byEnv) return byEnv.name;
  // A pod object without its spec (never from the API, but cheap to allow): trust the statuses.
  if (containers.length === 0 && pod.status?.containerStatuses?.some((c) => c.name === runnerContainerName)) return runnerContainerName;
  return null;
}

/** How a runner pod ended, in the control plane's terms (PRODUCT.md §2 and §11). */
export interface PodEnd {
  pod: string;
  uid: string | null;
  exitCode: number | null;
  signal: number | null;
  reason: string | null;
  /** When it ended: the container's finishedAt, the condition's transition time, or when we saw it. */
  observedAt: string;
  /** Where the record came from, for the log and the tests. */
  from: 'state' | 'lastState' | 'pod-reason' | 'disruption-target' | 'none';
}

const podReasons = new Set(['Evicted', 'DeadlineExceeded']);

/**
 * The end of a terminal runner pod (phase Succeeded or Failed), or null when there is nothing to
 * record: the pod still runs (or is pending), or it has no runner container. The runner container's
 * `state.terminated` comes first, then its `lastState.terminated`; only when neither exists, the
 * pod's `status.reason` (Evicted, DeadlineExceeded) or a DisruptionTarget condition (Preempted).
 */
export function podEnd(pod: Pod, now: Date): PodEnd | null {
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return null;
  const container = runnerContainerOf(pod);
  if (!container) return null;
  const base = { pod: pod.metadata.name, uid: pod.metadata.uid ?? null };
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  const fromState = recorded(status?.state?.terminated);
  const terminated = fromState ?? recorded(status?.lastState?.terminated);
  if (terminated) {
    return {
      ...base,
      exitCode: terminated.exitCode,
      signal: terminated.signal ?? signalOf(terminated.exitCode),
      reason: terminated.reason ?? null,
      observedAt: validTime(terminated.finishedAt) ?? now.toISOString(),
      from: fromState ? 'state' : 'lastState',
    };
  }
  const reason = pod.status?.reason;
  if (reason && podReasons.has(reason)) {
    return { ...base, exitCode: null, signal: null, reason, observedAt: now.toISOString(), from: 'pod-reason' };
  }
  const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (disruption) {
    return {
      ...base,
      exitCode: null,
      signal: null,
      reason: 'Preempted',
      observedAt: validTime(disruption.lastTransitionTime) ?? now.toISOString(),
      from: 'disruption-target',
    };
  }
  // Terminal with no record at all (a node that shut down, a pod the kubelet refused): say what the
  // pod says; with no exit code and no signal the control plane files it as no exit recorded.
  return { ...base, exitCode: null, signal: null, reason: reason ?? null, observedAt: now.toISOString(), from: 'none' };
}

/**
 * A container's terminated state, unless the kubelet made it up: `ContainerStatusUnknown` (exit 137,
 * "could not be located when the pod was terminated") says the runtime lost the container, not how it
 * ended, so it is no record and the pod's own reason speaks.
 */
function recorded(t: ContainerStateTerminated | undefined): ContainerStateTerminated | undefined {
  return t && t.reason !== 'ContainerStatusUnknown' ? t : undefined;
}

/**
 * Container runtimes report a process killed by SIGTERM as exit code 143 (128 + 15) and rarely fill
 * `signal`; §2 files that as SIGTERM. 137 stays an exit code: §2 tells OOMKilled from Error by it.
 */
function signalOf(exitCode: number): number | null {
  return exitCode === 143 ? 15 : null;
}

function validTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const word = (v: string | number | null) => (v === null ? '-' : String(v).replace(/\s+/g, '_'));

/** The one line logged for each terminal runner pod, before it is reported and deleted (PRODUCT.md §11). */
export function terminatedLine(end: PodEnd): string {
  return `runner pod terminated pod=${word(end.pod)} exitCode=${word(end.exitCode)} signal=${word(end.signal)} reason=${word(end.reason)}`;
}
