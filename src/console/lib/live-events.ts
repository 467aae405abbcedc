import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { api } from '../../contract/paths';
import type { LiveEvent } from '../../contract/schemas';
import { getConnectionState, reportReachable, reportUnreachable, subscribeConnection } from './connection';
import { queryKeys } from './query-keys';

/** Which cached queries a live event makes stale (the same keys the queries and mutations use). */
export function keysForEvent(event: LiveEvent): QueryKey[] {
  const g = queryKeys.runnerGroups;
  switch (event.kind) {
    case 'group':
      // A deleted group leaves the list; its detail queries are dropped rather than refetched.
      return event.op === 'delete' ? [g.list()] : [g.list(), g.detail(event.groupId)];
    case 'audit':
      // A new audit-log entry: refetching an infinite query re-walks its pages from the newest, so
      // "Load more" still continues where the loaded pages end.
      return [queryKeys.auditEvents.all];
    case 'instance':
      return [g.list(), g.instances(event.groupId)];
    case 'update':
      return [g.list(), g.updates(event.groupId), g.instances(event.groupId)];
    case 'notification':
      // A channel changed or a delivery was attempted: its list row (last delivery) and its log.
      return [queryKeys.notificationChannels.all];
  }
}

const kinds = new Set<string>(['group', 'instance', 'update', 'audit', 'notification'] satisfies LiveEvent['kind'][]);

/** The event's data when it has the contract's LiveEvent shape (checked by hand: zod stays out of the first load). */
export function parseLiveEvent(data: unknown): LiveEvent | null {
  try {
    const e = JSON.parse(String(data)) as Partial<LiveEvent>;
    if (kinds.has(String(e.kind)) && (e.op === 'upsert' || e.op === 'delete') && typeof e.groupId === 'string') {
      return { kind: e.kind as LiveEvent['kind'], op: e.op, groupId: e.groupId, entityId: String(e.entityId ?? '') };
    }
  } catch {
    // not JSON: ignored
  }
  return null;
}

export interface LiveEventsOptions {
  /** Polling interval while the stream is down (ms). */
  pollMs?: number;
  /** How long events are gathered before one round of invalidation (ms). */
  batchMs?: number;
  /** Injected for tests; defaults to the browser's EventSource. `null`: no stream, poll only. */
  EventSourceImpl?: typeof EventSource | null;
}

/**
 * Follows `GET /api/v1/events` and keeps the query cache fresh: each event invalidates the queries
 * it touches (batched, so a fleet-wide burst refetches each list once). While the stream is down it
 * polls the active queries instead, and the connection state shows the "Reconnecting…" banner; the
 * last data stays on screen. Returns a stop function.
 */
export function startLiveEvents(queryClient: QueryClient, options: LiveEventsOptions = {}): () => void {
  const pollMs = options.pollMs ?? 5_000;
  const batchMs = options.batchMs ?? 150;
  const ES =
    options.EventSourceImpl === null
      ? undefined
      : (options.EventSourceImpl ?? (typeof EventSource === 'undefined' ? undefined : EventSource));
  let stopped = false;
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = 1_000;
  let opened = false;
  const pending = new Map<string, QueryKey>();
  const removed = new Set<string>();

  const flush = () => {
    batchTimer = undefined;
    for (const id of removed) queryClient.removeQueries({ queryKey: queryKeys.runnerGroups.detail(id) });
    removed.clear();
    for (const key of pending.values()) void queryClient.invalidateQueries({ queryKey: key });
    pending.clear();
  };

  const onEvent = (raw: MessageEvent) => {
    const event = parseLiveEvent(raw.data);
    if (!event) return;
    if (event.kind === 'group' && event.op === 'delete') removed.add(event.groupId);
    for (const key of keysForEvent(event)) pending.set(JSON.stringify(key), key);
    batchTimer ??= setTimeout(flush, batchMs);
  };

  const startPolling = () => {
    pollTimer ??= setInterval(() => {
      void queryClient.refetchQueries({ type: 'active' });
    }, pollMs);
  };
  const stopPolling = () => {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = undefined;
  };

  const connect = () => {
    if (stopped || !ES) return;
    source = new ES(api.events);
    source.onopen = () => {
      retryDelay = 1_000;
      reportReachable();
      stopPolling();
      // Whatever happened while we were away: one refetch of what is on screen.
      if (opened) void queryClient.invalidateQueries({ type: 'active' });
      opened = true;
    };
    source.onmessage = onEvent;
    for (const name of kinds) source.addEventListener(name, onEvent as EventListener);
    // The server lost events (its database was away): whatever is cached may be stale, all of it.
    source.addEventListener('resync', (() => {
      if (batchTimer) clearTimeout(batchTimer);
      batchTimer = undefined;
      pending.clear();
      removed.clear();
      void queryClient.invalidateQueries();
    }) as EventListener);
    source.onerror = () => {
      if (stopped) return;
      reportUnreachable();
      startPolling();
      // EventSource retries by itself after a dropped connection; after an HTTP error it gives up
      // (CLOSED), so we reopen it with a capped backoff.
      if (source?.readyState === 2) {
        source.close();
        source = null;
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15_000);
      }
    };
  };

  // Without an event stream (or while a request says the server is unreachable) we poll.
  const unsubscribe = subscribeConnection(() => {
    if (getConnectionState() === 'reconnecting') startPolling();
    else if (source?.readyState === 1 || !ES) {
      if (ES) stopPolling();
    }
  });
  if (ES) connect();
  else startPolling();

  return () => {
    stopped = true;
    unsubscribe();
    source?.close();
    if (retryTimer) clearTimeout(retryTimer);
    if (batchTimer) clearTimeout(batchTimer);
    stopPolling();
  };
}
