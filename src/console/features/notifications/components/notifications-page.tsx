import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { eventTypeLabel } from '../../../../contract/notification-events';
import type { NotificationChannel } from '../../../../contract/notifications';
import { LoadingState, StateBox } from '../../../components/page-state';
import { StatusDot } from '../../../components/status-dot';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { errorMessage } from '../../../lib/api-client';
import { cn } from '../../../lib/cn';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { usePermissions } from '../../../lib/permissions';
import { useDeleteChannel, useTestChannel } from '../api/mutations';
import { channelsQuery, deliveriesQuery } from '../api/queries';
import { attemptDetail, attemptStatus, describeEvents, describeGroups, describeTarget, formatUntil, typeLabel } from '../model';
import { ChannelDialog } from './channel-dialog';
import styles from './notifications-page.module.css';

const adminReason = 'Only admins can change notification channels.';

/**
 * The Notifications page (PRODUCT.md §12): channels with their last delivery, Send test, the delivery
 * log; admins create, edit and delete. `groups` are the runner groups that exist (for the group filter).
 */
export function NotificationsPage({ groups }: { groups: ReadonlyArray<{ id: string; name: string }> }) {
  const { canWrite } = usePermissions();
  const channels = useQuery(channelsQuery());
  const [creating, setCreating] = useState(false);
  const [dialogKey, setDialogKey] = useState(0);
  const newRef = useRef<HTMLButtonElement>(null);
  const newButton = (
    <Button
      ref={newRef}
      variant="primary"
      disabled={!canWrite}
      aria-describedby={canWrite ? undefined : 'notifications-readonly'}
      onClick={() => {
        setDialogKey((k) => k + 1);
        setCreating(true);
      }}
    >
      New channel
    </Button>
  );

  return (
    <>
      <div className={styles.header}>
        <h1 className={styles.title}>Notifications</h1>
        {newButton}
      </div>
      <p className={styles.lead}>
        Tell a webhook, Slack or e-mail when a group goes down, is degraded or recovers, when an update succeeds or rolls back, and
        when a runner ends badly.
      </p>
      {canWrite ? null : (
        <p id="notifications-readonly" className={styles.hint}>
          {adminReason}
        </p>
      )}
      {channels.isPending ? (
        <LoadingState label="Loading notification channels…" />
      ) : channels.isError && !channels.data ? (
        <StateBox tone="error" title="Notification channels could not be loaded" action={<Button onClick={() => void channels.refetch()}>Try again</Button>}>
          {errorMessage(channels.error)}
        </StateBox>
      ) : channels.data.length === 0 ? (
        <StateBox title="No notification channels yet">
          A channel is where Paddock sends alerts: a webhook (signed), a Slack incoming webhook or e-mail. {canWrite ? 'Create one with New channel.' : adminReason}
        </StateBox>
      ) : (
        <ul className={styles.list} aria-label="Notification channels">
          {channels.data.map((c) => (
            <li key={c.id}>
              <ChannelCard channel={c} groups={groups} canWrite={canWrite} />
            </li>
          ))}
        </ul>
      )}
      {creating ? <ChannelDialog key={dialogKey} open={creating} onOpenChange={setCreating} groups={groups} returnFocus={newRef} /> : null}
    </>
  );
}

function ChannelCard({
  channel: c,
  groups,
  canWrite,
}: {
  channel: NotificationChannel;
  groups: ReadonlyArray<{ id: string; name: string }>;
  canWrite: boolean;
}) {
  const id = useId();
  const [showLog, setShowLog] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const test = useTestChannel();
  const remove = useDeleteChannel();
  const last = c.lastDelivery;
  const lastStatus = last ? attemptStatus(last) : null;
  const testResult = test.data ? attemptStatus(test.data) : null;

  return (
    <section
      className={cn(styles.card, lastStatus && lastStatus.tone !== 'green' && styles.failing, !c.enabled && styles.off)}
      aria-labelledby={`${id}-name`}
    >
      <div className={styles.cardHead}>
        <h2 id={`${id}-name`} className={styles.cardTitle}>
          {c.name}
        </h2>
        <Badge>{typeLabel[c.type]}</Badge>
        {c.enabled ? <Badge tone="success">Enabled</Badge> : <Badge tone="warning">Disabled</Badge>}
      </div>
      {c.disabledReason ? (
        <p className={styles.disabledReason} role="note">
          Disabled by Paddock: {c.disabledReason}. Check the receiver, then enable the channel again.
        </p>
      ) : null}
      <dl className={styles.facts}>
        <dt>{c.type === 'email' ? 'Recipients' : 'URL'}</dt>
        <dd className={styles.breakAnywhere}>{describeTarget(c)}</dd>
        <dt>Events</dt>
        <dd>{describeEvents(c.events)}</dd>
        <dt>Groups</dt>
        <dd className={styles.breakAnywhere}>{describeGroups(c.groupIds, groups)}</dd>
        <dt>Last delivery</dt>
        <dd>
          {last && lastStatus ? (
            <span className={styles.lastDelivery}>
              <StatusDot tone={lastStatus.tone} label={lastStatus.label} />
              <span className={styles.muted}>
                {eventTypeLabel[last.eventType]} · {attemptDetail(last, c.type)} · {last.latencyMs} ms ·{' '}
                <time dateTime={last.at} title={last.at}>
                  {formatRelative(last.at)}
                </time>
              </span>
            </span>
          ) : (
            <span className={styles.muted}>Nothing sent yet</span>
          )}
        </dd>
      </dl>
      <div className={styles.actions}>
        <Button disabled={!canWrite || test.isPending} onClick={() => test.mutate(c.id)} aria-describedby={canWrite ? undefined : 'notifications-readonly'}>
          {test.isPending ? 'Sending…' : 'Send test'}
        </Button>
        <Button aria-expanded={showLog} aria-controls={`${id}-log`} onClick={() => setShowLog((s) => !s)}>
          {showLog ? 'Hide delivery log' : 'Delivery log'}
        </Button>
        <Button ref={editRef} disabled={!canWrite} onClick={() => setEditing(true)} aria-label={`Edit ${c.name}`}>
          Edit
        </Button>
        <Button ref={deleteRef} disabled={!canWrite} onClick={() => setConfirmDelete(true)} aria-label={`Delete ${c.name}`}>
          Delete
        </Button>
        <span role="status" className={styles.testResult}>
          {test.isError
            ? `Test not sent: ${errorMessage(test.error)}`
            : test.data && testResult
              ? `Test ${testResult.label === 'Delivered' ? 'delivered' : 'failed'}: ${attemptDetail(test.data, c.type)}, ${test.data.latencyMs} ms`
              : ''}
        </span>
      </div>
      {showLog ? <DeliveryLog id={`${id}-log`} channel={c} /> : null}
      {editing ? <ChannelDialog open={editing} onOpenChange={setEditing} channel={c} groups={groups} returnFocus={editRef} /> : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${c.name}?`}
          description="Paddock stops sending to it, and its delivery log is deleted too."
          confirmLabel="Delete channel"
          pendingLabel="Deleting…"
          variant="danger"
          pending={remove.isPending}
          error={remove.isError ? errorMessage(remove.error) : null}
          onConfirm={() => remove.mutate(c.id, { onSuccess: () => setConfirmDelete(false) })}
          onClose={() => {
            remove.reset();
            setConfirmDelete(false);
          }}
          onCloseAutoFocus={(e) => {
            // The card is gone after a delete; otherwise back to its Delete button.
            e.preventDefault();
            deleteRef.current?.focus();
          }}
        />
      ) : null}
    </section>
  );
}

function DeliveryLog({ id, channel }: { id: string; channel: NotificationChannel }) {
  const log = useQuery(deliveriesQuery(channel.id));
  return (
    <div id={id} className={styles.log}>
      {log.isPending ? (
        <LoadingState label="Loading the delivery log…" />
      ) : log.isError && !log.data ? (
        <StateBox tone="error" headingLevel={3} title="The delivery log could not be loaded" action={<Button onClick={() => void log.refetch()}>Try again</Button>}>
          {errorMessage(log.error)}
        </StateBox>
      ) : log.data.length === 0 ? (
        <p className={styles.muted}>Nothing was sent to this channel yet. Send test tries it now.</p>
      ) : (
        <div className={styles.tableWrap} tabIndex={0} role="region" aria-label={`Delivery log of ${channel.name}`}>
          <table className={styles.table}>
            <caption className="sr-only">Delivery log of {channel.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">Status</th>
                <th scope="col">Answer</th>
                <th scope="col">Latency</th>
              </tr>
            </thead>
            <tbody>
              {log.data.map((a) => {
                const s = attemptStatus(a);
                return (
                  <tr key={a.id}>
                    <td className={styles.nowrap} data-label="When">
                      <time dateTime={a.at} title={a.at}>
                        {formatDateTime(a.at)}
                      </time>
                    </td>
                    <td data-label="Event">
                      {eventTypeLabel[a.eventType]}
                      <span className={styles.eventId}>{a.eventId.slice(0, 8)}</span>
                    </td>
                    <td data-label="Attempt">{a.attempt}</td>
                    <td data-label="Status">
                      <StatusDot tone={s.tone} label={s.label} />
                      {a.nextAttemptAt ? <span className={styles.muted}> · next try {formatUntil(a.nextAttemptAt)}</span> : null}
                    </td>
                    <td className={styles.breakAnywhere} data-label="Answer">
                      {attemptDetail(a, channel.type)}
                    </td>
                    <td className={styles.nowrap} data-label="Latency">
                      {a.latencyMs} ms
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
