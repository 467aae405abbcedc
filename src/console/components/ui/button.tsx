import { Slot } from 'radix-ui';
import type * as React from 'react';
import { cn } from '../../lib/cn';
import styles from './button.module.css';

type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';
type ButtonSize = 'md' | 'sm' | 'icon';

/** The one button: variants for primary, secondary, ghost and destructive actions. */
function Button({
  className,
  variant = 'secondary',
  size = 'md',
  asChild = false,
  type,
  ...props
}: React.ComponentProps<'button'> & { variant?: ButtonVariant; size?: ButtonSize; asChild?: boolean }) {
  const Comp = asChild ? Slot.Root : 'button';
  return (
    <Comp
      data-slot="button"
      data-variant={variant}
      type={asChild ? undefined : (type ?? 'button')}
      className={cn(styles.button, styles[variant], size !== 'md' && styles[size], className)}
      {...props}
    />
  );
}

export { Button };
export type { ButtonSize, ButtonVariant };
