import type { ComponentProps } from 'react';
import { cn } from '../lib/cn';
import styles from './status-dot.module.css';

export type DotTone = 'green' | 'red' | 'grey' | 'amber';

/**
 * A coloured dot that always comes with its text label: status is never shown by colour alone.
 * `stale`: the last known state while the control plane cannot be reached — the dot is drawn hollow
 * and the label says "last known".
 */
export function StatusDot({
  tone,
  label,
  stale = false,
  className,
  ...props
}: { tone: DotTone; label: string; stale?: boolean } & Omit<ComponentProps<'span'>, 'children'>) {
  return (
    <span className={cn(styles.status, className)} data-tone={tone} data-stale={stale ? '' : undefined} {...props}>
      <span className={cn(styles.dot, styles[tone], stale && styles.hollow)} aria-hidden="true" />
      <span>
        {label}
        {stale ? <span className={styles.stale}> (last known)</span> : null}
      </span>
    </span>
  );
}
