import type { TerminationCause } from './schemas';

/** Classifies how a runner ended from its exit fingerprint (PRODUCT.md §2). */
export function classifyTermination(exitCode: number | null, signal: number | null, reason: string | null): TerminationCause {
  if (reason === 'Replaced') return 'replaced';
  // Pod-level ends (PRODUCT.md §11): the pod's status.reason, or its DisruptionTarget condition.
  if (reason === 'Evicted') return 'evicted';
  if (reason === 'DeadlineExceeded') return 'deadline_exceeded';
  if (reason === 'Preempted') return 'preempted';
  if (signal === 15) return 'sigterm';
  if (exitCode === 0) return 'completed';
  if (exitCode === 137 && reason === 'OOMKilled') return 'oom_killed';
  if (exitCode === 137 || signal === 9) return 'killed';
  if (exitCode === null && signal === null) return 'lost';
  return 'crash';
}

/** One-line explanation of each cause, as the console shows it. */
export const causeText: Record<TerminationCause, string> = {
  completed: 'Clean exit. If the group saw "lost communication", it was the completion handshake, not a death',
  oom_killed: 'Host out of memory: the container hit its memory limit (raise limit_memory)',
  killed: 'Killed inside the guest: in-VM out-of-memory or SIGKILL; the host cgroup was fine',
  sigterm: 'SIGTERM: the pod was deleted or the node drained, or the runner was stopped',
  crash: "Crash (segfault or abort): collect the runner's logs",
  replaced: 'Replaced by update',
  lost: 'Lost: no exit was recorded, so the host or node was killed hard or the network dropped',
  evicted: 'Evicted: the node ran short of memory or disk and the kubelet evicted the pod',
  deadline_exceeded: 'Deadline exceeded: the pod ran longer than its activeDeadlineSeconds',
  preempted: 'Preempted: the node was reclaimed (spot) or the pod was preempted',
};

// Written as a plain object first so that the Kubernetes causes (evicted, deadline_exceeded,
// preempted) can carry their labels before TerminationCause lists them, and must once it does.
const labels = {
  completed: 'Completed',
  oom_killed: 'OOMKilled',
  killed: 'Killed',
  sigterm: 'SIGTERM',
  crash: 'Crash',
  replaced: 'Replaced by update',
  lost: 'Lost',
  evicted: 'Evicted',
  deadline_exceeded: 'Deadline exceeded',
  preempted: 'Preempted',
};

/** The short name of each cause: the How it ended column, the cause filters and `healthReasons`. */
export const causeLabel: Record<TerminationCause, string> = labels;

/** Ends that are part of normal operation; every other cause is abnormal and degrades its group for an hour. */
export const normalEndCauses: readonly TerminationCause[] = ['completed', 'sigterm', 'replaced'];

/** Whether an end of this cause degrades its group (PRODUCT.md §2: any cause but completed, sigterm, replaced). */
export function isAbnormalEnd(cause: TerminationCause): boolean {
  return !normalEndCauses.includes(cause);
}
