/** A random number in [0, 1); injected so tests can pin it. */
export type Random = () => number;

/** The heartbeat delay: the server's interval with ±10 % jitter, so a fleet does not beat in step. */
export function heartbeatDelayMs(intervalSeconds: number, random: Random = Math.random): number {
  return Math.round(intervalSeconds * 1000 * (0.9 + 0.2 * random()));
}

/**
 * Capped exponential backoff with jitter after a failed call: base·2^(attempt-1), at most cap, then a
 * random share between a half and the whole of it. The cap is the heartbeat interval (never below 1 s),
 * so a runner retries no more often than it would heartbeat and comes back within the server's
 * start-up grace window after a restart.
 */
export function backoffDelayMs(attempt: number, capSeconds: number, random: Random = Math.random, baseMs = 250): number {
  const capMs = Math.max(1000, capSeconds * 1000);
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  return Math.round(exp * (0.5 + 0.5 * random()));
}
