import type { ReactNode } from 'react';
import { cn } from '../lib/cn';
import styles from './page-state.module.css';

/** Loading placeholder, announced to screen readers. */
export function LoadingState({ label }: { label: string }) {
  return (
    <p role="status" className={styles.loading}>
      {label}
    </p>
  );
}

/** An empty or error state: a title, what it means, and what to do next. */
export function StateBox({
  title,
  children,
  action,
  tone = 'empty',
  headingLevel = 2,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  tone?: 'empty' | 'error';
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section className={cn(styles.box, tone === 'error' && styles.error)} role={tone === 'error' ? 'alert' : undefined}>
      <Heading className={styles.title}>{title}</Heading>
      {children ? <div className={styles.body}>{children}</div> : null}
      {action}
    </section>
  );
}
