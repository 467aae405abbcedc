import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { toast } from '../../../components/ui/toast-store';
import { errorMessage } from '../../../lib/api-client';
import { plural } from '../../../lib/format';
import { useDeleteGroup } from '../api/mutations';
import type { GroupDialogProps } from './group-dialog-props';

/** Delete: names the group and how many instances will be cut off. */
export function DeleteDialog({ group, onClose, onCloseAutoFocus }: GroupDialogProps) {
  const remove = useDeleteGroup();
  const cutOff = group.instanceCount;
  return (
    <ConfirmDialog
      title={`Delete ${group.name}?`}
      description={
        <>
          {cutOff > 0
            ? `${plural(cutOff, 'instance')} will be cut off: their tokens are revoked and they stop at their next heartbeat.`
            : 'No instance will be cut off: the group has none.'}{' '}
          Its registration key stops working. This cannot be undone.
        </>
      }
      confirmLabel={`Delete ${group.name}`}
      pendingLabel="Deleting…"
      variant="danger"
      pending={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() =>
        remove.mutate(group.id, {
          onSuccess: () => {
            toast({ title: `Deleted ${group.name}`, tone: 'success' });
            onClose();
          },
        })
      }
      onClose={onClose}
      onCloseAutoFocus={onCloseAutoFocus}
    />
  );
}
