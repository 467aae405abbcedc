import { describe, expect, it } from 'vitest';
import { classifyTermination } from '../../contract';
import { podEnd, runnerContainerOf, terminatedLine } from './termination';
import { containerStatus, runnerPod, section11Rows, terminated } from './testing/pods';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('podEnd: how a terminal runner pod ended (PRODUCT.md §11)', () => {
  it.each(section11Rows().map((r) => [r.row, r] as const))('%s', (_row, r) => {
    const end = podEnd(r.pod, now);
    if (r.expect === null) {
      expect(end).toBeNull();
      return;
    }
    expect(end).toMatchObject({ pod: r.pod.metadata.name, exitCode: r.expect.exitCode, signal: r.expect.signal, reason: r.expect.reason });
    // The control plane files it under the cause §2 gives that row.
    expect(classifyTermination(end!.exitCode, end!.signal, end!.reason)).toBe(r.expect.cause);
  });

  it("dates the end by the container's finishedAt, a DisruptionTarget's transition, or else when it was seen", () => {
    const rows = new Map(section11Rows().map((r) => [r.row, r.pod]));
    expect(podEnd(rows.get('137/OOMKilled')!, now)!.observedAt).toBe('2026-03-01T11:58:41.000Z');
    expect(podEnd(rows.get('DisruptionTarget')!, now)!.observedAt).toBe('2026-03-01T11:58:30.000Z');
    expect(podEnd(rows.get('Evicted')!, now)!.observedAt).toBe(now.toISOString());
  });

  it("the container's own record wins over the pod's reason: an OOM kill in an evicted pod stays OOMKilled", () => {
    const pod = runnerPod('p', { phase: 'Failed', reason: 'Evicted', containerStatuses: [containerStatus('core', terminated(137, 'OOMKilled'))] });
    expect(podEnd(pod, now)).toMatchObject({ exitCode: 137, reason: 'OOMKilled', from: 'state' });
  });

  it('state.terminated comes before lastState.terminated', () => {
    const pod = runnerPod('p', { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(1, 'Error'), terminated(137, 'OOMKilled'), 1)] });
    expect(podEnd(pod, now)).toMatchObject({ exitCode: 1, reason: 'Error', from: 'state' });
  });

  it('takes a signal the runtime did report as it is', () => {
    const pod = runnerPod('p', { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(139, 'Error', { signal: 11 }))] });
    expect(podEnd(pod, now)).toMatchObject({ exitCode: 139, signal: 11 });
  });

  it('a terminal pod with no record at all says what the pod says, and is filed as no exit recorded', () => {
    const pod = runnerPod('p', { phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' });
    const end = podEnd(pod, now)!;
    expect(end).toMatchObject({ exitCode: null, signal: null, reason: 'Terminated', from: 'none' });
    expect(classifyTermination(end.exitCode, end.signal, end.reason)).toBe('lost');
  });

  it('Pending and Unknown pods, and pods without a runner container, give nothing', () => {
    expect(podEnd(runnerPod('p', { phase: 'Pending' }), now)).toBeNull();
    expect(podEnd(runnerPod('p', { phase: 'Unknown' }), now)).toBeNull();
    expect(podEnd(runnerPod('p', { phase: 'Succeeded', containers: ['sidecar'], containerStatuses: [containerStatus('sidecar', terminated(0, 'Completed'))] }), now)).toBeNull();
  });

  it("finds the runner container by the chart's name core, or by the runner's environment under another name", () => {
    const renamed = runnerPod('p', { phase: 'Running', containers: ['envoy', 'core'] });
    renamed.spec!.containers![1]!.name = 'runner';
    expect(runnerContainerOf(renamed)).toBe('runner');
    expect(runnerContainerOf(runnerPod('p', { phase: 'Running', containers: ['envoy', 'core'] }))).toBe('core');
  });

  it('logs one line in the words of §11, "-" for what is absent and no spaces inside a value', () => {
    expect(terminatedLine({ pod: 'p-1', uid: null, exitCode: 137, signal: null, reason: 'OOMKilled', observedAt: '', from: 'state' })).toBe(
      'runner pod terminated pod=p-1 exitCode=137 signal=- reason=OOMKilled',
    );
    expect(terminatedLine({ pod: 'p-1', uid: null, exitCode: null, signal: null, reason: 'Node shutdown', observedAt: '', from: 'none' })).toBe(
      'runner pod terminated pod=p-1 exitCode=- signal=- reason=Node_shutdown',
    );
  });
});
