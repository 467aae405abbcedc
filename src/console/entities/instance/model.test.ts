import { describe, expect, it } from 'vitest';
import type { TerminationCause } from '../../../contract';
import { ago, buildInstance, buildTermination, factoryNow } from '../../testing/factories';
import { causeCounts, describeExit, instanceStatusDot, instanceTimeline } from './model';

describe('describeExit', () => {
  it.each([
    [{ exitCode: 137, signal: null, reason: 'OOMKilled' }, 'exit code 137, reason OOMKilled'],
    [{ exitCode: null, signal: 15, reason: null }, 'signal 15 (SIGTERM)'],
    [{ exitCode: null, signal: null, reason: null }, 'no exit recorded'],
  ])('%o → %s', (t, text) => {
    expect(describeExit(buildTermination(t))).toBe(text);
  });
});

describe('instanceTimeline', () => {
  it('orders events and ends with the termination and its cause', () => {
    const i = buildInstance({
      status: 'terminated',
      startedAt: '2026-01-01T00:00:00Z',
      lastHeartbeatAt: '2026-01-01T01:00:00Z',
      termination: buildTermination({ at: '2026-01-01T01:00:05Z', exitCode: 139, reason: 'Error', cause: 'crash' }),
    });
    const t = instanceTimeline(i);
    expect(t.map((e) => e.title)).toEqual(['Started', 'Last heartbeat before it went quiet', 'Ended']);
    expect(t[2]?.detail).toContain("Crash (segfault or abort): collect the runner's logs");
  });

  it('stamps "Marked disconnected" with when the control plane marked it, not with the last heartbeat', () => {
    const t = instanceTimeline(
      buildInstance({
        status: 'disconnected',
        startedAt: '2026-01-01T00:00:00Z',
        lastHeartbeatAt: '2026-01-01T01:00:00Z',
        disconnectedAt: '2026-01-01T01:00:20.400Z',
      }),
    );
    expect(t.map((e) => [e.at, e.title])).toEqual([
      ['2026-01-01T00:00:00Z', 'Started'],
      ['2026-01-01T01:00:00Z', 'Last heartbeat before it went quiet'],
      ['2026-01-01T01:00:20.400Z', 'Marked disconnected'],
    ]);
    expect(t.at(-1)?.detail).toBe('It missed its heartbeats; it may still come back.');
    expect(t[1]?.detail).toBeUndefined();
  });

  it.each([
    ['without disconnectedAt (an older server)', undefined],
    ['with disconnectedAt null', null],
  ])('%s, says a disconnected instance may come back without claiming a time for it', (_label, disconnectedAt) => {
    const i = buildInstance({ status: 'disconnected', startedAt: '2026-01-01T00:00:00Z', lastHeartbeatAt: '2026-01-01T01:00:00Z', disconnectedAt });
    const t = instanceTimeline(i);
    expect(t.map((e) => e.title)).not.toContain('Marked disconnected');
    expect(t.filter((e) => e.at === i.lastHeartbeatAt).map((e) => e.title)).toEqual(['Last heartbeat before it went quiet']);
    expect(t.at(-1)).toEqual({
      at: '2026-01-01T01:00:00Z',
      title: 'Last heartbeat before it went quiet',
      detail: 'Then it missed its heartbeats and was marked disconnected; it may still come back.',
    });
  });

  it('has no disconnect entry for a connected instance or one that ended', () => {
    const connected = instanceTimeline(buildInstance({ status: 'connected', disconnectedAt: null }));
    expect(connected.map((e) => e.title)).toEqual(['Started', 'Last heartbeat']);
    expect(connected.at(-1)?.detail).toBeUndefined();
    const stopped = instanceTimeline(
      buildInstance({
        status: 'disconnected',
        startedAt: '2026-01-01T00:00:00Z',
        lastHeartbeatAt: '2026-01-01T01:00:00Z',
        disconnectedAt: '2026-01-01T01:00:02Z',
        termination: buildTermination({ at: '2026-01-01T01:00:02Z', exitCode: null, signal: 15, reason: null, cause: 'sigterm' }),
      }),
    );
    expect(stopped.map((e) => e.title)).toEqual(['Started', 'Last heartbeat before it went quiet', 'Ended']);
  });
});

it('labels instance statuses with text', () => {
  expect(instanceStatusDot('terminated')).toEqual({ tone: 'grey', label: 'Terminated' });
});

describe('causeCounts', () => {
  const ended = (cause: TerminationCause, secondsAgo: number) =>
    buildInstance({ status: 'terminated', termination: buildTermination({ cause, at: ago(secondsAgo) }) });
  const day = 86_400;

  it('counts ended instances by cause within the window, most frequent first', () => {
    const instances = [
      ended('oom_killed', day),
      ended('oom_killed', 2 * day),
      ended('oom_killed', 6 * day),
      ended('crash', 3 * day),
      ended('sigterm', 100),
      ended('sigterm', 200),
      ended('lost', 8 * day),
      buildInstance(),
    ];
    expect(causeCounts(instances, factoryNow)).toEqual([
      { cause: 'oom_killed', count: 3 },
      { cause: 'sigterm', count: 2 },
      { cause: 'crash', count: 1 },
    ]);
    expect(causeCounts(instances, factoryNow, 30)).toContainEqual({ cause: 'lost', count: 1 });
  });

  it('is empty when nothing ended', () => {
    expect(causeCounts([buildInstance(), buildInstance({ status: 'disconnected' })], factoryNow)).toEqual([]);
  });
});
