import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { kubectlScaleCommand } from '../../../../contract/install-commands';
import type { Instance, RunnerGroup } from '../../../../contract/schemas';
import { defaultRunnerNamespace } from '../../../../contract/slug';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import { toast } from '../../../components/ui/toast-store';
import { instancesQuery } from '../../../entities/instance/queries';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { groupUpdatesQuery } from '../../../entities/runner-group/queries';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
import type { InstanceFilters } from '../../../lib/paths';
import { usePermissions } from '../../../lib/permissions';
import { useForgetEndedInstances, useRenameGroup } from '../api/mutations';
import styles from './edit-group-dialog.module.css';
import { FleetHealthStrip } from './fleet-health-strip';
import type { GroupDialogProps } from './group-dialog-props';
import { InstanceDetail } from './instance-detail';
import { InstanceList, MissingInstance } from './instance-list';
import { UpdateProgress } from './update-progress';

/** What the Edit dialog takes beyond the group: the selected instance and the instance filters, both from the address. */
export interface EditGroupDialogProps extends GroupDialogProps {
  selectedInstanceId: string | null;
  onSelectInstance: (instanceId: string | null) => void;
  filters: InstanceFilters;
  onFiltersChange: (filters: InstanceFilters) => void;
}

/**
 * Edit: rename, the last update's progress, how the group's runners ended (filter buttons), the
 * Instances list with the detail (and troubleshooting guidance) of the selected one, and how to add
 * instances. The selection and the filters are the address's (`/runners/{id}/instances/{instanceId}?cause=`).
 */
export function EditGroupDialog({
  group,
  onClose,
  onCloseAutoFocus,
  selectedInstanceId,
  onSelectInstance,
  filters,
  onFiltersChange,
}: EditGroupDialogProps) {
  const instances = useQuery({ ...instancesQuery(group.id), refetchInterval: 15_000 });
  // The guidance names a failed upgrade, so the selected instance's detail needs the group's updates.
  const updates = useQuery(groupUpdatesQuery(group.id));
  const selected = instances.data?.find((i) => i.id === selectedInstanceId) ?? null;
  // A pasted address of a forgotten (or expired) instance: say so rather than show nothing.
  const missingInstance = selectedInstanceId !== null && instances.data !== undefined && selected === null;

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
          {instances.data ? (
            <FleetHealthStrip
              instances={instances.data}
              cause={filters.cause ?? 'all'}
              onCauseChange={(cause) => onFiltersChange({ ...filters, cause })}
            />
          ) : null}
          <InstanceList
            query={instances}
            selectedId={selectedInstanceId}
            onSelect={(id) => onSelectInstance(id === selectedInstanceId ? null : id)}
            filters={filters}
            onFiltersChange={onFiltersChange}
            actions={<ForgetAllEnded group={group} instances={instances.data ?? []} />}
          />
          {selected ? (
            <InstanceDetail
              key={selected.id}
              group={group}
              instance={selected}
              updates={updates.data}
              onClose={() => onSelectInstance(null)}
            />
          ) : null}
          {missingInstance ? <MissingInstance onHide={() => onSelectInstance(null)} /> : null}
          <HowToAdd group={group} />
        </div>
      </DialogContent>
    </Dialog>
  );
}

/** The dialog a pasted address of a deleted group opens: it says so, and closing it shows the list. */
export function MissingGroupDialog({ onClose, onCloseAutoFocus }: { onClose: () => void; onCloseAutoFocus?: (event: Event) => void }) {
  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : onClose())}>
      <DialogContent closeLabel="Close" onCloseAutoFocus={onCloseAutoFocus}>
        <DialogHeader>
          <DialogTitle>This runner group no longer exists</DialogTitle>
          <DialogDescription>
            It was deleted, or the address is mistyped. The Activity page still tells who deleted it and when.
          </DialogDescription>
        </DialogHeader>
        <div className={styles.missingActions}>
          <Button variant="primary" onClick={onClose}>
            Show all runner groups
          </Button>
        </div>
      </DialogContent>
    </Dialog>
  );
}

/** Forget all ended: removes the record of every ended instance, after a confirmation that counts them. */
function ForgetAllEnded({ group, instances }: { group: RunnerGroup; instances: readonly Instance[] }) {
  const { canWrite, readOnlyReason } = usePermissions();
  const forget = useForgetEndedInstances(group.id);
  const [open, setOpen] = useState(false);
  const ended = instances.filter((i) => i.status === 'terminated').length;
  if (ended === 0) return null;
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} disabled={!canWrite} title={canWrite ? undefined : (readOnlyReason ?? undefined)}>
        Forget all ended ({ended.toLocaleString()})
      </Button>
      {open ? (
        <ConfirmDialog
          title={`Forget ${plural(ended, 'ended instance')} of ${group.name}?`}
          description="Their records (how each ended, its timeline) are removed from the list. The Activity page keeps that they ended. Running and disconnected runners are not touched."
          confirmLabel="Forget all ended"
          pendingLabel="Forgetting…"
          variant="danger"
          pending={forget.isPending}
          error={forget.isError ? errorMessage(forget.error) : null}
          onConfirm={() =>
            forget.mutate(undefined, {
              onSuccess: (r) => {
                toast({ tone: 'success', title: `Forgot ${plural(r.forgotten, 'ended instance')}` });
                setOpen(false);
              },
            })
          }
          onClose={() => setOpen(false)}
        />
      ) : null}
    </>
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
        <Input
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            // A field's error clears as soon as it no longer holds (PRODUCT.md §3 round 2).
            if (error && e.target.value.trim() !== '') setError(null);
          }} autoComplete="off" disabled={!canWrite} />
      </Field>
    </form>
  );
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
