import { type ReactNode, Suspense } from 'react';
import type { RunnerGroup } from '../../../../contract/schemas';
import { retryableLazy } from '../../../components/retryable-lazy';
import { SecretField, SecretRevealDialog } from '../../../components/secret-reveal-dialog';
import { DialogDescription, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import type { IssuedKey } from '../api/mutations';
import styles from './key-reveal-dialog.module.css';

// The commands load with the key, not with the dialog's first step: the form opens at once.
const InstallView = retryableLazy(() => import('./install-view').then((m) => m.InstallView));

/**
 * The one place a registration key is shown (after New Runner Group and after Rotate key): the key,
 * the install view with the commands carrying it, and a Close that asks first while nothing has been
 * copied ("Close without copying the key?", Go back / Close anyway) — SecretRevealDialog's shape.
 * The key itself stays in the caller's state, which closing unmounts.
 *
 * Until `issued` is set it shows `children` (the step that gets the key), in the same dialog, so a
 * form turns into the install view rather than opening another one.
 */
export function KeyRevealDialog({
  issued,
  title,
  onClose,
  onCloseAutoFocus,
  children,
}: {
  issued: IssuedKey | null;
  /** The dialog's title once the key is shown. */
  title: (group: RunnerGroup) => string;
  onClose: () => void;
  /** Where focus goes when the dialog closes (default: where it was before). */
  onCloseAutoFocus?: (event: Event) => void;
  children?: ReactNode;
}) {
  return (
    <SecretRevealDialog
      reveal={
        issued && {
          content: (markCopied) => (
            <>
              <DialogHeader>
                <DialogTitle>{title(issued.group)}</DialogTitle>
                <DialogDescription>
                  Install runners into <strong>{issued.group.name}</strong> with one of these commands. They carry the group's
                  registration key.
                </DialogDescription>
              </DialogHeader>
              <SecretField label="Registration key" secret={issued.registrationKey} copyLabel="Copy key" onCopied={markCopied} />
              <div className={styles.install}>
                <Suspense fallback={<p role="status">Loading install commands…</p>}>
                  <InstallView group={issued.group} registrationKey={issued.registrationKey} onCopied={markCopied} />
                </Suspense>
              </div>
            </>
          ),
          closeQuestion: {
            title: 'Close without copying the key?',
            description: `The registration key of ${issued.group.name} will not be shown again. Without it you can only add runners after rotating the key.`,
          },
        }
      }
      onClose={onClose}
      onCloseAutoFocus={onCloseAutoFocus}
    >
      {children}
    </SecretRevealDialog>
  );
}
