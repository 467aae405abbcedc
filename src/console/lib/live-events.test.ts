import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getConnectionState, reportReachable } from './connection';
import { keysForEvent, parseLiveEvent, startLiveEvents } from './live-events';
import { FakeEventSource } from '../testing/fake-event-source';
import { queryKeys } from './query-keys';

const ES = FakeEventSource as unknown as typeof EventSource;

describe('keysForEvent', () => {
  it.each([
    // A group change (a runner came or went) leaves the audit log alone; a new audit entry refreshes it.
    [{ kind: 'group', op: 'upsert' }, [queryKeys.runnerGroups.list(), queryKeys.runnerGroups.detail('g1')]],
    [{ kind: 'group', op: 'delete' }, [queryKeys.runnerGroups.list()]],
    [{ kind: 'audit', op: 'upsert' }, [queryKeys.auditEvents.all]],
    [{ kind: 'instance', op: 'upsert' }, [queryKeys.runnerGroups.list(), queryKeys.runnerGroups.instances('g1')]],
    [
      { kind: 'update', op: 'upsert' },
      [queryKeys.runnerGroups.list(), queryKeys.runnerGroups.updates('g1'), queryKeys.runnerGroups.instances('g1')],
    ],
  ] as const)('%o', (e, keys) => {
    expect(keysForEvent({ ...e, groupId: 'g1', entityId: 'x' })).toEqual(keys);
  });
});

describe('parseLiveEvent', () => {
  it.each([
    ['{"kind":"instance","op":"upsert","groupId":"g","entityId":"i"}', { kind: 'instance', op: 'upsert', groupId: 'g', entityId: 'i' }],
    ['{"kind":"nope","op":"upsert","groupId":"g"}', null],
    ['{"kind":"group","op":"upsert"}', null],
    ['not json', null],
  ])('%s', (data, parsed) => {
    expect(parseLiveEvent(data)).toEqual(parsed);
  });
});

describe('startLiveEvents', () => {
  let queryClient: QueryClient;
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.instances = [];
    queryClient = new QueryClient();
    reportReachable();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('batches a burst of events into one invalidation per key', async () => {
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    const stop = startLiveEvents(queryClient, { EventSourceImpl: ES, batchMs: 100 });
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe('/api/v1/events');
    es.open();
    for (let i = 0; i < 500; i++) es.emit('instance', { kind: 'instance', op: 'upsert', groupId: 'g1', entityId: `i${i}` });
    expect(spy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    expect(spy.mock.calls.map((c) => c[0]?.queryKey)).toEqual([
      queryKeys.runnerGroups.list(),
      queryKeys.runnerGroups.instances('g1'),
    ]);
    stop();
  });

  it('drops a deleted group from the cache', async () => {
    queryClient.setQueryData(queryKeys.runnerGroups.instances('g1'), []);
    const stop = startLiveEvents(queryClient, { EventSourceImpl: ES, batchMs: 10 });
    FakeEventSource.instances[0]!.open();
    FakeEventSource.instances[0]!.emit('group', { kind: 'group', op: 'delete', groupId: 'g1', entityId: 'g1' });
    await vi.advanceTimersByTimeAsync(10);
    expect(queryClient.getQueryData(queryKeys.runnerGroups.instances('g1'))).toBeUndefined();
    stop();
  });

  it('shows reconnecting and polls while the stream is down, then recovers and catches up', async () => {
    const refetch = vi.spyOn(queryClient, 'refetchQueries');
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const stop = startLiveEvents(queryClient, { EventSourceImpl: ES, pollMs: 1_000 });
    const es = FakeEventSource.instances[0]!;
    es.open();
    expect(getConnectionState()).toBe('online');
    es.fail(false);
    expect(getConnectionState()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(refetch).toHaveBeenCalledTimes(3);
    es.open();
    expect(getConnectionState()).toBe('online');
    expect(invalidate).toHaveBeenCalledWith({ type: 'active' });
    // Polling stops once the stream is back (the catch-up invalidation refetches once more by itself).
    const afterRecovery = refetch.mock.calls.length;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(refetch).toHaveBeenCalledTimes(afterRecovery);
    stop();
  });

  it('refetches everything cached, active or not, when the server says resync', async () => {
    queryClient.setQueryData(queryKeys.runnerGroups.list(), []);
    queryClient.setQueryData(queryKeys.runnerGroups.instances('g1'), []);
    queryClient.setQueryData(queryKeys.auditEvents.all, { pages: [] });
    const stop = startLiveEvents(queryClient, { EventSourceImpl: ES, batchMs: 10 });
    const es = FakeEventSource.instances[0]!;
    es.open();
    es.emit('resync', {});
    for (const key of [queryKeys.runnerGroups.list(), queryKeys.runnerGroups.instances('g1'), queryKeys.auditEvents.all]) {
      expect(queryClient.getQueryState(key)?.isInvalidated, JSON.stringify(key)).toBe(true);
    }
    stop();
  });

  it('reopens a stream the browser gave up on, with backoff', async () => {
    const stop = startLiveEvents(queryClient, { EventSourceImpl: ES });
    FakeEventSource.instances[0]!.fail(true);
    expect(FakeEventSource.instances[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeEventSource.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    FakeEventSource.instances[1]!.fail(true);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(FakeEventSource.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeEventSource.instances).toHaveLength(3);
    stop();
    expect(FakeEventSource.instances[2]!.closed).toBe(true);
  });
});
