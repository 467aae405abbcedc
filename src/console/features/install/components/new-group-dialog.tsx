import { type FormEvent, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Checkbox } from '../../../components/ui/checkbox';
import { DialogClose, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { Field, FormError } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { type IssuedKey, useCreateGroup } from '../api/mutations';
import { KeyRevealDialog } from './key-reveal-dialog';
import styles from './new-group-dialog.module.css';

/**
 * New Runner Group: Name and Default, then the one-time install view in the same dialog. The key
 * lives only in this component's state; closing unmounts it.
 */
export function NewGroupDialog({
  onClose,
  firstGroup = false,
  onCloseAutoFocus,
}: {
  onClose: () => void;
  /** Where focus goes when the dialog closes (default: where it was before). */
  onCloseAutoFocus?: (event: Event) => void;
  firstGroup?: boolean;
}) {
  const create = useCreateGroup();
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [isDefault, setIsDefault] = useState(firstGroup);
  // The server makes the first group the default whatever the box says: the dialog says so beforehand.
  const willBeDefault = firstGroup || isDefault;

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
      { name, isDefault: willBeDefault },
      {
        onSuccess: (result) => {
          setIssued(result);
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
    <KeyRevealDialog
      issued={issued}
      // Still "New Runner Group" by name: the dialog turns into the install view, it is not another one.
      title={(group) => `New Runner Group: install runners for ${group.name}`}
      onClose={onClose}
      onCloseAutoFocus={onCloseAutoFocus}
    >
      <form className={styles.form} onSubmit={submit} noValidate>
        <DialogHeader>
          <DialogTitle>New Runner Group</DialogTitle>
          <DialogDescription>
            A runner group is a pool of runners installed in one place, sharing a registration key and a version.
          </DialogDescription>
        </DialogHeader>
        {formError ? <FormError>{formError}</FormError> : null}
        <Field label="Name" description='Up to 64 characters: letters A–Z, digits, spaces, ".", "_" or "-".' error={nameError}>
          <Input
            name="name"
            autoComplete="off"
            required
            autoFocus
            // A field's error clears as soon as it no longer holds; the server's errors clear on the next edit.
            onChange={() => {
              if (nameError) setNameError(null);
            }}
          />
        </Field>
        <Field
          label="Default"
          description={
            firstGroup
              ? 'The first runner group is always the default: new work goes to it when no group is named.'
              : 'New work goes to the default group when no group is named.'
          }
          orientation="horizontal"
        >
          <Checkbox checked={willBeDefault} disabled={firstGroup} onCheckedChange={(v) => setIsDefault(v === true)} />
        </Field>
        <DialogFooter>
          <DialogClose asChild>
            <Button>Cancel</Button>
          </DialogClose>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create'}
          </Button>
        </DialogFooter>
      </form>
    </KeyRevealDialog>
  );
}
