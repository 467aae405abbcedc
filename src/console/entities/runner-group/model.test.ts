import { describe, expect, it } from 'vitest';
import type { RunnerGroup } from '../../../contract';
import { groupStatus, updateBlockedReason, versionInfo, visibleGroups } from './model';

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

describe('visibleGroups', () => {
  const groups = [
    group({ id: '1', name: 'beta', status: 'connected', instanceCount: 2, createdAt: '2026-01-02T00:00:00Z' }),
    group({ id: '2', name: 'Alpha', status: 'disconnected', instanceCount: 5, createdAt: '2026-01-01T00:00:00Z' }),
    group({ id: '3', name: 'gamma', status: 'waiting', instanceCount: 0, createdAt: '2026-01-03T00:00:00Z' }),
  ];
  const ids = (gs: RunnerGroup[]) => gs.map((g) => g.id);

  it.each([
    ['', 'all', 'name', ['2', '1', '3']],
    ['', 'all', 'status', ['2', '3', '1']],
    ['', 'all', 'instances', ['2', '1', '3']],
    ['', 'all', 'created', ['3', '1', '2']],
    ['A', 'all', 'name', ['2', '1', '3']],
    ['alp', 'all', 'name', ['2']],
    ['', 'connected', 'name', ['1']],
    ['', 'waiting', 'name', ['3']],
    ['zzz', 'all', 'name', []],
  ] as const)('search %j status %s sort %s', (search, status, sort, expected) => {
    expect(ids(visibleGroups(groups, search, status, sort))).toEqual(expected);
  });
});
