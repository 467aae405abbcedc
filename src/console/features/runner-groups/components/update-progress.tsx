import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import type { RunnerGroup, UpdateInstanceState } from '../../../../contract';
import { formatDateTime } from '../../../lib/format';
import { Badge, type BadgeTone } from '../../../components/ui/badge';
import { groupUpdatesQuery } from '../../../entities/runner-group/queries';
import { updateProgress } from '../../../entities/runner-group/model';
import styles from './update-progress.module.css';

const stateLabel: Record<UpdateInstanceState, { text: string; tone: BadgeTone }> = {
  pending: { text: 'Pending', tone: 'neutral' },
  updating: { text: 'Updating', tone: 'info' },
  updated: { text: 'Updated', tone: 'success' },
  failed: { text: 'Failed', tone: 'danger' },
  rolled_back: { text: 'Rolled back', tone: 'warning' },
};

/** The group's running update per instance, or how its last update ended (a rollback with its reason). */
export function UpdateProgress({ group }: { group: RunnerGroup }) {
  const id = useId();
  const updates = useQuery({
    ...groupUpdatesQuery(group.id),
    refetchInterval: group.activeUpdate ? 3_000 : false,
  });
  const update = updates.data?.[0];
  if (!update) return null;
  const p = updateProgress(update);
  const cls =
    update.state === 'succeeded' ? styles.succeeded : update.state === 'rolled_back' ? styles.rolledBack : undefined;
  const title =
    update.state === 'in_progress'
      ? `Update to ${update.targetVersion} in progress · ${p.done} of ${p.total} updated`
      : update.state === 'succeeded'
        ? `Last update to ${update.targetVersion} succeeded`
        : `Last update to ${update.targetVersion} was rolled back`;
  return (
    <section className={`${styles.panel} ${cls ?? ''}`} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className={styles.title}>
        {title}
      </h3>
      <p className={styles.muted}>
        Requested by {update.requestedBy} at {formatDateTime(update.requestedAt)}
        {update.state === 'in_progress'
          ? `; rolls back by itself if not done by ${formatDateTime(update.deadlineAt)}.`
          : update.finishedAt
            ? `; finished ${formatDateTime(update.finishedAt)}.`
            : '.'}
      </p>
      {update.state === 'rolled_back' ? (
        <p>
          <strong>Reason:</strong> {update.reason ?? 'none recorded'}. See the "Runner upgrade failure" guidance in the
          instance details below, then trigger Update again.
        </p>
      ) : null}
      {update.instances.length > 0 ? (
        <ul className={styles.list} aria-label="Progress per instance">
          {update.instances.map((i) => (
            <li key={i.instanceId}>
              <span className={styles.name} title={i.name}>
                {i.name} <span className={styles.muted}>({i.version})</span>
              </span>
              <Badge tone={stateLabel[i.state].tone}>{stateLabel[i.state].text}</Badge>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
