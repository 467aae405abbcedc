import { describe, expect, it } from 'vitest';
import type { RunnerGroup, Update } from '../../../contract';
import { groupHealthDot, groupOrder, lastUpdateCell, shortAgo, updateBlockedReason, versionInfo } from './model';

const group = (over: Partial<RunnerGroup>): RunnerGroup => ({
  id: 'g1',
  name: 'Alpha',
  isDefault: false,
  status: 'connected',
  connectedCount: 1,
  instanceCount: 1,
  versions: ['1.4.0'],
  updateDeadlineSeconds: 300,
  latestVersion: '1.4.0',
  keyPrefix: 'prk_abcd',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  activeUpdate: null,
  health: 'healthy',
  healthReasons: [],
  recentEnds: {},
  lastUpdate: null,
  ...over,
});

describe('groupHealthDot', () => {
  it.each([
    [{ health: 'healthy', connectedCount: 3, instanceCount: 3, healthReasons: [] }, 'green', 'Healthy · 3 of 3', ''],
    [
      { health: 'degraded', connectedCount: 2, instanceCount: 3, healthReasons: ['1 disconnected', '1 OOMKilled in the last hour'] },
      'amber',
      'Degraded · 2 of 3',
      '1 disconnected; 1 OOMKilled in the last hour',
    ],
    [{ health: 'down', connectedCount: 0, instanceCount: 2, healthReasons: ['2 disconnected'] }, 'red', 'Down · 0 of 2', '2 disconnected'],
    [{ health: 'waiting', connectedCount: 0, instanceCount: 0, healthReasons: [] }, 'grey', 'Waiting for first runner', ''],
  ] as const)('%o → %s "%s"', (g, tone, label, description) => {
    expect(groupHealthDot({ ...g, healthReasons: [...g.healthReasons] })).toEqual({ tone, label, description });
  });
});

describe('shortAgo', () => {
  const now = Date.parse('2026-01-02T12:00:00Z');
  it.each([
    ['2026-01-02T11:59:30Z', 'just now'],
    ['2026-01-02T12:00:30Z', 'just now'],
    ['2026-01-02T11:55:00Z', '5 min ago'],
    ['2026-01-02T10:00:00Z', '2 h ago'],
    ['2026-01-01T11:00:00Z', '1 d ago'],
    ['2025-12-20T12:00:00Z', '13 d ago'],
  ])('%s → %s', (iso, text) => {
    expect(shortAgo(iso, now)).toBe(text);
  });
});

describe('lastUpdateCell', () => {
  const now = Date.parse('2026-01-02T12:00:00Z');
  const update = (over: Partial<Update>): Update => ({
    id: 'u1',
    groupId: 'g1',
    state: 'succeeded',
    targetVersion: '1.5.0',
    fromVersions: ['1.4.0'],
    requestedBy: 'admin',
    requestedAt: '2026-01-01T09:00:00Z',
    deadlineAt: '2026-01-01T09:05:00Z',
    finishedAt: '2026-01-01T09:03:00Z',
    reason: null,
    instances: [],
    ...over,
  });

  it('is the running update while one runs, whatever the last one did', () => {
    const running = update({ state: 'in_progress', finishedAt: null });
    expect(lastUpdateCell({ activeUpdate: running, lastUpdate: update({ state: 'rolled_back' }) }, now)).toEqual({ kind: 'running', update: running });
  });

  it('"Updated to 1.5.0 · 1 d ago" after a success', () => {
    expect(lastUpdateCell({ activeUpdate: null, lastUpdate: update({}) }, now)).toEqual({
      kind: 'succeeded',
      label: 'Updated to 1.5.0 · 1 d ago',
      at: '2026-01-01T09:03:00Z',
    });
  });

  it('"Rolled back · 2 h ago" with its reason after a rollback', () => {
    const rolledBack = update({ state: 'rolled_back', finishedAt: '2026-01-02T10:00:00Z', reason: 'Deadline passed: a did not report 1.5.0 within 300 s' });
    expect(lastUpdateCell({ activeUpdate: null, lastUpdate: rolledBack }, now)).toEqual({
      kind: 'rolled_back',
      label: 'Rolled back · 2 h ago',
      targetVersion: '1.5.0',
      reason: 'Deadline passed: a did not report 1.5.0 within 300 s',
      at: '2026-01-02T10:00:00Z',
    });
  });

  it('nothing before the first update', () => {
    expect(lastUpdateCell({ activeUpdate: null, lastUpdate: null }, now)).toEqual({ kind: 'none' });
  });
});

describe('versionInfo', () => {
  it.each([
    [['1.4.0'], '1.4.0', ['1.4.0'], false],
    [['1.4.0', '1.3.0', '1.4.0'], '1.4.0', ['1.3.0', '1.4.0'], true],
    [['1.10.0', '1.9.0'], '1.10.0', ['1.9.0', '1.10.0'], true],
    [['1.5.0-rc.1'], '1.5.0', ['1.5.0-rc.1'], true],
    [[], '1.4.0', [], false],
  ])('%j vs %s', (versions, latestVersion, sorted, behind) => {
    expect(versionInfo({ versions, latestVersion })).toEqual({ versions: sorted, behind });
  });
});

describe('updateBlockedReason', () => {
  it.each([
    [{ versions: ['1.3.0'] }, null],
    [{ versions: ['1.4.0'] }, 'Already on the latest version (1.4.0).'],
    [{ versions: ['1.3.0'], connectedCount: 0, status: 'disconnected' as const }, 'No instance is connected.'],
  ])('%o → %s', (over, reason) => {
    expect(updateBlockedReason(group(over))).toBe(reason);
  });

  it('says so when an update runs', () => {
    const activeUpdate = {
      id: 'u1',
      groupId: 'g1',
      state: 'in_progress' as const,
      targetVersion: '1.4.0',
      fromVersions: ['1.3.0'],
      requestedBy: 'admin',
      requestedAt: '2026-01-01T00:00:00Z',
      deadlineAt: '2026-01-01T00:05:00Z',
      finishedAt: null,
      reason: null,
      instances: [],
    };
    expect(updateBlockedReason(group({ versions: ['1.3.0'], activeUpdate }))).toBe('An update is already running.');
  });
});

describe('groupOrder', () => {
  const groups = [
    group({ id: '1', name: 'beta', health: 'healthy', instanceCount: 2, createdAt: '2026-01-02T00:00:00Z' }),
    group({ id: '2', name: 'Alpha', health: 'down', instanceCount: 5, createdAt: '2026-01-01T00:00:00Z' }),
    group({ id: '3', name: 'gamma', health: 'waiting', instanceCount: 0, createdAt: '2026-01-03T00:00:00Z' }),
    group({ id: '4', name: 'Delta', health: 'degraded', instanceCount: 5, createdAt: '2026-01-03T00:00:00Z' }),
    group({ id: '5', name: 'epsilon', health: 'down', instanceCount: 1, createdAt: '2026-01-04T00:00:00Z' }),
  ];

  it.each([
    ['name', ['2', '1', '4', '5', '3']],
    // Problems first: down, degraded, waiting, healthy; ties by name.
    ['health', ['2', '5', '4', '3', '1']],
    ['instances', ['2', '4', '1', '5', '3']],
    ['created', ['5', '4', '3', '1', '2']],
  ] as const)('%s', (order, ids) => {
    expect([...groups].sort(groupOrder[order]).map((g) => g.id)).toEqual(ids);
  });
});
