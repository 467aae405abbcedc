import { type FormEvent, useState } from 'react';
import type { CreatedToken, TokenScope } from '../../../../contract/tokens';
import { SecretField, SecretRevealDialog } from '../../../components/secret-reveal-dialog';
import { Button } from '../../../components/ui/button';
import { DialogClose, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field, FormError } from '../../../components/ui/field';
import { Input, NativeSelect } from '../../../components/ui/input';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { usePermissions } from '../../../lib/permissions';
import { useCreateToken } from '../api/mutations';
import { type ExpiryChoice, expiresAtFor, expiryChoices, scopeLabel } from '../model';
import styles from './tokens.module.css';
import { UsageExample } from './usage-example';

/**
 * New API token: name, scope and expiry, then its secret, once, in the same dialog (the house's
 * SecretRevealDialog). The secret lives only in this component's state (the mutation is reset at
 * once); closing unmounts it.
 */
export function NewTokenDialog({ onClose }: { onClose: () => void }) {
  const { role } = usePermissions();
  const create = useCreateToken();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [scope, setScope] = useState<TokenScope>('read');
  const [expiry, setExpiry] = useState<ExpiryChoice>('30');
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    // The server checks every rule of the name (400 with a field error); only emptiness is caught here.
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
          // 409: you already have a token of that name; the server's detail says so.
          else if (error instanceof ApiError && error.status === 409) setNameError(errorMessage(error));
          else setFormError(errorMessage(error));
        },
      },
    );
  };

  return (
    <SecretRevealDialog
      reveal={
        created && {
          content: (markCopied) => (
            <>
              <DialogHeader>
                <DialogTitle>New API token: copy its secret</DialogTitle>
                <DialogDescription>
                  {created.token.name} ({scopeLabel[created.token.scope].toLowerCase()}) is ready. Its secret is shown this once:
                  keep it in your secret store or an environment variable.
                </DialogDescription>
              </DialogHeader>
              <SecretField
                label="Token secret"
                secret={created.secret}
                copyLabel="Copy token"
                onCopied={markCopied}
                announce={{ copied: 'Token copied', failed: 'Copying failed: the secret is selected, copy it by hand.' }}
              />
              <p className={styles.warning} role="note">
                <strong>Copy it now:</strong> this secret will not be shown again. If it is lost, revoke the token and make another.
              </p>
              <UsageExample headingLevel={3} />
            </>
          ),
          closeQuestion: {
            title: 'Close without copying the token?',
            description: `The secret of ${created.token.name} will not be shown again. Without it the token is of no use: revoke it and make another.`,
          },
        }
      }
      onClose={onClose}
    >
      <form className={styles.form} onSubmit={submit} noValidate>
        <DialogHeader>
          <DialogTitle>New API token</DialogTitle>
          <DialogDescription>A token lets a script call Paddock's API as you, with no more than your role allows.</DialogDescription>
        </DialogHeader>
        {formError ? <FormError>{formError}</FormError> : null}
        <Field
          label="Name"
          description='What uses it, e.g. "terraform-ci". Up to 64 letters A–Z, digits, spaces, ".", "_" or "-".'
          error={nameError}
        >
          <Input name="name" autoComplete="off" required autoFocus />
        </Field>
        <fieldset className={styles.fieldset}>
          <legend className={styles.legend}>Scope</legend>
          <Field
            label={scopeLabel.read}
            description="Looks at runner groups, instances, updates and activity; changes nothing."
            orientation="horizontal"
            labelClassName={styles.radioLabel}
          >
            <input className={styles.radio} type="radio" name="scope" value="read" checked={scope === 'read'} onChange={() => setScope('read')} />
          </Field>
          <Field
            label={scopeLabel.write}
            description={
              role === 'admin'
                ? 'Does what an admin does in the console, except manage tokens and users.'
                : 'A token does no more than your role: as a viewer you can make read tokens only.'
            }
            orientation="horizontal"
            labelClassName={styles.radioLabel}
          >
            <input
              className={styles.radio}
              type="radio"
              name="scope"
              value="write"
              checked={scope === 'write'}
              disabled={role !== 'admin'}
              onChange={() => setScope('write')}
            />
          </Field>
        </fieldset>
        <Field label="Expires">
          <NativeSelect className={styles.expiry} value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
            {expiryChoices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label === 'Never' ? 'Never' : `In ${c.label}`}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <DialogFooter>
          <DialogClose asChild>
            <Button>Cancel</Button>
          </DialogClose>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create token'}
          </Button>
        </DialogFooter>
      </form>
    </SecretRevealDialog>
  );
}
