import type * as React from 'react';
import { cn } from '../../lib/cn';
import styles from './input.module.css';

function Input({ className, type = 'text', ...props }: React.ComponentProps<'input'>) {
  return <input data-slot="input" type={type} className={cn(styles.input, className)} {...props} />;
}

/** A native select, styled like the inputs: small lists read best with the platform's own picker. */
function NativeSelect({ className, ...props }: React.ComponentProps<'select'>) {
  return <select data-slot="native-select" className={cn(styles.select, className)} {...props} />;
}

export { Input, NativeSelect };
