// Every address of the console in one place (PRODUCT.md §3 round 2 "Addresses"): routes match them,
// links and navigation build them, so a view pasted into an incident channel opens the same view.

/** The Runners list's filters and sort, as its address carries them (`/runners?q=&health=&sort=`). */
export interface RunnersListQuery {
  q?: string;
  health?: string;
  sort?: string;
}

/** The Instances list's filters, as a group's or an instance's address carries them (`?status=&cause=&q=&replaced=1`). */
export interface InstanceFilters {
  status?: string;
  cause?: string;
  q?: string;
  /** Replaced instances are hidden unless this is set. */
  replaced?: boolean;
}

/** The Activity page's filters (`/activity?group=&user=`): the group's id and the user's name. */
export interface ActivityQuery {
  group?: string;
  user?: string;
}

/** A query string of the values that say something ("", "all", false and undefined are left out). */
function query(values: Readonly<Record<string, string | boolean | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === true) params.set(k, '1');
    else if (typeof v === 'string' && v !== '' && v !== 'all') params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const segment = encodeURIComponent;

export const paths = {
  runners: (q: RunnersListQuery = {}) => `/runners${query({ q: q.q, health: q.health, sort: q.sort })}`,
  /** The Edit dialog of a group over the list. */
  group: (groupId: string, f: InstanceFilters = {}) => `/runners/${segment(groupId)}${instanceQuery(f)}`,
  /** The Edit dialog with one instance selected. */
  instance: (groupId: string, instanceId: string, f: InstanceFilters = {}) =>
    `/runners/${segment(groupId)}/instances/${segment(instanceId)}${instanceQuery(f)}`,
  activity: (q: ActivityQuery = {}) => `/activity${query({ group: q.group, user: q.user })}`,
  notifications: () => '/notifications',
  tokens: () => '/settings/tokens',
};

function instanceQuery(f: InstanceFilters): string {
  return query({ status: f.status, cause: f.cause, q: f.q, replaced: f.replaced });
}

/** The Runners list's state read from its address. */
export function readRunnersListQuery(params: URLSearchParams): RunnersListQuery {
  return { q: params.get('q') ?? '', health: params.get('health') ?? 'all', sort: params.get('sort') ?? undefined };
}

/** The Instances list's filters read from an address. */
export function readInstanceFilters(params: URLSearchParams): InstanceFilters {
  return {
    status: params.get('status') ?? 'all',
    cause: params.get('cause') ?? 'all',
    q: params.get('q') ?? '',
    replaced: params.get('replaced') === '1',
  };
}

/** The Activity page's filters read from its address. */
export function readActivityQuery(params: URLSearchParams): ActivityQuery {
  return { group: params.get('group') ?? '', user: params.get('user') ?? '' };
}

/**
 * What the browser history keeps with an address of the Edit dialog: the list's own query (so the list
 * behind it keeps its filters) and how many entries were pushed since the list, so that closing the
 * dialog goes back to the list rather than adding one more entry.
 */
export interface DialogHistoryState {
  list: string;
  depth: number;
}

/** The history state of a dialog opened from the list whose query is `listSearch`. */
export function openedFromList(listSearch: string): DialogHistoryState {
  return { list: listSearch, depth: 1 };
}

export function readDialogState(state: unknown): DialogHistoryState | null {
  const s = state as Partial<DialogHistoryState> | null;
  return s && typeof s.list === 'string' && typeof s.depth === 'number' ? { list: s.list, depth: s.depth } : null;
}
