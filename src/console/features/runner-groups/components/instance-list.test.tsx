import { describe, expect, it } from 'vitest';
import { applyListState } from '../../../components/list-view';
import { buildInstance } from '../../../testing/factories';
import { instanceColumns } from './instance-list';

// The Instances list's configuration: Status, and Filter over name, host, address and version.
describe('the Instances list', () => {
  const list = [
    buildInstance({ id: 'a', name: 'web-1', hostname: 'node-a', address: '10.0.0.1', version: '1.3.0', status: 'connected' }),
    buildInstance({ id: 'b', name: 'web-2', hostname: 'node-b', address: '10.0.0.2', version: '1.4.0', status: 'disconnected' }),
    buildInstance({ id: 'c', name: 'batch-1', hostname: 'node-c', address: '10.0.1.9', version: '1.4.0', status: 'terminated' }),
  ];
  const columns = instanceColumns({ selectedId: null, onSelect: () => {}, now: 0 });

  it.each([
    ['all', '', ['a', 'b', 'c']],
    ['connected', '', ['a']],
    ['terminated', '', ['c']],
    ['all', 'WEB', ['a', 'b']],
    ['all', 'node-c', ['c']],
    ['all', '10.0.0.', ['a', 'b']],
    ['all', '1.3', ['a']],
    ['all', 'docker', []],
    ['disconnected', 'batch', []],
  ] as const)('status %s text %j', (status, q, ids) => {
    expect(applyListState(list, columns, { q, filters: { status }, sort: null }).map((i) => i.id)).toEqual(ids);
  });
});
