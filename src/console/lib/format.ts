/**
 * Human-readable times for lists: "12 s ago", "5 min ago", or a date for old ones. `exact`: seconds
 * from the first one ("3 s ago"), where the age itself is the point (the last known state's).
 */
export function formatRelative(iso: string | null | undefined, now: number = Date.now(), { exact = false }: { exact?: boolean } = {}): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'just now';
  if (s < 5 && !exact) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  return formatDateTime(iso);
}

/** A timestamp in the user's locale with date and time to the second. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "1 instance", "3 instances". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** "5 minutes", "1 minute", "90 seconds": whole minutes when they are whole. */
export function formatDuration(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? plural(seconds / 60, 'minute') : plural(seconds, 'second');
}

/** The local time of day to the second, 24-hour: "14:02:11". */
export function formatClock(t: number | string): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

/** The offset of local time from UTC at that moment: "UTC+01:00", "UTC-05:00", "UTC+05:30", "UTC+00:00". */
export function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A moment in local time with its UTC offset, so it reads the same in any incident channel: "Dec 3, 2026, 14:02:11 UTC+01:00". */
export function formatZoned(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const local = d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return `${local} ${utcOffset(d)}`;
}
