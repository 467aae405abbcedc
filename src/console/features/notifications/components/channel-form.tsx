import { useId, useState } from 'react';
import { defaultCauses, notificationEventTypes } from '../../../../contract/notification-events';
import type { ChannelType, CreateChannelBody, NotificationChannel, NotificationEventType, PatchChannelBody } from '../../../../contract/notifications';
import type { TerminationCause } from '../../../../contract/schemas';
import { Button } from '../../../components/ui/button';
import { Checkbox } from '../../../components/ui/checkbox';
import { FieldError, Input } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
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
  const describedBy = (field: string, hint?: string) => [errors[field] ? `${id}-${field}-error` : '', hint ?? ''].filter(Boolean).join(' ') || undefined;
  const error = (field: string) =>
    errors[field] ? (
      <FieldError id={`${id}-${field}-error`}>{errors[field]}</FieldError>
    ) : null;
  const [typeHintId] = useState(() => `${id}-type-hint`);

  return (
    <div className={styles.formFields}>
      {editing ? null : (
        <fieldset className={styles.fieldset} aria-describedby={describedBy('type')}>
          <legend className={styles.legend}>Type</legend>
          <div className={styles.choices} role="radiogroup" aria-label="Type">
            {(['webhook', 'slack', 'email'] as const).map((t) => (
              <label key={t} className={styles.choice}>
                <input type="radio" name={`${id}-type`} value={t} checked={values.type === t} onChange={() => set({ type: t })} />
                {typeLabel[t]}
              </label>
            ))}
          </div>
          {error('type')}
        </fieldset>
      )}
      <div className={styles.field}>
        <Label htmlFor={`${id}-name`}>Name</Label>
        <Input
          id={`${id}-name`}
          value={values.name}
          onChange={(e) => set({ name: e.target.value })}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={describedBy('name')}
          autoComplete="off"
          maxLength={64}
        />
        {error('name')}
      </div>
      {values.type === 'email' ? (
        <div className={styles.field}>
          <Label htmlFor={`${id}-to`}>Recipients</Label>
          <Input
            id={`${id}-to`}
            value={values.to}
            onChange={(e) => set({ to: e.target.value })}
            aria-invalid={errors.to ? true : undefined}
            aria-describedby={describedBy('to', `${id}-to-hint`)}
            placeholder="ops@example.com, oncall@example.com"
            autoComplete="off"
          />
          <p id={`${id}-to-hint`} className={styles.hint}>
            Separated by commas. Sent through the control plane's SMTP server (PADDOCK_SMTP_URL).
          </p>
          {error('to')}
        </div>
      ) : (
        <div className={styles.field}>
          <Label htmlFor={`${id}-url`}>{values.type === 'slack' ? 'Slack webhook URL' : 'URL'}</Label>
          <Input
            id={`${id}-url`}
            type="url"
            value={values.url}
            onChange={(e) => set({ url: e.target.value })}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={describedBy('url', typeHintId)}
            placeholder={editing && values.type === 'slack' ? (slackUrlSet ?? '') : 'https://'}
            autoComplete="off"
            spellCheck={false}
          />
          <p id={typeHintId} className={styles.hint}>
            {editing && values.type === 'slack' ? 'Leave blank to keep the current address. ' : ''}
            {urlHint[values.type]}
          </p>
          {error('url')}
        </div>
      )}
      <fieldset className={styles.fieldset} aria-describedby={describedBy('events')}>
        <legend className={styles.legend}>Events</legend>
        <div className={styles.checks}>
          {eventOptions.map((o) => (
            <div key={o.type} className={styles.check}>
              <Checkbox
                id={`${id}-ev-${o.type}`}
                checked={values.events.includes(o.type)}
                onCheckedChange={(on) => set({ events: toggle(values.events, o.type, on === true) })}
              />
              <Label htmlFor={`${id}-ev-${o.type}`}>{o.label}</Label>
            </div>
          ))}
        </div>
        {error('events')}
      </fieldset>
      {values.events.includes('instance.ended') ? (
        <fieldset className={styles.fieldset} aria-describedby={describedBy('causes', `${id}-causes-hint`)}>
          <legend className={styles.legend}>Instance ended: causes</legend>
          <p id={`${id}-causes-hint`} className={styles.hint}>
            Completed, SIGTERM and Replaced by update are expected ends; they are off unless you choose them.
          </p>
          <div className={styles.checks}>
            {causeOptions.map((o) => (
              <div key={o.cause} className={styles.check}>
                <Checkbox
                  id={`${id}-cause-${o.cause}`}
                  checked={values.causes.includes(o.cause)}
                  onCheckedChange={(on) => set({ causes: toggle(values.causes, o.cause, on === true) })}
                />
                <Label htmlFor={`${id}-cause-${o.cause}`}>{o.label}</Label>
              </div>
            ))}
          </div>
          {error('causes')}
        </fieldset>
      ) : null}
      <fieldset className={styles.fieldset} aria-describedby={describedBy('groupIds')}>
        <legend className={styles.legend}>Groups</legend>
        <div className={styles.check}>
          <Checkbox id={`${id}-all-groups`} checked={values.allGroups} onCheckedChange={(on) => set({ allGroups: on === true })} />
          <Label htmlFor={`${id}-all-groups`}>All groups, including new ones</Label>
        </div>
        {values.allGroups ? null : groups.length === 0 ? (
          <p className={styles.hint}>There are no runner groups yet.</p>
        ) : (
          <div className={styles.checks}>
            {groups.map((g) => (
              <div key={g.id} className={styles.check}>
                <Checkbox
                  id={`${id}-g-${g.id}`}
                  checked={values.groupIds.includes(g.id)}
                  onCheckedChange={(on) => set({ groupIds: toggle(values.groupIds, g.id, on === true) })}
                />
                <Label htmlFor={`${id}-g-${g.id}`} className={styles.breakAnywhere}>
                  {g.name}
                </Label>
              </div>
            ))}
          </div>
        )}
        {error('groupIds')}
      </fieldset>
      <div className={styles.check}>
        <Checkbox id={`${id}-enabled`} checked={values.enabled} onCheckedChange={(on) => set({ enabled: on === true })} />
        <Label htmlFor={`${id}-enabled`}>Enabled</Label>
      </div>
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
