import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
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
          {/* Focusable so keyboard users can scroll it sideways on narrow screens. */}
          <div className={styles.tableWrap} tabIndex={0} role="region" aria-label="Audit log">
            <table className={styles.table}>
              <caption className="sr-only">Audit log, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">User</th>
                  <th scope="col">Action</th>
                  <th scope="col">Group</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td className={styles.nowrap}>
                      <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                    </td>
                    <td className={styles.user}>{e.actor}</td>
                    <td>{describeAction(e.action)}</td>
                    <td className={styles.breakAnywhere}>{e.groupName ?? <span className={styles.muted}>—</span>}</td>
                    <td className={cn(styles.muted, styles.breakAnywhere)}>{describeDetail(e) || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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
