import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { AuditEvent } from '../../../../contract/schemas';
import { type Column, DataList } from '../../../components/data-list';
import { errorMessage } from '../../../lib/api-client';
import { cn } from '../../../lib/cn';
import { formatDateTime } from '../../../lib/format';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Button } from '../../../components/ui/button';
import { Input, NativeSelect } from '../../../components/ui/input';
import { Field } from '../../../components/ui/field';
import { auditEventsQuery, auditGroupsQuery } from '../api/queries';
import { describeAction, describeDetail, groupFilterOptions, newestFirst } from '../model';
import styles from './activity-page.module.css';

/** The audit log's columns; long names and details wrap rather than widen the table. */
const auditColumns: Column<AuditEvent>[] = [
  {
    id: 'when',
    header: 'When',
    width: '14.5rem',
    className: styles.nowrap,
    cell: (e) => <time dateTime={e.at}>{formatDateTime(e.at)}</time>,
  },
  { id: 'user', header: 'User', width: 'minmax(7rem, 0.7fr)', className: styles.breakAnywhere, cell: (e) => e.actor },
  { id: 'action', header: 'Action', width: 'minmax(8rem, 1fr)', cell: (e) => describeAction(e.action) },
  {
    id: 'group',
    header: 'Group',
    width: 'minmax(8rem, 1fr)',
    className: styles.breakAnywhere,
    cell: (e) => e.groupName ?? <span className={styles.muted}>—</span>,
  },
  {
    id: 'details',
    header: 'Details',
    width: 'minmax(10rem, 2fr)',
    className: cn(styles.muted, styles.breakAnywhere),
    cell: (e) => describeDetail(e) || '—',
  },
];

/**
 * The Activity page: who did what to which group, when; filtered by group (deleted ones too) and
 * user, paged. `groups` are the groups that exist now; the log adds the deleted ones it names.
 */
export function ActivityPage({ groups }: { groups: ReadonlyArray<{ id: string; name: string }> }) {
  const [groupId, setGroupId] = useState('');
  const [actorInput, setActorInput] = useState('');
  const [actor, setActor] = useState('');
  // The user filter applies as you type (after a pause), or at once with Enter or Apply.
  useEffect(() => {
    const t = setTimeout(() => setActor(actorInput.trim()), 300);
    return () => clearTimeout(t);
  }, [actorInput]);
  const query = useInfiniteQuery(auditEventsQuery({ groupId: groupId || undefined, actor: actor || undefined }));
  const events = newestFirst(query.data?.pages.flatMap((p) => p.items) ?? []);
  // Without it (still loading, or failed) the filter offers the groups that exist.
  const logGroups = useQuery(auditGroupsQuery());
  const groupOptions = groupFilterOptions(groups, logGroups.data ?? []);

  return (
    <>
      <h1 className={styles.title}>Activity</h1>
      <form
        className={styles.filters}
        role="search"
        aria-label="Filter activity"
        onSubmit={(e) => {
          e.preventDefault();
          setActor(actorInput.trim());
        }}
      >
        <Field label="Group">
          <NativeSelect className={styles.groupSelect} value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">All groups</option>
            {groupOptions.map((g) => (
              <option key={g.id} value={g.id}>
                {g.label}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field label="User">
          <Input
            value={actorInput}
            onChange={(e) => setActorInput(e.target.value)}
            onBlur={() => setActor(actorInput.trim())}
            placeholder="Any user"
            autoComplete="off"
          />
        </Field>
        <Button type="submit">Apply</Button>
      </form>
      {query.isPending ? (
        <LoadingState label="Loading activity…" />
      ) : query.isError && events.length === 0 ? (
        <StateBox
          tone="error"
          title="Activity could not be loaded"
          action={<Button onClick={() => void query.refetch()}>Try again</Button>}
        >
          {errorMessage(query.error)}
        </StateBox>
      ) : events.length === 0 ? (
        <StateBox title={groupId || actor ? 'No activity matches' : 'No activity yet'}>
          {groupId || actor
            ? 'Nothing was recorded for this group or user. Clear the filters to see everything.'
            : 'Creating, renaming, updating or deleting runner groups is recorded here.'}
        </StateBox>
      ) : (
        <>
          {/* A paged log: every loaded row is rendered (Load more is its window), each as tall as its text. */}
          <DataList
            label="Audit log, newest first"
            region="Audit log"
            rows={events}
            columns={auditColumns}
            rowKey={(e) => e.id}
            virtualize={false}
            align="start"
            rowHeight={40}
            maxHeight="none"
            minWidth="48rem"
          />
          <div className={styles.more}>
            {query.hasNextPage ? (
              <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            ) : (
              <span className={styles.muted}>That is everything.</span>
            )}
            {query.isFetchNextPageError ? <span role="alert">{errorMessage(query.error)}</span> : null}
          </div>
        </>
      )}
    </>
  );
}
