import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { kubectlScaleCommand } from '../../../../contract/install-commands';
import type { Instance, RunnerGroup } from '../../../../contract/schemas';
import { defaultRunnerNamespace } from '../../../../contract/slug';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { formatRelative, plural } from '../../../lib/format';
import { usePermissions } from '../../../lib/permissions';
import { useMediaQuery } from '../../../lib/use-media-query';
import { type Column, DataList } from '../../../components/data-list';
import { LoadingState, StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field } from '../../../components/ui/field';
import { Input, NativeSelect } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import { toast } from '../../../components/ui/toast-store';
import { countByStatus, filterInstances, type InstanceStatusFilter, instanceStatusDot } from '../../../entities/instance/model';
import { instancesQuery } from '../../../entities/instance/queries';
import { groupUpdatesQuery } from '../../../entities/runner-group/queries';
import { useRenameGroup } from '../api/mutations';
import styles from './edit-group-dialog.module.css';
import { FleetHealthStrip } from './fleet-health-strip';
import type { GroupDialogProps } from './group-dialog-props';
import { InstanceDetail } from './instance-detail';
import { UpdateProgress } from './update-progress';

/**
 * Edit: rename, the last update's progress, how the group's runners ended, the Instances list with the
 * detail (and troubleshooting guidance) of the selected one, and how to add instances.
 */
export function EditGroupDialog({ group, onClose, onCloseAutoFocus }: GroupDialogProps) {
  const instances = useQuery({ ...instancesQuery(group.id), refetchInterval: 15_000 });
  // The guidance names a failed upgrade, so the selected instance's detail needs the group's updates.
  const updates = useQuery(groupUpdatesQuery(group.id));
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = instances.data?.find((i) => i.id === selectedId) ?? null;

  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : onClose())}>
      <DialogContent
        size="wide"
        closeLabel="Close"
        onCloseAutoFocus={onCloseAutoFocus}
        // Open on the dialog itself, not in the Name field: most visits are to look, not to rename.
        onOpenAutoFocus={(event) => {
          event.preventDefault();
          (event.currentTarget as HTMLElement | null)?.focus();
        }}
      >
        <DialogHeader>
          <DialogTitle>Edit {group.name}</DialogTitle>
          <DialogDescription>
            {group.status === 'waiting'
              ? 'No runner has registered yet.'
              : `${group.connectedCount.toLocaleString()} of ${plural(group.instanceCount, 'instance')} connected.`}
          </DialogDescription>
        </DialogHeader>
        <div className={styles.sections}>
          <RenameForm group={group} />
          <UpdateProgress group={group} />
          {instances.data ? <FleetHealthStrip instances={instances.data} /> : null}
          <InstancesSection query={instances} selectedId={selectedId} onSelect={setSelectedId} />
          {selected ? (
            <InstanceDetail
              key={selected.id}
              group={group}
              instance={selected}
              updates={updates.data}
              onClose={() => setSelectedId(null)}
            />
          ) : null}
          <HowToAdd group={group} />
        </div>
      </DialogContent>
    </Dialog>
  );
}

function RenameForm({ group }: { group: RunnerGroup }) {
  const { canWrite, readOnlyReason } = usePermissions();
  const rename = useRenameGroup(group.id);
  const [name, setName] = useState(group.name);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The server checks every rule of the name and answers with a field error; only emptiness is caught here.
    if (name.trim() === '') {
      setError('Name must not be empty.');
      return;
    }
    setError(null);
    rename.mutate(
      { id: group.id, name: name.trim() },
      {
        onSuccess: (g) => toast({ tone: 'success', title: `Renamed to ${g.name}` }),
        onError: (e) => setError(e instanceof ApiError && e.fieldErrors.name ? `Name ${e.fieldErrors.name}.` : errorMessage(e)),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Field
        label="Name"
        error={error}
        description={readOnlyReason}
        addon={
          <Button type="submit" disabled={!canWrite || rename.isPending || name.trim() === group.name}>
            {rename.isPending ? 'Saving…' : 'Rename'}
          </Button>
        }
      >
        <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" disabled={!canWrite} />
      </Field>
    </form>
  );
}

function InstancesSection({
  query,
  selectedId,
  onSelect,
}: {
  query: ReturnType<typeof useQuery<Instance[]>>;
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const id = useId();
  const [status, setStatus] = useState<InstanceStatusFilter>('all');
  const [text, setText] = useState('');
  const all = query.data ?? [];
  const shown = filterInstances(all, status, text);
  const counts = countByStatus(all);
  // Relative times ("12 s ago") move on without a refetch.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(t);
  }, []);

  const narrow = useMediaQuery('(max-width: 640px)');
  const columns: Column<Instance>[] = [
    {
      id: 'status',
      header: 'Status',
      width: '9.5rem',
      cell: (i) => {
        const s = instanceStatusDot(i.status);
        return <StatusDot tone={s.tone} label={s.label} />;
      },
    },
    {
      id: 'name',
      header: 'Name',
      width: 'minmax(9rem, 2fr)',
      cell: (i) => (
        <button
          type="button"
          className={styles.nameButton}
          onClick={() => onSelect(i.id)}
          aria-pressed={selectedId === i.id}
          title={i.name}
        >
          {i.name}
        </button>
      ),
    },
    { id: 'version', header: 'Version', width: '5.5rem', cell: (i) => i.version },
    { id: 'platform', header: 'Platform', width: '6.5rem', cell: (i) => i.platform },
    { id: 'host', header: 'Host', width: 'minmax(8rem, 1fr)', cell: (i) => <span title={i.hostname}>{i.hostname}</span> },
    { id: 'address', header: 'Address', width: '8rem', cell: (i) => i.address || '—' },
    { id: 'heartbeat', header: 'Last heartbeat', width: '8rem', cell: (i) => formatRelative(i.lastHeartbeatAt, now) },
    { id: 'started', header: 'Started', width: '7rem', cell: (i) => formatRelative(i.startedAt, now) },
  ];

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
        <>
          <div className={styles.filters}>
            <div className={styles.field}>
              <Label htmlFor={`${id}-status`}>Status</Label>
              <NativeSelect id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as InstanceStatusFilter)}>
                {/* Plain labels, so "Connected" picks an option by its label as "connected" does by its value. */}
                <option value="all">All</option>
                <option value="connected">Connected</option>
                <option value="disconnected">Disconnected</option>
                <option value="terminated">Terminated</option>
              </NativeSelect>
            </div>
            <div className={`${styles.field} ${styles.textFilter}`}>
              <Label htmlFor={`${id}-filter`}>Filter</Label>
              <Input
                id={`${id}-filter`}
                type="search"
                placeholder="Name, host, address or version"
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            </div>
          </div>
          <p className={styles.count} role="status">
            {shown.length === all.length
              ? plural(all.length, 'instance')
              : `${shown.length.toLocaleString()} of ${plural(all.length, 'instance')}`}
            <span className={styles.muted}>
              {' '}
              · {counts.connected.toLocaleString()} connected, {counts.disconnected.toLocaleString()} disconnected,{' '}
              {counts.terminated.toLocaleString()} terminated
            </span>
          </p>
          {shown.length === 0 ? (
            <p className={styles.hint}>No instance matches the filter.</p>
          ) : (
            <DataList
              label="Instances"
              rows={shown}
              columns={narrow ? narrowColumns(columns) : columns}
              rowKey={(i) => i.id}
              rowHeight={narrow ? 96 : 44}
              maxHeight="22rem"
              minWidth={narrow ? '0' : '62rem'}
              selectedKey={selectedId}
              onRowClick={(i) => onSelect(i.id)}
            />
          )}
        </>
      )}
    </section>
  );
}

/** Phones: the instance (name, status, version, platform, host) and its last heartbeat. */
function narrowColumns(columns: Column<Instance>[]): Column<Instance>[] {
  const byId = new Map(columns.map((c) => [c.id, c]));
  return [
    {
      id: 'instance',
      header: 'Instance',
      width: 'minmax(0, 1fr)',
      cell: (i) => (
        <span className={styles.stack}>
          {byId.get('name')!.cell(i)}
          {byId.get('status')!.cell(i)}
          <span className={styles.muted}>
            {i.version} · {i.platform} · {i.hostname}
          </span>
        </span>
      ),
    },
    { ...byId.get('heartbeat')!, width: '6rem' },
  ];
}

function HowToAdd({ group }: { group: RunnerGroup }) {
  return (
    // Not a landmark, and no other heading of the dialog says "instances": "Instances" must name
    // exactly one region and one heading, even for a match that ignores case and takes a substring.
    <div className={styles.section}>
      <h3 className={styles.sectionTitle}>Add more runners</h3>
      <p className={styles.hint}>How to add instances to {group.name}, by how its runners were installed:</p>
      <ul className={styles.howTo}>
        <li>
          Kubernetes: scale the deployment to the number of runners you want, in the namespace you installed into (change{' '}
          <code>-n {defaultRunnerNamespace}</code> if it was another).
          <code className={styles.code}>{kubectlScaleCommand(group.name, 'N')}</code>
        </li>
        <li>Docker: run the Docker command again on the same or another host; each run adds one instance.</li>
        <li>
          EC2: launch the CloudFormation stack again. <span className={styles.muted}>All of them need the registration key; if
          it is lost, rotate it from the group's menu.</span>
        </li>
      </ul>
    </div>
  );
}
