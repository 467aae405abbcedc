import type { RunnerGroup } from '../../../../contract/schemas';
import { type ListColumn, type ListSort, ListView } from '../../../components/list-view';
import { StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { Badge } from '../../../components/ui/badge';
import { groupOrder, groupStatus, updateProgress, versionInfo } from '../../../entities/runner-group/model';
import { type GroupAction, GroupActionsMenu } from './group-actions-menu';
import styles from './group-list.module.css';

function UpdateCell({ group }: { group: RunnerGroup }) {
  const u = group.activeUpdate;
  if (u?.state !== 'in_progress') return <span className={styles.muted}>—</span>;
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

/**
 * The Runners list as configuration: dot and label, name with the Default badge, counts, versions with
 * the behind badge, update progress, 3-dot menu; searched by name, filtered by status, sorted four ways.
 * On a phone: the status, then the name with versions and a running update under it, then the menu.
 */
export function groupColumns(onAction: (group: RunnerGroup, action: GroupAction) => void): ListColumn<RunnerGroup>[] {
  return [
    {
      id: 'status',
      header: 'Status',
      width: 'minmax(14rem, 1.3fr)',
      cell: (g) => {
        const s = groupStatus(g);
        return <StatusDot tone={s.tone} label={s.label} />;
      },
      filter: {
        label: 'Status',
        value: (g) => g.status,
        options: [
          { value: 'connected', label: 'Connected' },
          { value: 'disconnected', label: 'Disconnected' },
          { value: 'waiting', label: 'Waiting' },
        ],
      },
      sort: { label: 'Status (problems first)', compare: groupOrder.status },
      narrow: { keep: 'minmax(7.5rem, 1fr)' },
    },
    {
      id: 'name',
      header: 'Name',
      width: 'minmax(10rem, 1.5fr)',
      cell: (g) => (
        <span className={styles.name}>
          <span className={styles.nameText} title={g.name}>
            {g.name}
          </span>
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
      width: 'minmax(9rem, 1fr)',
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
      header: 'Update',
      width: 'minmax(10rem, 1fr)',
      cell: (g) => <UpdateCell group={g} />,
      // Under the name only while one runs: no "—" line on a phone.
      narrow: { stack: 2, cell: (g) => (g.activeUpdate?.state === 'in_progress' ? <UpdateCell group={g} /> : null) },
    },
    {
      id: 'actions',
      header: <span className="sr-only">Actions</span>,
      width: '3.5rem',
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

/** The runner groups with their search, status filter, sort and count. */
export function GroupList({
  groups,
  onAction,
}: {
  groups: readonly RunnerGroup[];
  onAction: (group: RunnerGroup, action: GroupAction) => void;
}) {
  return (
    <ListView
      label="Runner groups"
      rows={groups}
      columns={groupColumns(onAction)}
      rowKey={(g) => g.id}
      noun="runner group"
      toolbarLabel="Runner groups"
      search={{ label: 'Search', placeholder: 'Group name' }}
      extraSorts={groupExtraSorts}
      defaultSort="status"
      noMatch={
        <StateBox title="No runner group matches" headingLevel={3}>
          Clear the search or pick another status.
        </StateBox>
      }
      rowHeight={60}
      maxHeight="calc(100vh - 14rem)"
      minWidth="58rem"
      narrow={{ stack: { id: 'group', header: 'Group', width: 'minmax(8rem, 1.4fr)' }, rowHeight: 96, maxHeight: '75vh' }}
    />
  );
}
