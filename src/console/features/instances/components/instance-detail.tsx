import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { Instance } from '../../../../contract/schemas';
import { causeText } from '../../../../contract/termination';
import { formatDateTime } from '../../../lib/format';
import { StatusDot } from '../../../components/status-dot';
import { Button } from '../../../components/ui/button';
import { describeExit, instanceStatusDot, instanceTimeline } from '../model';
import styles from './instance-detail.module.css';

/** One instance: its facts, how it ended (record and cause), its timeline, and guidance. */
export function InstanceDetail({ instance, onClose, guidance }: { instance: Instance; onClose: () => void; guidance?: ReactNode }) {
  const id = useId();
  const ref = useRef<HTMLElement>(null);
  const s = instanceStatusDot(instance.status);
  const t = instance.termination;
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
      {/* With troubleshooting guidance present, it shows the record, cause and next step itself. */}
      {guidance ? null : t ? (
        <div className={styles.termination}>
          <h4 className={styles.subTitle}>How it ended</h4>
          <p>
            {formatDateTime(t.at)}: {describeExit(t)}.
          </p>
          <p>
            <strong>Cause:</strong> {causeText[t.cause]}
          </p>
        </div>
      ) : instance.status === 'disconnected' ? (
        <div className={styles.termination}>
          <h4 className={styles.subTitle}>No exit recorded</h4>
          <p>It stopped sending heartbeats without reporting an exit, so it may still come back.</p>
          {instance.lastError ? (
            <p>
              <strong>Last error ({instance.lastError.kind}):</strong> {instance.lastError.message}
            </p>
          ) : null}
        </div>
      ) : null}
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
      {guidance}
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
