import { causeLabel, type GroupHealth, isAbnormalEnd, TerminationCause } from '../contract';
import type { GroupSummaryRow } from './store/groups';

/** What a group's health is decided from (gathered for every group at once by `groupSummaries`). */
export interface GroupHealthInput {
  connectedCount: number;
  /** Instances disconnected and not ended: they may still come back. */
  disconnectedCount: number;
  /** Whether any runner ever registered in the group (one that never had any is waiting, never down). */
  everRegistered: boolean;
  /** Instances that ended in the last hour, by cause (normal causes included; they are left out here). */
  endsLastHour: Partial<Record<TerminationCause, number>>;
  /** The group's newest finished update. */
  lastUpdate: { state: 'succeeded' | 'rolled_back'; targetVersion: string; finishedAt: Date | string } | null;
}

export interface GroupHealthResult {
  health: GroupHealth;
  /** Why it is not healthy, in the words of PRODUCT.md §2; empty when nothing is wrong. */
  healthReasons: string[];
}

const hourMs = 3600 * 1000;
const dayMs = 24 * hourMs;

/**
 * A group's health (PRODUCT.md §2 "Group dot and health"), the one rule the console, the API and the
 * alerts share: waiting until a runner first registers; down when none is connected after that;
 * degraded when one is connected but an instance is disconnected, an instance ended abnormally (any
 * cause but completed, sigterm, replaced) in the last hour, or the newest finished update rolled back
 * in the last 24 h; else healthy. The reasons say which, in that order; a down group keeps its reasons.
 */
export function groupHealth(input: GroupHealthInput, now: Date): GroupHealthResult {
  const reasons: string[] = [];
  if (input.disconnectedCount > 0) reasons.push(`${input.disconnectedCount} disconnected`);
  const abnormal = TerminationCause.options
    .map((cause) => ({ cause, n: input.endsLastHour[cause] ?? 0 }))
    .filter((e) => e.n > 0 && isAbnormalEnd(e.cause))
    // The most frequent first; ties in the order causes are listed (stable sort).
    .sort((a, b) => b.n - a.n);
  for (const e of abnormal) reasons.push(`${e.n} ${causeLabel[e.cause]} in the last hour`);
  const u = input.lastUpdate;
  if (u && u.state === 'rolled_back') {
    const age = now.getTime() - new Date(u.finishedAt).getTime();
    if (age < dayMs) reasons.push(`update to ${u.targetVersion} rolled back ${agoText(age)}`);
  }
  if (input.connectedCount > 0) return { health: reasons.length > 0 ? 'degraded' : 'healthy', healthReasons: reasons };
  return { health: input.everRegistered ? 'down' : 'waiting', healthReasons: reasons };
}

/** "just now", "12 min ago", "2 h ago" (whole units, rounded down; a time in the future is just now). */
export function agoText(ms: number): string {
  if (ms < 60_000) return 'just now';
  if (ms < hourMs) return `${Math.floor(ms / 60_000)} min ago`;
  return `${Math.floor(ms / hourMs)} h ago`;
}

/** The health inputs of a group as `groupSummaries` answers it. */
export function healthInputOf(row: GroupSummaryRow): GroupHealthInput {
  const hour = jsonObject(row.ends_hour);
  const endsLastHour: GroupHealthInput['endsLastHour'] = {};
  for (const [cause, n] of Object.entries(hour)) {
    if (TerminationCause.safeParse(cause).success) endsLastHour[cause as TerminationCause] = Number(n);
  }
  return {
    connectedCount: row.connected_count,
    disconnectedCount: row.disconnected_count,
    everRegistered: row.first_registered_at !== null,
    endsLastHour,
    lastUpdate:
      row.last_update_state && row.last_update_target_version && row.last_update_finished_at
        ? { state: row.last_update_state, targetVersion: row.last_update_target_version, finishedAt: row.last_update_finished_at }
        : null,
  };
}

/** The ends of the last 24 h by cause, only causes with a count (the group's `recentEnds`). */
export function recentEndsOf(row: GroupSummaryRow): Partial<Record<TerminationCause, number>> {
  const out: Partial<Record<TerminationCause, number>> = {};
  for (const [cause, n] of Object.entries(jsonObject(row.ends_day))) {
    if (Number(n) > 0 && TerminationCause.safeParse(cause).success) out[cause as TerminationCause] = Number(n);
  }
  return out;
}

// PGlite and pg both parse jsonb; a string is handled too, in case a driver leaves it as text.
function jsonObject(v: Record<string, number> | string | null): Record<string, number> {
  if (v === null || v === undefined) return {};
  return typeof v === 'string' ? (JSON.parse(v) as Record<string, number>) : v;
}
