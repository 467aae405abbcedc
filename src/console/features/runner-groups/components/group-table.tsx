import type { RunnerGroup } from '../../../../contract';
import { type Column, DataList } from '../../../components/data-list';
import { useMediaQuery } from '../../../lib/use-media-query';
import { StatusDot } from '../../../components/status-dot';
import { Badge } from '../../../components/ui/badge';
import { groupStatus, updateProgress, versionInfo } from '../../../entities/runner-group/model';
import { type GroupAction, GroupActionsMenu } from './group-actions-menu';
import styles from './group-table.module.css';

/** The runner groups as a table: dot and label, name, Default, counts, versions, update, 3-dot menu. */
export function GroupTable({
  groups,
  onAction,
}: {
  groups: readonly RunnerGroup[];
  onAction: (group: RunnerGroup, action: GroupAction) => void;
}) {
  const narrow = useMediaQuery('(max-width: 640px)');
  const columns: Column<RunnerGroup>[] = [
    {
      id: 'status',
      header: 'Status',
      width: 'minmax(14rem, 1.3fr)',
      cell: (g) => {
        const s = groupStatus(g);
        return <StatusDot tone={s.tone} label={s.label} />;
      },
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
    },
    {
      id: 'instances',
      header: 'Instances',
      width: '10.5rem',
      cell: (g) => (
        <span>
          {g.connectedCount.toLocaleString()} of {g.instanceCount.toLocaleString()}{' '}
          <span className={styles.muted}>connected</span>
        </span>
      ),
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
    },
    {
      id: 'update',
      header: 'Update',
      width: 'minmax(10rem, 1fr)',
      cell: (g) => {
        const u = g.activeUpdate;
        if (u?.state !== 'in_progress') return <span className={styles.muted}>—</span>;
        const p = updateProgress(u);
        return (
          <span className={styles.progress}>
            <span>
              Updating to {u.targetVersion} · {p.done} of {p.total}
            </span>
            <progress max={Math.max(p.total, 1)} value={p.done} aria-label={`Update of ${g.name} to ${u.targetVersion}`} />
          </span>
        );
      },
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
    },
  ];
  if (narrow) {
    // Phones: status, then the name with versions and update under it, then the menu; nothing scrolls sideways.
    const byId = new Map(columns.map((c) => [c.id, c]));
    const narrowColumns: Column<RunnerGroup>[] = [
      { ...byId.get('status')!, width: 'minmax(7.5rem, 1fr)' },
      {
        id: 'group',
        header: 'Group',
        width: 'minmax(8rem, 1.4fr)',
        cell: (g) => (
          <span className={styles.stack}>
            {byId.get('name')!.cell(g)}
            {byId.get('versions')!.cell(g)}
            {g.activeUpdate?.state === 'in_progress' ? byId.get('update')!.cell(g) : null}
          </span>
        ),
      },
      { ...byId.get('actions')!, width: '2.75rem' },
    ];
    return (
      <DataList label="Runner groups" rows={groups} columns={narrowColumns} rowKey={(g) => g.id} rowHeight={96} maxHeight="75vh" minWidth="0" />
    );
  }
  return (
    <DataList
      label="Runner groups"
      rows={groups}
      columns={columns}
      rowKey={(g) => g.id}
      rowHeight={60}
      maxHeight="calc(100vh - 14rem)"
      minWidth="58rem"
    />
  );
}
