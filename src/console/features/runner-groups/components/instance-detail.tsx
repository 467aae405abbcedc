import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { Instance, RunnerGroup, Update } from '../../../../contract/schemas';
import { StatusDot } from '../../../components/status-dot';
import { Button } from '../../../components/ui/button';
import { instanceStatusDot, instanceTimeline } from '../../../entities/instance/model';
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
        <h3 id={`${id}-title`} className={styles.title}>
          Instance {instance.name}
        </h3>
        <StatusDot tone={s.tone} label={s.label} />
        <Button size="sm" onClick={onClose}>
          Hide details
        </Button>
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
