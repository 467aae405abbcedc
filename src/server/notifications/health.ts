import type { Health } from './decisions';

/** What the store knows of a group for its alert health. */
export interface AlertHealthInput {
  connectedCount: number;
  /** Instances disconnected and not ended (they may come back). */
  disconnectedCount: number;
  /** Whether any runner ever registered (a group that never had one is waiting, never down). */
  everRegistered: boolean;
}

/**
 * The one place alerts take a group's health from. Until the console's `groupHealth` (issue 15:
 * abnormal ends in the last hour, a recent rollback) is on main this reads the connected and
 * disconnected counts only; then it becomes a call to that function, and degraded gains its reasons.
 */
export function alertHealth(g: AlertHealthInput): Health {
  if (g.connectedCount > 0) return g.disconnectedCount > 0 ? 'degraded' : 'healthy';
  return g.everRegistered ? 'down' : 'waiting';
}
