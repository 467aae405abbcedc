import type { ComponentProps } from 'react';
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
import { updateBlockedReason } from '../../../entities/runner-group/model';

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
        <ActionItem reason={null} onSelect={() => onAction('edit')}>
          Edit
        </ActionItem>
        <ActionItem reason={updateReason} onSelect={() => onAction('update')}>
          Update
        </ActionItem>
        <ActionItem reason={defaultReason} onSelect={() => onAction('set-default')}>
          Set as Default
        </ActionItem>
        <ActionItem reason={writeReason} onSelect={() => onAction('rotate-key')}>
          Rotate key
        </ActionItem>
        <DropdownMenuSeparator />
        <ActionItem variant="danger" reason={writeReason} onSelect={() => onAction('delete')}>
          Delete
        </ActionItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/**
 * A menu item that is unavailable while `reason` is set. Radix skips `disabled` items with the arrow
 * keys, so a keyboard or screen-reader user would never reach the reason: an unavailable item stays
 * focusable, says it is disabled (aria-disabled) with the reason as its description, and selecting it
 * does nothing (the menu stays open).
 */
function ActionItem({
  reason,
  onSelect,
  ...props
}: Omit<ComponentProps<typeof DropdownMenuItem>, 'disabled' | 'hint' | 'onSelect'> & { reason: string | null; onSelect: () => void }) {
  if (reason === null) return <DropdownMenuItem {...props} onSelect={onSelect} />;
  return <DropdownMenuItem {...props} hint={reason} aria-disabled data-disabled="" onSelect={(event) => event.preventDefault()} />;
}
