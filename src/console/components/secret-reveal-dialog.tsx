import { type ReactNode, useRef, useState } from 'react';
import styles from './secret-reveal-dialog.module.css';
import { Button } from './ui/button';
import { ConfirmDialog } from './ui/confirm-dialog';
import { Dialog, DialogContent, DialogFooter } from './ui/dialog';
import { Field } from './ui/field';
import { Input } from './ui/input';

/** The step that shows a secret once, and what Close asks while nothing has been copied. */
export interface SecretReveal {
  /** The step's content (title, the secret, how to use it); `markCopied` is for every way of copying it. */
  content: (markCopied: () => void) => ReactNode;
  /** Asked by Close (Go back / Close anyway) while nothing has been copied. */
  closeQuestion: { title: string; description: string };
}

/**
 * The one shape of a secret shown once (a registration key, an API token): a dialog that shows
 * `children` (the step that gets the secret) until `reveal` is set, then the secret's step, whose
 * Close asks first while nothing has been copied. It owns "copied" and that question; the secret
 * itself stays in the caller's state, which closing unmounts.
 */
export function SecretRevealDialog({
  reveal,
  onClose,
  onCloseAutoFocus,
  children,
}: {
  reveal: SecretReveal | null;
  onClose: () => void;
  /** Where focus goes when the dialog closes (default: where it was before). */
  onCloseAutoFocus?: (event: Event) => void;
  children?: ReactNode;
}) {
  const [copied, setCopied] = useState(false);
  const [asking, setAsking] = useState(false);
  const markCopied = () => setCopied(true);
  const requestClose = () => (reveal && !copied ? setAsking(true) : onClose());
  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : requestClose())}>
      <DialogContent
        size={reveal ? 'wide' : 'md'}
        // Closing needs the question while the secret is shown: only the Close button closes it.
        hideCloseX={reveal !== null}
        // A manual copy (Ctrl+C on the secret or on something carrying it) counts as copied.
        onCopy={reveal ? markCopied : undefined}
        onCloseAutoFocus={onCloseAutoFocus}
      >
        {reveal ? (
          <>
            {reveal.content(markCopied)}
            <DialogFooter>
              <Button variant="primary" onClick={requestClose}>
                Close
              </Button>
            </DialogFooter>
            <ConfirmDialog
              open={asking}
              title={reveal.closeQuestion.title}
              description={reveal.closeQuestion.description}
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

/**
 * A secret on its own, read-only and kept away from password managers and spell checkers, with its
 * Copy button. When the clipboard refuses, the value is selected for a manual copy instead.
 * `announce` says (to screen readers, and on screen when it failed) how copying went.
 */
export function SecretField({
  label,
  secret,
  copyLabel,
  onCopied,
  announce,
}: {
  label: string;
  secret: string;
  /** The button's label before it has copied ("Copy key"); "Copied" after. */
  copyLabel: string;
  onCopied: () => void;
  announce?: { copied: string; failed: string };
}) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setState('copied');
      onCopied();
    } catch {
      // Clipboard refused (permissions): the field is selected for a manual copy instead.
      setState('failed');
      input.current?.select();
    }
  };
  const field = (
    <Field label={label} addon={<Button onClick={() => void copy()}>{state === 'copied' ? 'Copied' : copyLabel}</Button>}>
      <Input
        ref={input}
        className={styles.secretInput}
        readOnly
        value={secret}
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
  if (!announce) return field;
  return (
    <div className={styles.secret}>
      {field}
      <p role="status" className={state === 'failed' ? styles.failed : 'sr-only'}>
        {state === 'copied' ? announce.copied : state === 'failed' ? announce.failed : ''}
      </p>
    </div>
  );
}
