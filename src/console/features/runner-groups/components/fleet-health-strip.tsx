import { useId } from 'react';
import type { Instance } from '../../../../contract';
import { causeText } from '../../../../contract';
import { cn } from '../../../lib/cn';
import { causeCounts, causeLabel, troubleCauses } from '../../../entities/instance/model';
import styles from './troubleshooting.module.css';

type FleetHealthStripProps = {
  instances: Instance[];
  /** For tests and screenshots; defaults to the current time. */
  now?: number;
  /** The retention window; ended instances are kept 7 days by default. */
  windowDays?: number;
};

/** How the group's runners ended over the retention window: "3 OOM-killed" at a glance. */
export function FleetHealthStrip({ instances, now = Date.now(), windowDays = 7 }: FleetHealthStripProps) {
  const id = useId();
  const counts = causeCounts(instances, now, windowDays);
  const period = windowDays === 7 ? 'this week' : `in the last ${windowDays} days`;
  return (
    <section className={styles.strip} aria-labelledby={id}>
      <h3 id={id} className={styles.stripHeading}>
        How runners ended {period}
      </h3>
      {counts.length === 0 ? (
        <p className={styles.stripEmpty}>No runner ended {period}.</p>
      ) : (
        <ul className={styles.chips}>
          {counts.map(({ cause, count }) => (
            <li key={cause} className={cn(styles.chip, troubleCauses.has(cause) && styles.chipTrouble)} title={causeText[cause]}>
              <span className={styles.chipCount}>{count}</span> {causeLabel[cause]}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
