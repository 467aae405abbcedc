import { useId, useState } from 'react';
import { defaultCauses, notificationEventTypes } from '../../../../contract/notification-events';
import type { ChannelType, CreateChannelBody, NotificationChannel, NotificationEventType, PatchChannelBody } from '../../../../contract/notifications';
import type { TerminationCause } from '../../../../contract/schemas';
import { Button } from '../../../components/ui/button';
import { Checkbox } from '../../../components/ui/checkbox';
import { Field } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import { causeOptions, eventOptions, parseRecipients, typeLabel } from '../model';
import styles from './notifications-page.module.css';

export interface ChannelFormValues {
  type: ChannelType;
  name: string;
  url: string;
  to: string;
  events: NotificationEventType[];
  allGroups: boolean;
  groupIds: string[];
  causes: TerminationCause[];
  enabled: boolean;
}

export function initialValues(channel?: NotificationChannel): ChannelFormValues {
  return {
    type: channel?.type ?? 'webhook',
    name: channel?.name ?? '',
    // A Slack address comes back with its secret part hidden: editing starts from blank ("keep it").
    url: channel && channel.type === 'webhook' ? (channel.url ?? '') : '',
    to: (channel?.to ?? []).join(', '),
    events: channel?.events ?? [...notificationEventTypes],
    allGroups: channel ? channel.groupIds === null : true,
    groupIds: channel?.groupIds ?? [],
    causes: channel?.causes ?? defaultCauses(),
    enabled: channel?.enabled ?? true,
  };
}

/** The body of a create, from the form. */
export function createBody(v: ChannelFormValues): CreateChannelBody {
  const common = {
    name: v.name,
    events: v.events,
    groupIds: v.allGroups ? null : v.groupIds,
    causes: v.causes,
    enabled: v.enabled,
  };
  return v.type === 'email' ? { type: 'email', to: parseRecipients(v.to), ...common } : { type: v.type, url: v.url, ...common };
}

/** The body of an edit: only what the form can change; a blank Slack address keeps the stored one. */
export function patchBody(v: ChannelFormValues): PatchChannelBody {
  const body: PatchChannelBody = {
    name: v.name,
    events: v.events,
    groupIds: v.allGroups ? null : v.groupIds,
    causes: v.causes,
    enabled: v.enabled,
  };
  if (v.type === 'email') body.to = parseRecipients(v.to);
  else if (v.url.trim() !== '') body.url = v.url;
  return body;
}

const urlHint: Record<Exclude<ChannelType, 'email'>, string> = {
  webhook: 'Paddock POSTs JSON signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).',
  slack: 'A Slack incoming-webhook address, https://hooks.slack.com/services/…',
};

/**
 * The fields of a channel: type (on creation), name, where it sends, which events, groups and causes,
 * and whether it is on. Errors come from the server's 400 by field.
 */
export function ChannelFields({
  values,
  onChange,
  errors,
  groups,
  editing,
  slackUrlSet,
}: {
  values: ChannelFormValues;
  onChange: (v: ChannelFormValues) => void;
  errors: Record<string, string>;
  groups: ReadonlyArray<{ id: string; name: string }>;
  editing: boolean;
  slackUrlSet?: string | null;
}) {
  const id = useId();
  const set = (patch: Partial<ChannelFormValues>) => onChange({ ...values, ...patch });
  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));
  // A fieldset's rule (type, events, causes, groups) is said under it and read with it.
  const groupError = (field: string) =>
    errors[field] ? (
      <p id={`${id}-${field}-error`} className={styles.formError}>
        {errors[field]}
      </p>
    ) : null;
  const groupDescribedBy = (field: string) => (errors[field] ? `${id}-${field}-error` : undefined);

  return (
    <div className={styles.formFields}>
      {editing ? null : (
        <fieldset className={styles.fieldset} aria-describedby={groupDescribedBy('type')}>
          <legend className={styles.legend}>Type</legend>
          <div className={styles.choices}>
            {(['webhook', 'slack', 'email'] as const).map((t) => (
              <label key={t} className={styles.choice}>
                <input type="radio" name={`${id}-type`} value={t} checked={values.type === t} onChange={() => set({ type: t })} />
                {typeLabel[t]}
              </label>
            ))}
          </div>
          {groupError('type')}
        </fieldset>
      )}
      <Field label="Name" error={errors.name}>
        <Input value={values.name} onChange={(e) => set({ name: e.target.value })} autoComplete="off" maxLength={64} />
      </Field>
      {values.type === 'email' ? (
        <Field label="Recipients" error={errors.to} description="Separated by commas. Sent through the control plane's SMTP server (PADDOCK_SMTP_URL).">
          <Input value={values.to} onChange={(e) => set({ to: e.target.value })} placeholder="ops@example.com, oncall@example.com" autoComplete="off" />
        </Field>
      ) : (
        <Field
          label={values.type === 'slack' ? 'Slack webhook URL' : 'URL'}
          error={errors.url}
          description={`${editing && values.type === 'slack' ? 'Leave blank to keep the current address. ' : ''}${urlHint[values.type]}`}
        >
          <Input
            type="url"
            value={values.url}
            onChange={(e) => set({ url: e.target.value })}
            placeholder={editing && values.type === 'slack' ? (slackUrlSet ?? '') : 'https://'}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
      )}
      <fieldset className={styles.fieldset} aria-describedby={groupDescribedBy('events')}>
        <legend className={styles.legend}>Events</legend>
        <div className={styles.checks}>
          {eventOptions.map((o) => (
            <Field key={o.type} label={o.label} orientation="horizontal" className={styles.check}>
              <Checkbox checked={values.events.includes(o.type)} onCheckedChange={(on) => set({ events: toggle(values.events, o.type, on === true) })} />
            </Field>
          ))}
        </div>
        {groupError('events')}
      </fieldset>
      {values.events.includes('instance.ended') ? (
        <fieldset className={styles.fieldset} aria-describedby={[`${id}-causes-hint`, groupDescribedBy('causes')].filter(Boolean).join(' ')}>
          <legend className={styles.legend}>Instance ended: causes</legend>
          <p id={`${id}-causes-hint`} className={styles.hint}>
            Completed, SIGTERM and Replaced by update are expected ends; they are off unless you choose them.
          </p>
          <div className={styles.checks}>
            {causeOptions.map((o) => (
              <Field key={o.cause} label={o.label} orientation="horizontal" className={styles.check}>
                <Checkbox checked={values.causes.includes(o.cause)} onCheckedChange={(on) => set({ causes: toggle(values.causes, o.cause, on === true) })} />
              </Field>
            ))}
          </div>
          {groupError('causes')}
        </fieldset>
      ) : null}
      <fieldset className={styles.fieldset} aria-describedby={groupDescribedBy('groupIds')}>
        <legend className={styles.legend}>Groups</legend>
        <Field label="All groups, including new ones" orientation="horizontal" className={styles.check}>
          <Checkbox checked={values.allGroups} onCheckedChange={(on) => set({ allGroups: on === true })} />
        </Field>
        {values.allGroups ? null : groups.length === 0 ? (
          <p className={styles.hint}>There are no runner groups yet.</p>
        ) : (
          <div className={styles.checks}>
            {groups.map((g) => (
              <Field key={g.id} label={g.name} orientation="horizontal" className={styles.check} labelClassName={styles.breakAnywhere}>
                <Checkbox checked={values.groupIds.includes(g.id)} onCheckedChange={(on) => set({ groupIds: toggle(values.groupIds, g.id, on === true) })} />
              </Field>
            ))}
          </div>
        )}
        {groupError('groupIds')}
      </fieldset>
      <Field label="Enabled" orientation="horizontal" className={styles.check}>
        <Checkbox checked={values.enabled} onCheckedChange={(on) => set({ enabled: on === true })} />
      </Field>
    </div>
  );
}

/** A copy button for the secret; says when it copied. */
export function CopyButton({ text, onCopied }: { text: string; onCopied: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="sm"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          onCopied();
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : 'Copy secret'}
    </Button>
  );
}
