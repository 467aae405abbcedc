import { useSyncExternalStore } from 'react';

/** Whether the console can reach the control plane: drives the "Reconnecting…" banner. */
export type ConnectionState = 'online' | 'reconnecting';

let state: ConnectionState = 'online';
const listeners = new Set<() => void>();

function set(next: ConnectionState) {
  if (state === next) return;
  state = next;
  for (const l of listeners) l();
}

/** A request or the event stream got through. */
export function reportReachable() {
  set('online');
}

/** A request failed at the network level, or the event stream dropped. */
export function reportUnreachable() {
  set('reconnecting');
}

export function getConnectionState(): ConnectionState {
  return state;
}

export function subscribeConnection(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribeConnection, getConnectionState, getConnectionState);
}
