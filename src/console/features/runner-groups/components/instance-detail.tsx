import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { Instance, RunnerGroup, Update } from '../../../../contract/schemas';
import { StatusDot } from '../../../components/status-dot';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { toast } from '../../../components/ui/toast-store';
import { forgetBlockedReason, howItEnded, instanceStatusDot, instanceTimeline, stopBlockedReason } from '../../../entities/instance/model';
import { errorMessage } from '../../../lib/api-client';
import { usePermissions } from '../../../lib/permissions';
import { useForgetInstance, useStopInstance } from '../api/mutations';
import { formatDateTime } from '../../../lib/format';
import styles from './instance-detail.module.css';
import { TroubleshootingPanel } from './troubleshooting-panel';

/**
 * One instance: its facts, its timeline, and the troubleshooting guidance that fits its state (which
 * also tells how it ended: the record, its cause and the next step).
 */
export function InstanceDetail({
  group,
  instance,
  updates,
  onClose,
}: {
  group: RunnerGroup;
  instance: Instance;
  updates: Update[] | undefined;
  onClose: () => void;
}) {
  const id = useId();
  const ref = useRef<HTMLElement>(null);
  const s = instanceStatusDot(instance.status);
  // Selecting a row brings its detail into view and moves focus there for keyboard users
  // (the parent keys this component by instance, so it runs once per selection).
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus();
  }, []);

  return (
    <section ref={ref} tabIndex={-1} className={styles.detail} aria-labelledby={`${id}-title`}>
      <div className={styles.head}>
        <span className={styles.titleGroup}>
          <h3 id={`${id}-title`} className={styles.title}>
            Instance {instance.name}
          </h3>
          <StatusDot tone={s.tone} label={s.label} />
          {howItEnded(instance) ? <span className={styles.ended}>{howItEnded(instance)}</span> : null}
        </span>
        <span className={styles.actions}>
          <InstanceActions group={group} instance={instance} />
          <Button size="sm" onClick={onClose}>
            Hide details
          </Button>
        </span>
      </div>
      <dl className={styles.facts}>
        <Fact label="Platform">{instance.platform}</Fact>
        <Fact label="Version">{instance.version}</Fact>
        <Fact label="Host">{instance.hostname}</Fact>
        <Fact label="Address">{instance.address || '—'}</Fact>
        <Fact label="OS / arch">
          {instance.os} / {instance.arch}
        </Fact>
        <Fact label="Started">{formatDateTime(instance.startedAt)}</Fact>
        <Fact label="Last heartbeat">{formatDateTime(instance.lastHeartbeatAt)}</Fact>
        <Fact label="Instance ID">{instance.id}</Fact>
      </dl>
      <h4 className={styles.subTitle}>Timeline</h4>
      <ol className={styles.timeline}>
        {instanceTimeline(instance).map((e) => (
          <li key={`${e.at}-${e.title}`}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            <span>
              {e.title}
              {e.detail ? <span className={styles.eventDetail}>{e.detail}</span> : null}
            </span>
          </li>
        ))}
      </ol>
      <TroubleshootingPanel group={group} instance={instance} updates={updates} />
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * Stop (a connected runner: its next heartbeat reply says stop; it says goodbye and exits 0) and Forget
 * (an ended or disconnected one: its record goes), each after a confirmation; disabled with the reason.
 */
function InstanceActions({ group, instance }: { group: RunnerGroup; instance: Instance }) {
  const id = useId();
  const { canWrite, readOnlyReason } = usePermissions();
  const stop = useStopInstance(group.id);
  const forget = useForgetInstance(group.id);
  const [asking, setAsking] = useState<'stop' | 'forget' | null>(null);
  const stopReason = canWrite ? stopBlockedReason(instance) : readOnlyReason;
  const forgetReason = canWrite ? forgetBlockedReason(instance) : readOnlyReason;
  // Only the reason of the action that fits the instance's state is worth a line.
  const reason = instance.status === 'connected' ? stopReason : forgetReason;
  const close = () => setAsking(null);
  return (
    <>
      {instance.status === 'connected' ? (
        <Button size="sm" disabled={stopReason !== null} aria-describedby={stopReason ? `${id}-why` : undefined} onClick={() => setAsking('stop')}>
          Stop
        </Button>
      ) : (
        <Button size="sm" disabled={forgetReason !== null} aria-describedby={forgetReason ? `${id}-why` : undefined} onClick={() => setAsking('forget')}>
          Forget
        </Button>
      )}
      {reason ? (
        <span id={`${id}-why`} className={styles.why}>
          {reason}
        </span>
      ) : null}
      {asking === 'stop' ? (
        <ConfirmDialog
          title={`Stop ${instance.name}?`}
          description={
            instance.platform === 'kubernetes'
              ? 'Kubernetes starts a new pod in place of a stopped one. To run fewer runners, scale the Deployment instead (see "Add more runners"). Stop anyway: the runner finishes at its next heartbeat, says goodbye and exits.'
              : instance.platform === 'docker'
                ? 'At its next heartbeat the runner says goodbye, clears its container\'s restart policy and exits 0; it does not come back by itself.'
                : 'At its next heartbeat the runner says goodbye and exits 0; it does not come back by itself.'
          }
          confirmLabel="Stop runner"
          pendingLabel="Stopping…"
          variant="danger"
          pending={stop.isPending}
          error={stop.isError ? errorMessage(stop.error) : null}
          onConfirm={() =>
            stop.mutate(instance.id, {
              onSuccess: () => {
                toast({ tone: 'success', title: `Stop requested for ${instance.name}`, description: 'It stops at its next heartbeat.' });
                close();
              },
            })
          }
          onClose={close}
        />
      ) : null}
      {asking === 'forget' ? (
        <ConfirmDialog
          title={`Forget ${instance.name}?`}
          description={
            instance.status === 'disconnected'
              ? 'Its record is removed. If the runner is still alive somewhere, it is refused at its next heartbeat and exits; the Activity page keeps that it was forgotten.'
              : 'Its record (how it ended, its timeline) is removed; the Activity page keeps that it ended and that it was forgotten.'
          }
          confirmLabel="Forget"
          pendingLabel="Forgetting…"
          variant="danger"
          pending={forget.isPending}
          error={forget.isError ? errorMessage(forget.error) : null}
          onConfirm={() =>
            forget.mutate(instance.id, {
              onSuccess: () => {
                toast({ tone: 'success', title: `Forgot ${instance.name}` });
                close();
              },
            })
          }
          onClose={close}
        />
      ) : null}
    </>
  );
}
