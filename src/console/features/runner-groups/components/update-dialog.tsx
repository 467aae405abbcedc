import { useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { formatDuration, plural } from '../../../lib/format';
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from '../../../components/ui/alert-dialog';
import { Button } from '../../../components/ui/button';
import { toast } from '../../../components/ui/toast-store';
import { useRequestUpdate } from '../api/mutations';
import { updateBlockedReason, versionInfo } from '../../../entities/runner-group/model';
import styles from './dialogs.module.css';
import type { GroupDialogProps } from './group-dialog-props';

/** "Update {name} from {versions} to {latest}?" */
export function UpdateDialog({
  group,
  onClose,
  onCloseAutoFocus,
}: GroupDialogProps) {
  const update = useRequestUpdate();
  const [error, setError] = useState<string | null>(null);
  // One key per dialog: a double click or a retry after a timeout replays the first answer.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const { versions } = versionInfo(group);
  const blocked = updateBlockedReason(group);

  const confirm = () => {
    setError(null);
    update.mutate(
      { id: group.id, idempotencyKey },
      {
        onSuccess: (u) => {
          const replaced = u.instances.filter((i) => i.state === 'pending').length;
          const deadline = formatDuration((Date.parse(u.deadlineAt) - Date.parse(u.requestedAt)) / 1000);
          toast({
            title: `Update of ${group.name} to ${u.targetVersion} started`,
            description: `${plural(replaced, 'instance')} will be replaced. It rolls back by itself if not done in ${deadline}.`,
          });
          onClose();
        },
        onError: (e) => setError(errorMessage(e)),
      },
    );
  };

  return (
    <AlertDialog open onOpenChange={(open) => (open ? undefined : onClose())}>
      <AlertDialogContent onCloseAutoFocus={onCloseAutoFocus}>
        <AlertDialogHeader>
          <AlertDialogTitle>
            Update {group.name} from {versions.join(', ') || 'no version'} to {group.latestVersion}?
          </AlertDialogTitle>
          <AlertDialogDescription>
            Each connected instance on an older version starts its replacement on {group.latestVersion}, then exits. If the group
            is not back to {plural(group.connectedCount, 'connected instance')} on {group.latestVersion} within{' '}
            {formatDuration(group.updateDeadlineSeconds)}, the
            update is rolled back automatically.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {blocked ? <p className={styles.hint}>{blocked}</p> : null}
        {error ? (
          <p role="alert" className={styles.error}>
            {error}
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="primary" onClick={confirm} disabled={update.isPending || blocked !== null}>
            {update.isPending ? 'Starting update…' : 'Update'}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
