import { useId } from 'react';
import { Link, useLocation } from 'react-router';
import type { RunnerGroup } from '../../../../contract/schemas';
import { type ListColumn, type ListSort, type ListState, ListView } from '../../../components/list-view';
import { StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { Badge } from '../../../components/ui/badge';
import { groupHealthDot, groupOrder, healthOptions, lastUpdateCell, updateProgress, versionInfo } from '../../../entities/runner-group/model';
import { openedFromList, paths } from '../../../lib/paths';
import { type GroupAction, GroupActionsMenu } from './group-actions-menu';
import styles from './group-list.module.css';

/** The dot, its label and, under it, why (the server's `healthReasons`), which is also its accessible description. */
function HealthCell({ group, stale }: { group: RunnerGroup; stale: boolean }) {
  const id = useId();
  const h = groupHealthDot(group);
  return (
    <span className={styles.health}>
      <StatusDot tone={h.tone} label={h.label} stale={stale} aria-describedby={h.description ? id : undefined} />
      {h.description ? (
        <span id={id} className={styles.reasons}>
          {h.description}
        </span>
      ) : null}
    </span>
  );
}

/**
 * The group's name, the link to its Edit dialog: a real address (open in a new tab, copy), and in
 * this tab an entry that Back and Close return from to the list as it was filtered.
 */
function GroupLink({ group }: { group: RunnerGroup }) {
  const location = useLocation();
  return (
    <Link to={paths.group(group.id)} state={openedFromList(location.search)} className={styles.nameLink} title={group.name}>
      {group.name}
    </Link>
  );
}

/** Progress while an update runs, else how the last one ended (a rollback with its reason). */
function LastUpdate({ group, now, withReason = true }: { group: RunnerGroup; now: number; withReason?: boolean }) {
  const cell = lastUpdateCell(group, now);
  if (cell.kind === 'running') {
    const u = cell.update;
    const p = updateProgress(u);
    return (
      <span className={styles.progress}>
        <span>
          Updating to {u.targetVersion} · {p.done} of {p.total}
        </span>
        <progress max={Math.max(p.total, 1)} value={p.done} aria-label={`Update of ${group.name} to ${u.targetVersion}`} />
      </span>
    );
  }
  if (cell.kind === 'none') return withReason ? <span className={styles.muted}>—</span> : null;
  if (cell.kind === 'succeeded') {
    return (
      <time className={styles.lastUpdate} dateTime={cell.at} title={cell.at}>
        {cell.label}
      </time>
    );
  }
  return (
    <span className={styles.lastUpdate}>
      <time className={styles.rolledBack} dateTime={cell.at} title={cell.at}>
        {cell.label}
      </time>
      {withReason ? (
        <span className={styles.reasons} title={cell.reason ?? undefined}>
          Update to {cell.targetVersion}: {cell.reason ?? 'no reason recorded'}
        </span>
      ) : null}
    </span>
  );
}

/**
 * The Runners list as configuration: health dot and label with its reasons, name (the link that opens
 * Edit) with the Default badge, counts, versions with the behind badge, the last update, 3-dot menu;
 * searched by name, filtered by health, sorted problems first. On a phone: the health, then the name
 * with versions and the last update under it, then the menu.
 */
export function groupColumns(
  onAction: (group: RunnerGroup, action: GroupAction) => void,
  { now = Date.now(), stale = false }: { now?: number; stale?: boolean } = {},
): ListColumn<RunnerGroup>[] {
  return [
    {
      id: 'health',
      header: 'Health',
      width: 'minmax(14rem, 1.3fr)',
      cell: (g) => <HealthCell group={g} stale={stale} />,
      filter: { label: 'Health', value: (g) => g.health, options: healthOptions },
      sort: { label: 'Health (problems first)', compare: groupOrder.health },
      narrow: { keep: 'minmax(9rem, 1fr)' },
    },
    {
      id: 'name',
      header: 'Name',
      width: 'minmax(10rem, 1.5fr)',
      cell: (g) => (
        <span className={styles.name}>
          <GroupLink group={g} />
          {g.isDefault ? <Badge tone="info">Default</Badge> : null}
        </span>
      ),
      search: (g) => g.name,
      sort: { label: 'Name', compare: groupOrder.name },
      narrow: { stack: 0 },
    },
    {
      id: 'instances',
      header: 'Instances',
      width: '10.5rem',
      cell: (g) => (
        <span>
          {g.connectedCount.toLocaleString()} of {g.instanceCount.toLocaleString()} <span className={styles.muted}>connected</span>
        </span>
      ),
      sort: { label: 'Most instances', compare: groupOrder.instances },
    },
    {
      id: 'versions',
      header: 'Versions',
      width: 'minmax(8rem, 0.8fr)',
      cell: (g) => {
        const v = versionInfo(g);
        if (v.versions.length === 0) return <span className={styles.muted}>—</span>;
        return (
          <span className={styles.versions}>
            <span>{v.versions.join(', ')}</span>
            {v.behind ? (
              <Badge tone="warning" title={`Latest is ${g.latestVersion}`}>
                behind
              </Badge>
            ) : null}
          </span>
        );
      },
      narrow: { stack: 1 },
    },
    {
      id: 'update',
      header: 'Last update',
      width: 'minmax(11rem, 1.2fr)',
      cell: (g) => <LastUpdate group={g} now={now} />,
      // Under the name, without the reason (the health says it) and without a "—" line.
      narrow: { stack: 2, cell: (g) => <LastUpdate group={g} now={now} withReason={false} /> },
    },
    {
      id: 'actions',
      header: <span className="sr-only">Actions</span>,
      width: '3.5rem',
      className: styles.actionsCell,
      cell: (g) => (
        <span className={styles.actions}>
          <GroupActionsMenu group={g} onAction={(a) => onAction(g, a)} />
        </span>
      ),
      narrow: { keep: '2.75rem' },
    },
  ];
}

/** Orders of the list that have no column of their own. */
export const groupExtraSorts: Record<string, ListSort<RunnerGroup>> = { created: { label: 'Newest', compare: groupOrder.created } };

/** The sort the list starts with: problems first. */
export const defaultGroupSort = 'health';

/** The runner groups with their search, health filter, sort and count; the state is the page's address. */
export function GroupList({
  groups,
  onAction,
  state,
  onStateChange,
  now,
  stale,
}: {
  groups: readonly RunnerGroup[];
  onAction: (group: RunnerGroup, action: GroupAction) => void;
  state: ListState;
  onStateChange: (state: ListState) => void;
  now: number;
  /** The control plane cannot be reached: the dots are the last known state. */
  stale: boolean;
}) {
  return (
    <ListView
      label="Runner groups"
      rows={groups}
      columns={groupColumns(onAction, { now, stale })}
      rowKey={(g) => g.id}
      noun="runner group"
      toolbarLabel="Runner groups"
      search={{ label: 'Search', placeholder: 'Group name' }}
      extraSorts={groupExtraSorts}
      defaultSort={defaultGroupSort}
      state={state}
      onStateChange={onStateChange}
      noMatch={
        <StateBox title="No runner group matches" headingLevel={3}>
          Clear the search or pick another health.
        </StateBox>
      }
      rowHeight={76}
      maxHeight="calc(100vh - 14rem)"
      minWidth="58rem"
      narrow={{ stack: { id: 'group', header: 'Group', width: 'minmax(8rem, 1.4fr)' }, rowHeight: 120, maxHeight: '75vh' }}
    />
  );
}
