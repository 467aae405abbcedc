import { useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
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
import { useDeleteGroup } from '../api/mutations';
import styles from './dialogs.module.css';
import type { GroupDialogProps } from './group-dialog-props';

/** Delete: names the group and how many instances will be cut off. */
export function DeleteDialog({
  group,
  onClose,
  onCloseAutoFocus,
}: GroupDialogProps) {
  const remove = useDeleteGroup();
  const [error, setError] = useState<string | null>(null);
  const cutOff = group.instanceCount;

  const confirm = () => {
    setError(null);
    remove.mutate(group.id, {
      onSuccess: () => {
        toast({ title: `Deleted ${group.name}`, tone: 'success' });
        onClose();
      },
      onError: (e) => setError(errorMessage(e)),
    });
  };

  return (
    <AlertDialog open onOpenChange={(open) => (open ? undefined : onClose())}>
      <AlertDialogContent onCloseAutoFocus={onCloseAutoFocus}>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete {group.name}?</AlertDialogTitle>
          <AlertDialogDescription>
            {cutOff > 0
              ? `${plural(cutOff, 'instance')} will be cut off: their tokens are revoked and they stop at their next heartbeat.`
              : 'No instance will be cut off: the group has none.'}{' '}
            Its registration key stops working. This cannot be undone.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {error ? (
          <p role="alert" className={styles.error}>
            {error}
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="danger" onClick={confirm} disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : `Delete ${group.name}`}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
