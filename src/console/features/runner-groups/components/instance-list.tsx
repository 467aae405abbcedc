import type { UseQueryResult } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { causeLabel, type Instance, TerminationCause } from '../../../../contract';
import { type ListColumn, type ListState, ListView } from '../../../components/list-view';
import { LoadingState, StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { Button } from '../../../components/ui/button';
import { countByStatus, howItEnded, instanceStatusDot, isReplaced } from '../../../entities/instance/model';
import { errorMessage } from '../../../lib/api-client';
import { formatRelative } from '../../../lib/format';
import type { InstanceFilters } from '../../../lib/paths';
import styles from './instance-list.module.css';

/** The cause filter's value of a row: its cause, or `none` while it has not ended. */
const causeOf = (i: Instance) => i.termination?.cause ?? 'none';

/**
 * The Instances list as configuration: status, name (the button that selects it), how it ended,
 * version, platform, host, address, last heartbeat, started; filtered by status, by cause (the "How
 * runners ended" buttons) and by a text over name, host, address and version. On a phone: the
 * instance (name, status, how it ended, "version · platform · host") and its last heartbeat.
 */
export function instanceColumns({
  selectedId,
  onSelect,
  now,
}: {
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** The time relative times are told from ("12 s ago"). */
  now: number;
}): ListColumn<Instance>[] {
  return [
    {
      id: 'status',
      header: 'Status',
      width: '8.5rem',
      cell: (i) => {
        const s = instanceStatusDot(i.status);
        return <StatusDot tone={s.tone} label={s.label} />;
      },
      filter: {
        label: 'Status',
        value: (i) => i.status,
        options: [
          { value: 'connected', label: 'Connected' },
          { value: 'disconnected', label: 'Disconnected' },
          { value: 'terminated', label: 'Terminated' },
        ],
      },
      narrow: { stack: 1 },
    },
    {
      id: 'name',
      header: 'Name',
      width: 'minmax(8rem, 2fr)',
      cell: (i) => (
        <button type="button" className={styles.nameButton} onClick={() => onSelect(i.id)} aria-pressed={selectedId === i.id} title={i.name}>
          {i.name}
        </button>
      ),
      search: (i) => i.name,
      narrow: { stack: 0 },
    },
    {
      id: 'ended',
      header: 'How it ended',
      width: 'minmax(8.5rem, 1.2fr)',
      cell: (i) => {
        const how = howItEnded(i);
        return how ? <span className={styles.ended}>{how}</span> : <span className={styles.muted}>—</span>;
      },
      // Picked with the "How runners ended" counts above the list, which are buttons.
      filter: {
        label: 'How it ended',
        value: causeOf,
        options: TerminationCause.options.map((c) => ({ value: c, label: causeLabel[c] })),
        picker: false,
      },
      narrow: { stack: 2, cell: (i) => (howItEnded(i) ? <span className={styles.ended}>{howItEnded(i)}</span> : null) },
    },
    { id: 'version', header: 'Version', width: '5rem', cell: (i) => i.version, search: (i) => i.version, narrow: { meta: (i) => i.version } },
    { id: 'platform', header: 'Platform', width: '6rem', cell: (i) => i.platform, narrow: { meta: (i) => i.platform } },
    {
      id: 'host',
      header: 'Host',
      width: 'minmax(7rem, 1fr)',
      cell: (i) => <span title={i.hostname}>{i.hostname}</span>,
      search: (i) => i.hostname,
      narrow: { meta: (i) => i.hostname },
    },
    { id: 'address', header: 'Address', width: '7.5rem', cell: (i) => i.address || '—', search: (i) => i.address },
    {
      id: 'heartbeat',
      header: 'Last heartbeat',
      width: '7.5rem',
      cell: (i) => formatRelative(i.lastHeartbeatAt, now),
      narrow: { keep: '6rem' },
    },
    {
      id: 'started',
      header: 'Started',
      width: '7.5rem',
      // An old start reads as a date: one line, the whole time on hover, so the row keeps its height.
      cell: (i) => (
        <time className={styles.oneLine} dateTime={i.startedAt} title={i.startedAt}>
          {formatRelative(i.startedAt, now)}
        </time>
      ),
    },
  ];
}

/** The list's state from the address's instance filters, and back. */
export function listStateOf(f: InstanceFilters): ListState {
  return { q: f.q ?? '', filters: { status: f.status ?? 'all', ended: f.cause ?? 'all' }, sort: null };
}

function filtersOf(s: ListState, replaced: boolean | undefined): InstanceFilters {
  return { q: s.q, status: s.filters.status, cause: s.filters.ended, replaced };
}

/**
 * The Edit dialog's Instances section: its loading, error and empty states, then the list. Replaced
 * instances (an update's old ones) are hidden until asked for, or until their cause is picked.
 */
export function InstanceList({
  query,
  selectedId,
  onSelect,
  filters,
  onFiltersChange,
  actions,
}: {
  query: UseQueryResult<Instance[]>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  filters: InstanceFilters;
  onFiltersChange: (filters: InstanceFilters) => void;
  /** Beside the heading: what acts on the whole list (Forget all ended). */
  actions?: ReactNode;
}) {
  const id = useId();
  const all = query.data ?? [];
  // Relative times ("12 s ago") move on without a refetch.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(t);
  }, []);
  const replacedCount = all.filter(isReplaced).length;
  const showReplaced = filters.replaced === true || filters.cause === 'replaced';
  const rows = showReplaced ? all : all.filter((i) => !isReplaced(i));

  return (
    <section className={styles.section} aria-labelledby={`${id}-title`}>
      <div className={styles.head}>
        <h3 id={`${id}-title`} className={styles.sectionTitle}>
          Instances
        </h3>
        {actions}
      </div>
      {query.isPending ? (
        <LoadingState label="Loading instances…" />
      ) : query.isError && !query.data ? (
        <StateBox tone="error" title="The instance list could not be loaded" headingLevel={3}>
          {errorMessage(query.error)}
        </StateBox>
      ) : all.length === 0 ? (
        <StateBox title="No runner registered yet" headingLevel={3}>
          Start a runner with one of the install commands; it appears here within seconds.
        </StateBox>
      ) : (
        <div>
          <ListView
            label="Instances"
            rows={rows}
            columns={instanceColumns({ selectedId, onSelect, now })}
            rowKey={(i) => i.id}
            noun="instance"
            search={{ label: 'Filter', placeholder: 'Name, host, address or version', position: 'last' }}
            state={listStateOf(filters)}
            onStateChange={(s) => onFiltersChange(filtersOf(s, filters.replaced))}
            summary={(shown) => {
              const c = countByStatus(shown);
              return `${c.connected.toLocaleString()} connected, ${c.disconnected.toLocaleString()} disconnected, ${c.terminated.toLocaleString()} terminated`;
            }}
            noMatch={<p className={styles.hint}>No instance matches the filter.</p>}
            rowHeight={44}
            maxHeight="22rem"
            minWidth="64rem"
            narrow={{ stack: { id: 'instance', header: 'Instance', width: 'minmax(0, 1fr)' }, rowHeight: 112 }}
            selectedKey={selectedId}
            onRowClick={(i) => onSelect(i.id)}
          />
          {replacedCount > 0 && filters.cause !== 'replaced' ? (
            <p className={styles.replaced}>
              <Button size="sm" variant="ghost" aria-pressed={showReplaced} onClick={() => onFiltersChange({ ...filters, replaced: !showReplaced })}>
                {showReplaced ? `Hide replaced (${replacedCount.toLocaleString()})` : `Show replaced (${replacedCount.toLocaleString()})`}
              </Button>
              <span className={styles.hint}>
                {showReplaced ? 'Runners an update replaced are listed.' : 'Runners an update replaced with one on the new version are hidden.'}
              </span>
            </p>
          ) : null}
        </div>
      )}
    </section>
  );
}

/** Shown in place of an instance's detail when its address names one that is gone. */
export function MissingInstance({ onHide }: { onHide: () => void }) {
  return (
    <StateBox title="This instance no longer exists" headingLevel={3} action={<Button onClick={onHide}>Show the group</Button>}>
      It was forgotten, or its record was removed after the retention period (7 days by default). The Activity page still
      tells how it ended.
    </StateBox>
  );
}
