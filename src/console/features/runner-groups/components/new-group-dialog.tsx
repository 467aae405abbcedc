import { type FormEvent, useId, useState } from 'react';
import type { GroupWithKey } from '../../../../contract/schemas';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { Button } from '../../../components/ui/button';
import { Checkbox } from '../../../components/ui/checkbox';
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { FieldError, Input } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import { useCreateGroup, withoutKey } from '../api/mutations';
import styles from './dialogs.module.css';
import { InstallStep, type RenderInstallView } from './install-step';

/**
 * New Runner Group: Name and Default, then the one-time install view. The key lives only in this
 * component's state; closing unmounts it.
 */
export function NewGroupDialog({
  onClose,
  renderInstallView,
  firstGroup = false,
  onCloseAutoFocus,
}: {
  onClose: () => void;
  /** Where focus goes when the dialog closes (default: where it was before). */
  onCloseAutoFocus?: (event: Event) => void;
  renderInstallView: RenderInstallView;
  firstGroup?: boolean;
}) {
  const id = useId();
  const create = useCreateGroup();
  const [created, setCreated] = useState<GroupWithKey | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [isDefault, setIsDefault] = useState(firstGroup);

  const requestClose = () => {
    if (created && !copied) setConfirmClose(true);
    else onClose();
  };

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
      { name, isDefault },
      {
        onSuccess: (result) => {
          setCreated(result);
          // The key stays in this dialog's state only, never in the mutation cache.
          create.reset();
        },
        onError: (error) => {
          const field = error instanceof ApiError ? error.fieldErrors.name : undefined;
          if (field) setNameError(`Name ${field}.`);
          // 409: the name is taken; the server's detail says so.
          else if (error instanceof ApiError && error.status === 409) setNameError(errorMessage(error));
          else setFormError(errorMessage(error));
        },
      },
    );
  };

  return (
    <Dialog open onOpenChange={(open) => (open ? undefined : requestClose())}>
      <DialogContent
        size={created ? 'wide' : 'md'}
        hideCloseX={created !== null}
        onCopy={created ? () => setCopied(true) : undefined}
        onCloseAutoFocus={onCloseAutoFocus}
      >
        {created ? (
          <InstallStep
            group={withoutKey(created)}
            registrationKey={created.registrationKey}
            // Still "New Runner Group" by name: the dialog turns into the install view, it is not another one.
            title={`New Runner Group: install runners for ${created.name}`}
            renderInstallView={renderInstallView}
            onCopied={() => setCopied(true)}
            onRequestClose={requestClose}
            confirmOpen={confirmClose}
            onGoBack={() => setConfirmClose(false)}
            onCloseAnyway={onClose}
          />
        ) : (
          <form className={styles.form} onSubmit={submit} noValidate>
            <DialogHeader>
              <DialogTitle>New Runner Group</DialogTitle>
              <DialogDescription>
                A runner group is a pool of runners installed in one place, sharing a registration key and a version.
              </DialogDescription>
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
                  Up to 64 characters: letters A–Z, digits, spaces, ".", "_" or "-".
                </p>
              )}
            </div>
            <div className={styles.checkboxRow}>
              <Checkbox
                id={`${id}-default`}
                checked={isDefault}
                onCheckedChange={(v) => setIsDefault(v === true)}
                aria-describedby={`${id}-default-hint`}
              />
              <div>
                <Label htmlFor={`${id}-default`}>Default</Label>
                <p id={`${id}-default-hint`} className={styles.hint}>
                  New work goes to the default group when no group is named.
                </p>
              </div>
            </div>
            <DialogFooter>
              <DialogClose asChild>
                <Button>Cancel</Button>
              </DialogClose>
              <Button type="submit" variant="primary" disabled={create.isPending}>
                {create.isPending ? 'Creating…' : 'Create'}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
