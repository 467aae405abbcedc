import { describe, expect, it } from 'vitest';
import type { RunnerGroup } from '../../../contract';
import { groupOrder, groupStatus, updateBlockedReason, versionInfo } from './model';

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

describe('groupStatus', () => {
  it.each([
    [{ status: 'connected', connectedCount: 3, instanceCount: 3 }, 'green', 'Connected · 3 of 3'],
    [{ status: 'disconnected', connectedCount: 0, instanceCount: 2 }, 'red', 'Disconnected · 0 of 2'],
    [{ status: 'waiting', connectedCount: 0, instanceCount: 0 }, 'red', 'Waiting for first runner'],
  ] as const)('%o → %s %s', (g, tone, label) => {
    expect(groupStatus(g)).toEqual({ tone, label });
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
    group({ id: '1', name: 'beta', status: 'connected', instanceCount: 2, createdAt: '2026-01-02T00:00:00Z' }),
    group({ id: '2', name: 'Alpha', status: 'disconnected', instanceCount: 5, createdAt: '2026-01-01T00:00:00Z' }),
    group({ id: '3', name: 'gamma', status: 'waiting', instanceCount: 0, createdAt: '2026-01-03T00:00:00Z' }),
    group({ id: '4', name: 'Delta', status: 'disconnected', instanceCount: 5, createdAt: '2026-01-03T00:00:00Z' }),
  ];

  it.each([
    ['name', ['2', '1', '4', '3']],
    ['status', ['2', '4', '3', '1']],
    ['instances', ['2', '4', '1', '3']],
    ['created', ['4', '3', '1', '2']],
  ] as const)('%s', (order, ids) => {
    expect([...groups].sort(groupOrder[order]).map((g) => g.id)).toEqual(ids);
  });
});
