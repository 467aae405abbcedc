import { useId } from 'react';
import type { Instance, TerminationCause } from '../../../../contract';
import { causeLabel, causeText } from '../../../../contract';
import { causeCounts, troubleCauses } from '../../../entities/instance/model';
import { cn } from '../../../lib/cn';
import { plural } from '../../../lib/format';
import styles from './troubleshooting.module.css';

type FleetHealthStripProps = {
  instances: readonly Instance[];
  /** The cause the Instances list is filtered by (`all`: none); each count is the button that picks it. */
  cause?: string;
  onCauseChange?: (cause: string) => void;
  /** For tests and screenshots; defaults to the current time. */
  now?: number;
  /** The retention window; ended instances are kept 7 days by default. */
  windowDays?: number;
};

/**
 * How the group's runners ended over the retention window ("3 OOMKilled" at a glance); each count is
 * a filter button of the Instances list (in the address: `?cause=`).
 */
export function FleetHealthStrip({ instances, cause = 'all', onCauseChange, now = Date.now(), windowDays = 7 }: FleetHealthStripProps) {
  const id = useId();
  const counts = causeCounts(instances, now, windowDays);
  const period = windowDays === 7 ? 'this week' : `in the last ${windowDays} days`;
  // Runners that went quiet have not ended (yet): "no runner ended" beside them would read as all clear.
  const quiet = instances.filter((i) => i.status === 'disconnected' && !i.termination).length;
  return (
    <section className={styles.strip} aria-labelledby={id}>
      <h3 id={id} className={styles.stripHeading}>
        How runners ended {period}
      </h3>
      {counts.length === 0 ? (
        <p className={styles.stripEmpty}>
          {quiet > 0
            ? `No exit recorded ${period}; ${plural(quiet, 'disconnected runner')} ${quiet === 1 ? 'has' : 'have'} not said how it ended yet.`
            : `No runner ended ${period}.`}
        </p>
      ) : (
        <ul className={styles.chips} aria-label="Show only the runners that ended this way">
          {counts.map(({ cause: c, count }) => (
            <li key={c}>
              <button
                type="button"
                className={cn(styles.chip, troubleCauses.has(c as TerminationCause) && styles.chipTrouble)}
                aria-pressed={cause === c}
                title={causeText[c]}
                onClick={() => onCauseChange?.(cause === c ? 'all' : c)}
              >
                <span className={styles.chipCount}>{count}</span> {causeLabel[c]}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
