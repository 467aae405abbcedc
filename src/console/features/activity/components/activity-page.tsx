import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AuditEvent } from '../../../../contract/schemas';
import { type Column, DataList } from '../../../components/data-list';
import { errorMessage } from '../../../lib/api-client';
import { cn } from '../../../lib/cn';
import { formatZoned } from '../../../lib/format';
import { paths, readActivityQuery } from '../../../lib/paths';
import { narrowScreen, useMediaQuery } from '../../../lib/use-media-query';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Button } from '../../../components/ui/button';
import { Input, NativeSelect } from '../../../components/ui/input';
import { Field } from '../../../components/ui/field';
import { auditEventsQuery, auditGroupsQuery } from '../api/queries';
import { describeEvent, groupFilterOptions, newestFirst } from '../model';
import styles from './activity-page.module.css';

/** An entry's sentence, its group and instance as links to their views. */
function Sentence({ event }: { event: AuditEvent }) {
  return (
    <span>
      {describeEvent(event).map((p, i) =>
        typeof p === 'string' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one sentence never move
          <span key={i}>{p}</span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one sentence never move
          <Link key={i} to={p.to} className={styles.link}>
            {p.text}
          </Link>
        ),
      )}
    </span>
  );
}

/** When, in local time with its UTC offset; the ISO time on hover. */
function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={at}>
      {formatZoned(at)}
    </time>
  );
}

/** The audit log's columns; long names wrap rather than widen the table. */
const auditColumns: Column<AuditEvent>[] = [
  { id: 'when', header: 'When', width: '17rem', className: cn(styles.when, styles.nowrap), cell: (e) => <When at={e.at} /> },
  { id: 'user', header: 'Who', width: 'minmax(6rem, 0.5fr)', className: styles.breakAnywhere, cell: (e) => e.actor },
  { id: 'what', header: 'What happened', width: 'minmax(14rem, 3fr)', className: styles.breakAnywhere, cell: (e) => <Sentence event={e} /> },
];

/** Under 600 px (and at 200 % zoom): one column, the sentence over who and when. */
const narrowAuditColumns: Column<AuditEvent>[] = [
  {
    id: 'event',
    header: 'Event',
    width: 'minmax(0, 1fr)',
    className: styles.breakAnywhere,
    cell: (e) => (
      <span className={styles.stacked}>
        <Sentence event={e} />
        <span className={styles.muted}>
          {e.actor} · <When at={e.at} />
        </span>
      </span>
    ),
  },
];

/**
 * The Activity page: who did what to which group, when; filtered by group (deleted ones too) and
 * user, paged. `groups` are the groups that exist now; the log adds the deleted ones it names.
 */
export function ActivityPage({ groups }: { groups: ReadonlyArray<{ id: string; name: string }> }) {
  // The filters are the address's (`/activity?group=&user=`), so a filtered log can be linked.
  const [params, setParams] = useSearchParams();
  const { group: groupId = '', user: actor = '' } = readActivityQuery(params);
  const setFilters = (next: { group?: string; user?: string }) =>
    setParams(new URLSearchParams(paths.activity({ group: groupId, user: actor, ...next }).split('?')[1] ?? ''), { replace: true });
  const setGroupId = (group: string) => setFilters({ group });
  const setActor = (user: string) => {
    if (user !== actor) setFilters({ user });
  };
  const [actorInput, setActorInput] = useState(actor);
  const narrow = useMediaQuery(narrowScreen);
  // The user filter applies as you type (after a pause), or at once with Enter or Apply.
  // Only typing starts the pause; the latest setter (it closes over the address) is read when it ends.
  const applyActor = useRef(setActor);
  applyActor.current = setActor;
  useEffect(() => {
    const t = setTimeout(() => applyActor.current(actorInput.trim()), 300);
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
            : 'What people do to runner groups, and what happens to their runners (registered, ended, updated), is recorded here.'}
        </StateBox>
      ) : (
        <>
          {/* A paged log: every loaded row is rendered (Load more is its window), each as tall as its text. */}
          <DataList
            label="Audit log, newest first"
            region="Audit log"
            rows={events}
            columns={narrow ? narrowAuditColumns : auditColumns}
            rowKey={(e) => e.id}
            virtualize={false}
            align="start"
            rowHeight={40}
            maxHeight="none"
            minWidth={narrow ? '0' : '40rem'}
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
