import type { RunnerGroup } from '../../../../contract';
import { usePermissions } from '../../../lib/permissions';
import { Button } from '../../../components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu';
import { updateBlockedReason } from '../model';

export type GroupAction = 'edit' | 'update' | 'set-default' | 'rotate-key' | 'delete';

/** The 3-dot menu of a group; write actions are disabled with their reason for viewers. */
export function GroupActionsMenu({ group, onAction }: { group: RunnerGroup; onAction: (action: GroupAction) => void }) {
  const { canWrite, readOnlyReason } = usePermissions();
  const updateReason = canWrite ? updateBlockedReason(group) : readOnlyReason;
  const defaultReason = canWrite ? (group.isDefault ? 'Already the default group.' : null) : readOnlyReason;
  const writeReason = canWrite ? null : readOnlyReason;
  return (
    <DropdownMenu modal={false}>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={`More actions for ${group.name}`} data-group-actions={group.id}>
          <span aria-hidden="true">⋯</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent>
        <DropdownMenuItem onSelect={() => onAction('edit')}>Edit</DropdownMenuItem>
        <DropdownMenuItem disabled={updateReason !== null} hint={updateReason} onSelect={() => onAction('update')}>
          Update
        </DropdownMenuItem>
        <DropdownMenuItem disabled={defaultReason !== null} hint={defaultReason} onSelect={() => onAction('set-default')}>
          Set as Default
        </DropdownMenuItem>
        <DropdownMenuItem disabled={writeReason !== null} hint={writeReason} onSelect={() => onAction('rotate-key')}>
          Rotate key
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem variant="danger" disabled={writeReason !== null} hint={writeReason} onSelect={() => onAction('delete')}>
          Delete
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
