import type { ReactNode } from 'react';
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from './alert-dialog';
import { Button, type ButtonVariant } from './button';
import styles from './dialog.module.css';
import { FormError } from './field';

/**
 * A question before an action (Update, Delete, Rotate key, Close without copying): an alert dialog
 * with the title, what will happen, Cancel, and the confirming button. The caller runs the action in
 * `onConfirm` and closes it when done; while `pending` the button says so, and a failure is shown in
 * `error` inside the dialog. `disabledReason` disables the button and says why beside it.
 */
function ConfirmDialog({
  title,
  description,
  confirmLabel,
  pendingLabel,
  cancelLabel = 'Cancel',
  variant = 'primary',
  pending = false,
  disabledReason = null,
  error = null,
  open = true,
  onConfirm,
  onClose,
  onCloseAutoFocus,
}: {
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  cancelLabel?: string;
  variant?: ButtonVariant;
  pending?: boolean;
  disabledReason?: string | null;
  error?: string | null;
  open?: boolean;
  onConfirm: () => void;
  /** Cancel, Escape, or the action done. */
  onClose: () => void;
  onCloseAutoFocus?: (event: Event) => void;
}) {
  return (
    <AlertDialog open={open} onOpenChange={(next) => (next ? undefined : onClose())}>
      <AlertDialogContent data-slot="confirm-dialog" onCloseAutoFocus={onCloseAutoFocus}>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {disabledReason ? <p data-slot="confirm-dialog-reason" className={styles.reason}>
            {disabledReason}
          </p> : null}
        {error ? <FormError>{error}</FormError> : null}
        <AlertDialogFooter>
          <AlertDialogCancel>{cancelLabel}</AlertDialogCancel>
          <Button variant={variant} onClick={onConfirm} disabled={pending || disabledReason !== null}>
            {pending && pendingLabel ? pendingLabel : confirmLabel}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

export { ConfirmDialog };
