import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { toast } from '../../../components/ui/toast-store';
import { updateBlockedReason, versionInfo } from '../../../entities/runner-group/model';
import { errorMessage } from '../../../lib/api-client';
import { formatDuration, plural } from '../../../lib/format';
import { useRequestUpdate } from '../api/mutations';
import type { GroupDialogProps } from './group-dialog-props';

/** "Update {name} from {versions} to {latest}?" */
export function UpdateDialog({ group, onClose, onCloseAutoFocus }: GroupDialogProps) {
  const update = useRequestUpdate();
  // One key per dialog: a double click or a retry after a timeout replays the first answer.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const { versions } = versionInfo(group);

  const confirm = () =>
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
      },
    );

  return (
    <ConfirmDialog
      title={`Update ${group.name} from ${versions.join(', ') || 'no version'} to ${group.latestVersion}?`}
      description={`Each connected instance on an older version starts its replacement on ${group.latestVersion}, then exits. If the group is not back to ${plural(group.connectedCount, 'connected instance')} on ${group.latestVersion} within ${formatDuration(group.updateDeadlineSeconds)}, the update is rolled back automatically.`}
      confirmLabel="Update"
      pendingLabel="Starting update…"
      pending={update.isPending}
      disabledReason={updateBlockedReason(group)}
      error={update.isError ? errorMessage(update.error) : null}
      onConfirm={confirm}
      onClose={onClose}
      onCloseAutoFocus={onCloseAutoFocus}
    />
  );
}
