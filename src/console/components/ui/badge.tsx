import type * as React from 'react';
import { cn } from '../../lib/cn';
import styles from './badge.module.css';

type BadgeTone = 'neutral' | 'info' | 'warning' | 'danger' | 'success';

function Badge({ className, tone = 'neutral', ...props }: React.ComponentProps<'span'> & { tone?: BadgeTone }) {
  return (
    <span
      data-slot="badge"
      data-tone={tone}
      className={cn(styles.badge, tone !== 'neutral' && styles[tone], className)}
      {...props}
    />
  );
}

export { Badge };
export type { BadgeTone };
