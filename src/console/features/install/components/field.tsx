import type { ReactNode } from 'react';
import { FieldError } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import styles from './install-view.module.css';

/** A labelled field with its error underneath (`<id>-error`, for aria-describedby). */
export function Field({ id, label, error, children, mono = false }: { id: string; label: string; error: string | null; children: ReactNode; mono?: boolean }) {
  return (
    <div className={styles.field}>
      <Label htmlFor={id} className={mono ? styles.monoLabel : undefined}>
        {label}
      </Label>
      {children}
      {error ? <FieldError id={`${id}-error`}>{`${label} ${error}`}</FieldError> : null}
    </div>
  );
}
