import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { kubectlScaleCommand } from '../../../../contract/install-commands';
import type { RunnerGroup } from '../../../../contract/schemas';
import { defaultRunnerNamespace } from '../../../../contract/slug';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import { toast } from '../../../components/ui/toast-store';
import { instancesQuery } from '../../../entities/instance/queries';
import { groupUpdatesQuery } from '../../../entities/runner-group/queries';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
import { usePermissions } from '../../../lib/permissions';
import { useRenameGroup } from '../api/mutations';
import styles from './edit-group-dialog.module.css';
import { FleetHealthStrip } from './fleet-health-strip';
import type { GroupDialogProps } from './group-dialog-props';
import { InstanceDetail } from './instance-detail';
import { InstanceList } from './instance-list';
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
          <InstanceList query={instances} selectedId={selectedId} onSelect={setSelectedId} />
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
