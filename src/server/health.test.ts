import { describe, expect, it } from 'vitest';
import { causeLabel, TerminationCause } from '../contract';
import { FakeClock } from './clock';
import { agoText, type GroupHealthInput, type GroupHealthResult, groupHealth } from './health';

const clock = new FakeClock('2026-03-01T12:00:00.000Z');
const now = clock.now();
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

const base: GroupHealthInput = { connectedCount: 3, disconnectedCount: 0, everRegistered: true, endsLastHour: {}, lastUpdate: null };
const rolledBack = (secondsAgo: number, targetVersion = '1.5.0') => ({ state: 'rolled_back' as const, targetVersion, finishedAt: ago(secondsAgo) });

describe('groupHealth (PRODUCT.md §2 "Group dot and health")', () => {
  const cases: Array<[string, Partial<GroupHealthInput>, GroupHealthResult]> = [
    ['healthy: connected, nothing wrong', {}, { health: 'healthy', healthReasons: [] }],
    ['waiting: no runner ever registered', { connectedCount: 0, everRegistered: false }, { health: 'waiting', healthReasons: [] }],
    ['down: none connected after runners had registered', { connectedCount: 0, disconnectedCount: 2 }, { health: 'down', healthReasons: ['2 disconnected'] }],
    ['down: every runner ended normally (nothing to say but the count)', { connectedCount: 0, endsLastHour: { completed: 3, sigterm: 1 } }, { health: 'down', healthReasons: [] }],
    ['degraded by one disconnected instance', { disconnectedCount: 1 }, { health: 'degraded', healthReasons: ['1 disconnected'] }],
    ['degraded by two disconnected instances', { connectedCount: 1, disconnectedCount: 2 }, { health: 'degraded', healthReasons: ['2 disconnected'] }],
    ['degraded by an OOM kill in the last hour', { endsLastHour: { oom_killed: 1 } }, { health: 'degraded', healthReasons: ['1 OOMKilled in the last hour'] }],
    ['degraded by crashes (the cause label, as is)', { endsLastHour: { crash: 2 } }, { health: 'degraded', healthReasons: ['2 Crash in the last hour'] }],
    ['degraded by a lost instance', { endsLastHour: { lost: 1 } }, { health: 'degraded', healthReasons: ['1 Lost in the last hour'] }],
    ['not degraded by normal ends: completed, sigterm, replaced', { endsLastHour: { completed: 4, sigterm: 2, replaced: 3 } }, { health: 'healthy', healthReasons: [] }],
    [
      'several ends: the most frequent first, ties in the order causes are listed',
      { endsLastHour: { crash: 1, killed: 2, oom_killed: 1, sigterm: 5 } },
      { health: 'degraded', healthReasons: ['2 Killed in the last hour', '1 OOMKilled in the last hour', '1 Crash in the last hour'] },
    ],
    ['degraded by an update rolled back 2 h ago', { lastUpdate: rolledBack(2 * 3600 + 59) }, { health: 'degraded', healthReasons: ['update to 1.5.0 rolled back 2 h ago'] }],
    ['degraded by an update rolled back minutes ago', { lastUpdate: rolledBack(12 * 60 + 5) }, { health: 'degraded', healthReasons: ['update to 1.5.0 rolled back 12 min ago'] }],
    ['degraded by an update rolled back just now', { lastUpdate: rolledBack(20) }, { health: 'degraded', healthReasons: ['update to 1.5.0 rolled back just now'] }],
    ['degraded 23 h 59 min after a rollback', { lastUpdate: rolledBack(24 * 3600 - 60) }, { health: 'degraded', healthReasons: ['update to 1.5.0 rolled back 23 h ago'] }],
    ['healthy again 24 h after a rollback', { lastUpdate: rolledBack(24 * 3600) }, { health: 'healthy', healthReasons: [] }],
    ['healthy after an update that succeeded', { lastUpdate: { state: 'succeeded', targetVersion: '1.5.0', finishedAt: ago(60) } }, { health: 'healthy', healthReasons: [] }],
    [
      'the reasons in order: disconnected, ends, rollback (issue 15: an OOM kill, a SIGTERM and a rolled-back update)',
      { connectedCount: 2, disconnectedCount: 1, endsLastHour: { oom_killed: 1, sigterm: 1 }, lastUpdate: rolledBack(7200, '1.4.1') },
      { health: 'degraded', healthReasons: ['1 disconnected', '1 OOMKilled in the last hour', 'update to 1.4.1 rolled back 2 h ago'] },
    ],
    [
      'issue 15: lost 3 of 4 runners within a minute (a crash, a SIGKILL, a completed one): degraded, not green',
      { connectedCount: 1, endsLastHour: { crash: 1, killed: 1, completed: 1 } },
      { health: 'degraded', healthReasons: ['1 Killed in the last hour', '1 Crash in the last hour'] },
    ],
    ['down keeps its reasons', { connectedCount: 0, endsLastHour: { oom_killed: 2 } }, { health: 'down', healthReasons: ['2 OOMKilled in the last hour'] }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(groupHealth({ ...base, ...over }, now)).toEqual(expected);
  });

  it('follows the clock: a rollback leaves the reasons 24 h after it finished', () => {
    const c = new FakeClock('2026-03-01T12:00:00.000Z');
    const input: GroupHealthInput = { ...base, lastUpdate: { state: 'rolled_back', targetVersion: '1.5.0', finishedAt: c.now() } };
    expect(groupHealth(input, c.now()).healthReasons).toEqual(['update to 1.5.0 rolled back just now']);
    c.advance(3600);
    expect(groupHealth(input, c.now()).healthReasons).toEqual(['update to 1.5.0 rolled back 1 h ago']);
    c.advance(23 * 3600 - 1);
    expect(groupHealth(input, c.now()).health).toBe('degraded');
    c.advance(1);
    expect(groupHealth(input, c.now())).toEqual({ health: 'healthy', healthReasons: [] });
  });

  it('says "just now" for a rollback stamped in its future (a clock stepped back)', () => {
    expect(groupHealth({ ...base, lastUpdate: rolledBack(-600) }, now).healthReasons).toEqual(['update to 1.5.0 rolled back just now']);
  });

  it('names every abnormal cause by its label, and no normal one', () => {
    for (const cause of TerminationCause.options) {
      const r = groupHealth({ ...base, endsLastHour: { [cause]: 1 } }, now);
      const normal = cause === 'completed' || cause === 'sigterm' || cause === 'replaced';
      expect(r, cause).toEqual(normal ? { health: 'healthy', healthReasons: [] } : { health: 'degraded', healthReasons: [`1 ${causeLabel[cause]} in the last hour`] });
    }
  });
});

describe('agoText', () => {
  it.each([
    [-5_000, 'just now'],
    [59_999, 'just now'],
    [60_000, '1 min ago'],
    [3_599_999, '59 min ago'],
    [3_600_000, '1 h ago'],
    [7_199_999, '1 h ago'],
    [23 * 3_600_000, '23 h ago'],
  ])('%i ms → %s', (ms, text) => expect(agoText(ms)).toBe(text));
});

describe('causeLabel', () => {
  it('has the labels of the interface note, word for word', () => {
    expect(causeLabel).toMatchObject({
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
    });
  });
});
