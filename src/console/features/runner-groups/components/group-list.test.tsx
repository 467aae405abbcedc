import { describe, expect, it } from 'vitest';
import type { RunnerGroup } from '../../../../contract/schemas';
import { applyListState } from '../../../components/list-view';
import { buildGroup } from '../../../testing/factories';
import { groupColumns, groupExtraSorts } from './group-list';

// The Runners list's configuration: what Search, Status and Sort by do to the groups.
describe('the Runners list', () => {
  const groups = [
    buildGroup({ id: '1', name: 'beta', status: 'connected', health: 'healthy', instanceCount: 2, createdAt: '2026-01-02T00:00:00Z' }),
    buildGroup({ id: '2', name: 'Alpha', status: 'disconnected', health: 'down', instanceCount: 5, createdAt: '2026-01-01T00:00:00Z' }),
    buildGroup({ id: '3', name: 'gamma', status: 'waiting', health: 'waiting', instanceCount: 0, createdAt: '2026-01-03T00:00:00Z' }),
    buildGroup({ id: '4', name: 'delta', status: 'connected', health: 'degraded', instanceCount: 3, createdAt: '2026-01-04T00:00:00Z' }),
  ];
  const columns = groupColumns(() => {});
  const ids = (gs: RunnerGroup[]) => gs.map((g) => g.id);

  it.each([
    ['', 'all', 'name', ['2', '1', '4', '3']],
    // Problems first (PRODUCT.md §3 round 2): down, degraded, waiting, healthy.
    ['', 'all', 'health', ['2', '4', '3', '1']],
    ['', 'all', 'instances', ['2', '4', '1', '3']],
    ['', 'all', 'created', ['4', '3', '1', '2']],
    ['A', 'all', 'name', ['2', '1', '4', '3']],
    ['alp', 'all', 'name', ['2']],
    ['', 'healthy', 'name', ['1']],
    ['', 'degraded', 'name', ['4']],
    ['', 'waiting', 'name', ['3']],
    ['zzz', 'all', 'name', []],
  ] as const)('search %j health %s sort %s', (q, health, sort, expected) => {
    expect(ids(applyListState(groups, columns, { q, filters: { health }, sort }, groupExtraSorts))).toEqual(expected);
  });
});
