import { type RefObject, useState } from 'react';
import type { NotificationChannel } from '../../../../contract/notifications';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '../../../components/ui/dialog';
import { FormError } from '../../../components/ui/field';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { useCreateChannel, usePatchChannel } from '../api/mutations';
import { formFieldErrors } from '../model';
import { ChannelFields, CopyButton, createBody, initialValues, patchBody } from './channel-form';
import styles from './notifications-page.module.css';

/**
 * New channel (no `channel`) or Edit channel. After creating a webhook the dialog shows its signing
 * secret once; closing the dialog drops it from memory (it never enters the query cache).
 */
export function ChannelDialog({
  open,
  onOpenChange,
  channel,
  groups,
  returnFocus,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  channel?: NotificationChannel;
  groups: ReadonlyArray<{ id: string; name: string }>;
  /** The button that opened it: focus goes back there on close (it is not a Radix trigger). */
  returnFocus?: RefObject<HTMLButtonElement | null>;
}) {
  const [values, setValues] = useState(() => initialValues(channel));
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useCreateChannel(setSecret);
  const patch = usePatchChannel();
  const mutation = channel ? patch : create;
  const fieldErrors = mutation.error instanceof ApiError ? formFieldErrors(mutation.error.fieldErrors) : {};
  const generalError = mutation.error && Object.keys(fieldErrors).length === 0 ? errorMessage(mutation.error) : null;

  const close = () => {
    setSecret(null);
    onOpenChange(false);
  };

  const submit = () => {
    if (channel) {
      patch.mutate({ id: channel.id, ...patchBody(values) }, { onSuccess: close });
    } else {
      create.mutate(createBody(values), {
        onSuccess: () => {
          if (values.type !== 'webhook') close();
        },
      });
    }
  };

  return (
    <Dialog open={open} onOpenChange={(o) => (o ? onOpenChange(true) : close())}>
      <DialogContent
        size="wide"
        aria-describedby={undefined}
        onCloseAutoFocus={(e) => {
          e.preventDefault();
          returnFocus?.current?.focus();
        }}
      >
        {secret ? (
          <>
            <DialogHeader>
              <DialogTitle>Signing secret of {values.name}</DialogTitle>
              <DialogDescription>
                Your receiver checks each request's webhook-signature with this secret (Standard Webhooks). It will not be shown again.
              </DialogDescription>
            </DialogHeader>
            <div className={styles.secretRow}>
              <code className={styles.secret} aria-label="Signing secret">
                {secret}
              </code>
              <CopyButton text={secret} onCopied={() => setCopied(true)} />
            </div>
            <p className={styles.hint} role="status">
              {copied ? 'Copied. Keep it in your receiver’s configuration.' : 'Copy it now: after you close this dialog it is gone.'}
            </p>
            <DialogFooter>
              <Button variant="primary" onClick={close}>
                Done
              </Button>
            </DialogFooter>
          </>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
            noValidate
          >
            <DialogHeader>
              <DialogTitle>{channel ? `Edit ${channel.name}` : 'New channel'}</DialogTitle>
            </DialogHeader>
            <ChannelFields
              values={values}
              onChange={(v) => {
                setValues(v);
                if (mutation.isError) mutation.reset();
              }}
              errors={fieldErrors}
              groups={groups}
              editing={channel !== undefined}
              slackUrlSet={channel?.type === 'slack' ? channel.url : null}
            />
            {generalError ? <FormError>{generalError}</FormError> : null}
            <DialogFooter>
              <Button onClick={close}>Cancel</Button>
              <Button type="submit" variant="primary" disabled={mutation.isPending}>
                {mutation.isPending ? 'Saving…' : channel ? 'Save' : 'Create channel'}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
