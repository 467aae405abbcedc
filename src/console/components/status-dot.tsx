import { cn } from '../lib/cn';
import styles from './status-dot.module.css';

export type DotTone = 'green' | 'red' | 'grey' | 'amber';

/** A coloured dot that always comes with its text label: status is never shown by colour alone. */
export function StatusDot({ tone, label, className }: { tone: DotTone; label: string; className?: string }) {
  return (
    <span className={cn(styles.status, className)} data-tone={tone}>
      <span className={cn(styles.dot, styles[tone])} aria-hidden="true" />
      <span>{label}</span>
    </span>
  );
}
