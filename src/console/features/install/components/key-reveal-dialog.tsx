import { type ReactNode, Suspense, useRef, useState } from 'react';
import type { RunnerGroup } from '../../../../contract/schemas';
import { retryableLazy } from '../../../components/retryable-lazy';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import type { IssuedKey } from '../api/mutations';
import styles from './key-reveal-dialog.module.css';

// The commands load with the key, not with the dialog's first step: the form opens at once.
const InstallView = retryableLazy(() => import('./install-view').then((m) => m.InstallView));

/**
 * The one place a registration key is shown (after New Runner Group and after Rotate key): the key,
 * the install view with the commands carrying it, and a Close that asks first while nothing has been
 * copied ("Close without copying the key?", Go back / Close anyway). It owns "copied" and that
 * question; the key itself stays in the caller's state, which closing unmounts.
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
  const [copied, setCopied] = useState(false);
  const [asking, setAsking] = useState(false);
  const markCopied = () => setCopied(true);
  const requestClose = () => (issued && !copied ? setAsking(true) : onClose());
  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : requestClose())}>
      <DialogContent
        size={issued ? 'wide' : 'md'}
        // Closing needs the question while the key is shown: only the Close button closes it.
        hideCloseX={issued !== null}
        // A manual copy (Ctrl+C on the key or a command) counts as copied.
        onCopy={issued ? markCopied : undefined}
        onCloseAutoFocus={onCloseAutoFocus}
      >
        {issued ? (
          <>
            <DialogHeader>
              <DialogTitle>{title(issued.group)}</DialogTitle>
              <DialogDescription>
                Install runners into <strong>{issued.group.name}</strong> with one of these commands. They carry the group's
                registration key.
              </DialogDescription>
            </DialogHeader>
            <KeyField registrationKey={issued.registrationKey} onCopied={markCopied} />
            <div className={styles.install}>
              <Suspense fallback={<p role="status">Loading install commands…</p>}>
                <InstallView group={issued.group} registrationKey={issued.registrationKey} onCopied={markCopied} />
              </Suspense>
            </div>
            <DialogFooter>
              <Button variant="primary" onClick={requestClose}>
                Close
              </Button>
            </DialogFooter>
            <ConfirmDialog
              open={asking}
              title="Close without copying the key?"
              description={`The registration key of ${issued.group.name} will not be shown again. Without it you can only add runners after rotating the key.`}
              cancelLabel="Go back"
              confirmLabel="Close anyway"
              variant="danger"
              onConfirm={onClose}
              onClose={() => setAsking(false)}
            />
          </>
        ) : (
          children
        )}
      </DialogContent>
    </Dialog>
  );
}

/** The key on its own, read-only and kept away from password managers and spell checkers. */
function KeyField({ registrationKey, onCopied }: { registrationKey: string; onCopied: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(registrationKey);
      setCopied(true);
      onCopied();
    } catch {
      // Clipboard refused (permissions): the field is selected for a manual copy instead.
      input.current?.select();
    }
  };
  return (
    <Field label="Registration key" addon={<Button onClick={() => void copy()}>{copied ? 'Copied' : 'Copy key'}</Button>}>
      <Input
        ref={input}
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
    </Field>
  );
}
