import { type ReactNode, useId, useState } from 'react';
import type { RunnerGroup } from '../../../../contract';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from '../../../components/ui/alert-dialog';
import { Button } from '../../../components/ui/button';
import { DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Input } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import styles from './dialogs.module.css';

/** What the install kit renders: the Helm / Docker / CloudFormation tabs carrying the key. */
export type RenderInstallView = (props: { group: RunnerGroup; registrationKey: string; onCopied: () => void }) => ReactNode;

/** The key on its own, read-only and kept away from password managers and spell checkers. */
function KeyField({ registrationKey, onCopied }: { registrationKey: string; onCopied: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(registrationKey);
      setCopied(true);
      onCopied();
    } catch {
      // Clipboard refused (permissions): the field is selected for a manual copy instead.
      (document.getElementById(`${id}-key`) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div className={styles.field}>
      <Label htmlFor={`${id}-key`}>Registration key</Label>
      <div className={styles.keyRow}>
        <Input
          id={`${id}-key`}
          className={styles.keyInput}
          readOnly
          value={registrationKey}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          data-1p-ignore=""
          data-lpignore="true"
          data-bwignore=""
          data-form-type="other"
          onFocus={(e) => e.currentTarget.select()}
        />
        <Button onClick={() => void copy()}>{copied ? 'Copied' : 'Copy key'}</Button>
      </div>
    </div>
  );
}

/**
 * The install view inside the New Runner Group and Rotate key dialogs, with the Close that asks
 * first while nothing has been copied ("Close without copying the key?").
 */
export function InstallStep({
  group,
  registrationKey,
  title,
  renderInstallView,
  onCopied,
  onRequestClose,
  confirmOpen,
  onGoBack,
  onCloseAnyway,
}: {
  group: RunnerGroup;
  registrationKey: string;
  title: string;
  renderInstallView: RenderInstallView;
  onCopied: () => void;
  onRequestClose: () => void;
  confirmOpen: boolean;
  onGoBack: () => void;
  onCloseAnyway: () => void;
}) {
  return (
    <>
      <DialogHeader>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription>
          Install runners into <strong>{group.name}</strong> with one of these commands. They carry the group's registration
          key.
        </DialogDescription>
      </DialogHeader>
      <KeyField registrationKey={registrationKey} onCopied={onCopied} />
      <div className={styles.install}>{renderInstallView({ group, registrationKey, onCopied })}</div>
      <DialogFooter>
        <Button variant="primary" onClick={onRequestClose}>
          Close
        </Button>
      </DialogFooter>
      <AlertDialog open={confirmOpen} onOpenChange={(open) => (open ? undefined : onGoBack())}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Close without copying the key?</AlertDialogTitle>
            <AlertDialogDescription>
              The registration key of {group.name} will not be shown again. Without it you can only add runners after rotating
              the key.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Go back</AlertDialogCancel>
            <AlertDialogAction variant="danger" onClick={onCloseAnyway}>
              Close anyway
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </>
  );
}
