import { useState } from 'react';
import type { GroupWithKey } from '../../../../contract';
import { errorMessage } from '../../../lib/api-client';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { useRotateKey, withoutKey } from '../api/mutations';
import styles from './dialogs.module.css';
import type { GroupDialogProps } from './group-dialog-props';
import { InstallStep, type RenderInstallView } from './install-step';

/** Rotate key: a confirmation, then the same once-only install view with the new key. */
export function RotateKeyDialog({
  group,
  onClose,
  renderInstallView,
  onCloseAutoFocus,
}: GroupDialogProps & { renderInstallView: RenderInstallView }) {
  const rotate = useRotateKey();
  const [rotated, setRotated] = useState<GroupWithKey | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const requestClose = () => {
    if (rotated && !copied) setConfirmClose(true);
    else onClose();
  };

  const confirm = () => {
    setError(null);
    rotate.mutate(group.id, {
      onSuccess: (result) => {
        setRotated(result);
        rotate.reset();
      },
      onError: (e) => setError(errorMessage(e)),
    });
  };

  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : requestClose())}>
      <DialogContent
        size={rotated ? 'wide' : 'md'}
        hideCloseX={rotated !== null}
        onCopy={rotated ? () => setCopied(true) : undefined}
        onCloseAutoFocus={onCloseAutoFocus}
        // The question is a confirmation like Update's and Delete's (an alert dialog); its answer, the install view, is a dialog.
        role={rotated ? 'dialog' : 'alertdialog'}
      >
        {rotated ? (
          <InstallStep
            group={withoutKey(rotated)}
            registrationKey={rotated.registrationKey}
            title={`New registration key for ${rotated.name}`}
            renderInstallView={renderInstallView}
            onCopied={() => setCopied(true)}
            onRequestClose={requestClose}
            confirmOpen={confirmClose}
            onGoBack={() => setConfirmClose(false)}
            onCloseAnyway={onClose}
          />
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Rotate the registration key of {group.name}?</DialogTitle>
              <DialogDescription>
                The current key ({group.keyPrefix}…) stops working for new registrations at once. Instances already registered
                keep working with their own tokens. The new key is shown once.
              </DialogDescription>
            </DialogHeader>
            {error ? (
              <p role="alert" className={styles.error}>
                {error}
              </p>
            ) : null}
            <DialogFooter>
              <DialogClose asChild>
                <Button>Cancel</Button>
              </DialogClose>
              <Button variant="danger" onClick={confirm} disabled={rotate.isPending}>
                {rotate.isPending ? 'Rotating…' : 'Rotate key'}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
