import { type FormEvent, useId, useState } from 'react';
import type { CreatedToken, TokenScope } from '../../../../contract/tokens';
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
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { FieldError, Input, NativeSelect } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { usePermissions } from '../../../lib/permissions';
import { useCreateToken } from '../api/mutations';
import { type ExpiryChoice, expiresAtFor, expiryChoices, scopeLabel } from '../model';
import styles from './tokens.module.css';
import { UsageExample } from './usage-example';

/**
 * New API token: name, scope and expiry, then its secret, once. The secret lives only in this
 * component's state (the mutation is reset at once); closing unmounts it.
 */
export function NewTokenDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const { role } = usePermissions();
  const create = useCreateToken();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const [scope, setScope] = useState<TokenScope>('read');
  const [expiry, setExpiry] = useState<ExpiryChoice>('30');
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const requestClose = () => {
    if (created && !copied) setConfirmClose(true);
    else onClose();
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    if (name === '') {
      setNameError('Name must not be empty.');
      return;
    }
    setNameError(null);
    setFormError(null);
    create.mutate(
      { name, scope, expiresAt: expiresAtFor(expiry, Date.now()) },
      {
        onSuccess: (result) => {
          setCreated(result);
          // The secret stays in this dialog's state only, never in the mutation cache.
          create.reset();
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.fieldErrors.name : undefined;
          if (field) setNameError(`Name ${field}.`);
          else if (error instanceof ApiError && error.status === 409) setNameError(errorMessage(error));
          else setFormError(errorMessage(error));
        },
      },
    );
  };

  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : requestClose())}>
      <DialogContent size={created ? 'wide' : 'md'} hideCloseX={created !== null} onCopy={created ? () => setCopied(true) : undefined}>
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>New API token: copy its secret</DialogTitle>
              <DialogDescription>
                {created.token.name} ({scopeLabel[created.token.scope].toLowerCase()}) is ready. Its secret is shown this once: keep it
                in your secret store or an environment variable.
              </DialogDescription>
            </DialogHeader>
            <SecretField secret={created.secret} onCopied={() => setCopied(true)} />
            <p className={styles.warning} role="note">
              <strong>Copy it now:</strong> this secret will not be shown again. If it is lost, revoke the token and make another.
            </p>
            <UsageExample headingLevel={3} />
            <DialogFooter>
              <Button variant="primary" onClick={requestClose}>
                Close
              </Button>
            </DialogFooter>
            <AlertDialog open={confirmClose} onOpenChange={(open) => (open ? undefined : setConfirmClose(false))}>
              <AlertDialogContent>
                <AlertDialogHeader>
                  <AlertDialogTitle>Close without copying the token?</AlertDialogTitle>
                  <AlertDialogDescription>
                    The secret of {created.token.name} will not be shown again. Without it the token is of no use: revoke it and make
                    another.
                  </AlertDialogDescription>
                </AlertDialogHeader>
                <AlertDialogFooter>
                  <AlertDialogCancel>Go back</AlertDialogCancel>
                  <AlertDialogAction variant="danger" onClick={onClose}>
                    Close anyway
                  </AlertDialogAction>
                </AlertDialogFooter>
              </AlertDialogContent>
            </AlertDialog>
          </>
        ) : (
          <form className={styles.form} onSubmit={submit} noValidate>
            <DialogHeader>
              <DialogTitle>New API token</DialogTitle>
              <DialogDescription>A token lets a script call Paddock's API as you, with no more than your role allows.</DialogDescription>
            </DialogHeader>
            {formError ? (
              <p role="alert" className={styles.error}>
                {formError}
              </p>
            ) : null}
            <div className={styles.field}>
              <Label htmlFor={`${id}-name`}>Name</Label>
              <Input
                id={`${id}-name`}
                name="name"
                autoComplete="off"
                required
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? `${id}-name-error` : `${id}-name-hint`}
                autoFocus
              />
              {nameError ? (
                <FieldError id={`${id}-name-error`}>{nameError}</FieldError>
              ) : (
                <p id={`${id}-name-hint`} className={styles.hint}>
                  What uses it, e.g. "terraform-ci". Up to 64 letters A–Z, digits, spaces, ".", "_" or "-".
                </p>
              )}
            </div>
            <fieldset className={styles.fieldset}>
              <legend className={styles.legend}>Scope</legend>
              <div className={styles.radio}>
                <input
                  id={`${id}-read`}
                  type="radio"
                  name="scope"
                  value="read"
                  checked={scope === 'read'}
                  aria-describedby={`${id}-read-hint`}
                  onChange={() => setScope('read')}
                />
                <div>
                  <label htmlFor={`${id}-read`}>{scopeLabel.read}</label>
                  <p id={`${id}-read-hint`} className={styles.hint}>
                    Looks at runner groups, instances, updates and activity; changes nothing.
                  </p>
                </div>
              </div>
              <div className={styles.radio}>
                <input
                  id={`${id}-write`}
                  type="radio"
                  name="scope"
                  value="write"
                  checked={scope === 'write'}
                  disabled={role !== 'admin'}
                  aria-describedby={`${id}-write-hint`}
                  onChange={() => setScope('write')}
                />
                <div>
                  <label htmlFor={`${id}-write`}>{scopeLabel.write}</label>
                  <p id={`${id}-write-hint`} className={styles.hint}>
                    {role === 'admin'
                      ? 'Does what an admin does in the console, except manage tokens and users.'
                      : 'A token does no more than your role: as a viewer you can make read tokens only.'}
                  </p>
                </div>
              </div>
            </fieldset>
            <div className={styles.field}>
              <Label htmlFor={`${id}-expiry`}>Expires</Label>
              <NativeSelect id={`${id}-expiry`} className={styles.expiry} value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
                {expiryChoices.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label === 'Never' ? 'Never' : `In ${c.label}`}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <DialogFooter>
              <DialogClose asChild>
                <Button>Cancel</Button>
              </DialogClose>
              <Button type="submit" variant="primary" disabled={create.isPending}>
                {create.isPending ? 'Creating…' : 'Create token'}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** The secret on its own, read-only and kept away from password managers and spell checkers. */
function SecretField({ secret, onCopied }: { secret: string; onCopied: () => void }) {
  const id = useId();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setState('copied');
      onCopied();
    } catch {
      // Clipboard refused (permissions): the field is selected for a manual copy instead.
      setState('failed');
      (document.getElementById(`${id}-secret`) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div className={styles.field}>
      <Label htmlFor={`${id}-secret`}>Token secret</Label>
      <div className={styles.secretRow}>
        <Input
          id={`${id}-secret`}
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
        <Button onClick={() => void copy()}>{state === 'copied' ? 'Copied' : 'Copy token'}</Button>
      </div>
      <p role="status" className={state === 'failed' ? styles.error : 'sr-only'}>
        {state === 'copied' ? 'Token copied' : state === 'failed' ? 'Copying failed: the secret is selected, copy it by hand.' : ''}
      </p>
    </div>
  );
}
