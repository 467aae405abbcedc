import type { RunnerGroup } from '../../../../contract';

/** What the runner-groups dialogs opened from a group's 3-dot menu take: the group, and how to close. */
export interface GroupDialogProps {
  group: RunnerGroup;
  onClose: () => void;
  /** Where the focus goes when it closes (the group's 3-dot button). */
  onCloseAutoFocus?: (event: Event) => void;
}
