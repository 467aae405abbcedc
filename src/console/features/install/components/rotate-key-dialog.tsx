import { useRef, useState } from 'react';
import type { RunnerGroup } from '../../../../contract/schemas';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { errorMessage } from '../../../lib/api-client';
import { type IssuedKey, useRotateKey } from '../api/mutations';
import { KeyRevealDialog } from './key-reveal-dialog';

/** Rotate key: a confirmation, then the same once-only install view with the new key. */
export function RotateKeyDialog({
  group,
  onClose,
  onCloseAutoFocus,
}: {
  group: RunnerGroup;
  onClose: () => void;
  /** Where focus goes when it closes (the group's 3-dot button). */
  onCloseAutoFocus?: (event: Event) => void;
}) {
  const rotate = useRotateKey();
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  // The question's dialog goes away when the key arrives: focus then belongs to the install view, not
  // back on the 3-dot button.
  const revealing = useRef(false);

  if (issued) {
    return (
      <KeyRevealDialog
        issued={issued}
        title={(g) => `New registration key for ${g.name}`}
        onClose={onClose}
        onCloseAutoFocus={onCloseAutoFocus}
      />
    );
  }
  return (
    <ConfirmDialog
      title={`Rotate the registration key of ${group.name}?`}
      description={`The current key (${group.keyPrefix}…) stops working for new registrations at once. Instances already registered keep working with their own tokens. The new key is shown once.`}
      confirmLabel="Rotate key"
      pendingLabel="Rotating…"
      variant="danger"
      pending={rotate.isPending}
      error={rotate.isError ? errorMessage(rotate.error) : null}
      onConfirm={() =>
        rotate.mutate(group.id, {
          onSuccess: (result) => {
            revealing.current = true;
            setIssued(result);
            // The key stays in this dialog's state only, never in the mutation cache.
            rotate.reset();
          },
        })
      }
      onClose={onClose}
      onCloseAutoFocus={(event) => (revealing.current ? event.preventDefault() : onCloseAutoFocus?.(event))}
    />
  );
}
