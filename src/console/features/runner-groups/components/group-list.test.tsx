import { describe, expect, it } from 'vitest';
import type { RunnerGroup } from '../../../../contract/schemas';
import { applyListState } from '../../../components/list-view';
import { buildGroup } from '../../../testing/factories';
import { groupColumns, groupExtraSorts } from './group-list';

// The Runners list's configuration: what Search, Status and Sort by do to the groups.
describe('the Runners list', () => {
  const groups = [
    buildGroup({ id: '1', name: 'beta', status: 'connected', instanceCount: 2, createdAt: '2026-01-02T00:00:00Z' }),
    buildGroup({ id: '2', name: 'Alpha', status: 'disconnected', instanceCount: 5, createdAt: '2026-01-01T00:00:00Z' }),
    buildGroup({ id: '3', name: 'gamma', status: 'waiting', instanceCount: 0, createdAt: '2026-01-03T00:00:00Z' }),
  ];
  const columns = groupColumns(() => {});
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
  ] as const)('search %j status %s sort %s', (q, status, sort, expected) => {
    expect(ids(applyListState(groups, columns, { q, filters: { status }, sort }, groupExtraSorts))).toEqual(expected);
  });
});
