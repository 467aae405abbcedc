import type { UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import type { Instance } from '../../../../contract/schemas';
import { type ListColumn, ListView } from '../../../components/list-view';
import { LoadingState, StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { countByStatus, instanceStatusDot } from '../../../entities/instance/model';
import { errorMessage } from '../../../lib/api-client';
import { formatRelative } from '../../../lib/format';
import styles from './instance-list.module.css';

/**
 * The Instances list as configuration: status, name (the button that selects it), version, platform,
 * host, address, last heartbeat, started; filtered by status and by a text over name, host, address and
 * version. On a phone: the instance (name, status, "version · platform · host") and its last heartbeat.
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
      width: '9.5rem',
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
      width: 'minmax(9rem, 2fr)',
      cell: (i) => (
        <button type="button" className={styles.nameButton} onClick={() => onSelect(i.id)} aria-pressed={selectedId === i.id} title={i.name}>
          {i.name}
        </button>
      ),
      search: (i) => i.name,
      narrow: { stack: 0 },
    },
    { id: 'version', header: 'Version', width: '5.5rem', cell: (i) => i.version, search: (i) => i.version, narrow: { meta: (i) => i.version } },
    { id: 'platform', header: 'Platform', width: '6.5rem', cell: (i) => i.platform, narrow: { meta: (i) => i.platform } },
    {
      id: 'host',
      header: 'Host',
      width: 'minmax(8rem, 1fr)',
      cell: (i) => <span title={i.hostname}>{i.hostname}</span>,
      search: (i) => i.hostname,
      narrow: { meta: (i) => i.hostname },
    },
    { id: 'address', header: 'Address', width: '8rem', cell: (i) => i.address || '—', search: (i) => i.address },
    {
      id: 'heartbeat',
      header: 'Last heartbeat',
      width: '8rem',
      cell: (i) => formatRelative(i.lastHeartbeatAt, now),
      narrow: { keep: '6rem' },
    },
    { id: 'started', header: 'Started', width: '7rem', cell: (i) => formatRelative(i.startedAt, now) },
  ];
}

/** The Edit dialog's Instances section: its loading, error and empty states, then the list. */
export function InstanceList({
  query,
  selectedId,
  onSelect,
}: {
  query: UseQueryResult<Instance[]>;
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const id = useId();
  const all = query.data ?? [];
  // Relative times ("12 s ago") move on without a refetch.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(t);
  }, []);

  return (
    <section className={styles.section} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className={styles.sectionTitle}>
        Instances
      </h3>
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
            rows={all}
            columns={instanceColumns({ selectedId, onSelect, now })}
            rowKey={(i) => i.id}
            noun="instance"
            search={{ label: 'Filter', placeholder: 'Name, host, address or version', position: 'last' }}
            summary={(rows) => {
              const c = countByStatus(rows);
              return `${c.connected.toLocaleString()} connected, ${c.disconnected.toLocaleString()} disconnected, ${c.terminated.toLocaleString()} terminated`;
            }}
            noMatch={<p className={styles.hint}>No instance matches the filter.</p>}
            rowHeight={44}
            maxHeight="22rem"
            minWidth="62rem"
            narrow={{ stack: { id: 'instance', header: 'Instance', width: 'minmax(0, 1fr)' }, rowHeight: 96 }}
            selectedKey={selectedId}
            onRowClick={(i) => onSelect(i.id)}
          />
        </div>
      )}
    </section>
  );
}
