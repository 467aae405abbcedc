import { Slot } from 'radix-ui';
import { type ComponentProps, type ReactElement, type ReactNode, useId } from 'react';
import { cn } from '../../lib/cn';
import styles from './field.module.css';
import { Label } from './label';

/**
 * A form control with its label, and under it either its error or its description (never both: the
 * error replaces the hint it breaks). The control is the one child; it gets the `id`, `aria-invalid`
 * and `aria-describedby` that tie the three together, so callers never wire them by hand. The error's
 * id is `<id>-error`.
 */
function Field({
  label,
  description,
  error,
  id,
  addon,
  orientation = 'vertical',
  className,
  labelClassName,
  children,
}: {
  label: ReactNode;
  /** A hint under the control (its accessible description while there is no error). */
  description?: ReactNode;
  /** What is wrong with the value; shown in place of the description. */
  error?: ReactNode;
  /** The control's id; generated when absent. */
  id?: string;
  /** Something beside the control that acts on it (e.g. a Copy or Rename button). */
  addon?: ReactNode;
  /** `horizontal`: the control (a checkbox) first, the label and description beside it. */
  orientation?: 'vertical' | 'horizontal';
  className?: string;
  labelClassName?: string;
  children: ReactElement;
}) {
  const generated = useId();
  const controlId = id ?? generated;
  const errorId = `${controlId}-error`;
  const descriptionId = `${controlId}-description`;
  const control = (
    <Slot.Root
      id={controlId}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? errorId : description ? descriptionId : undefined}
    >
      {children}
    </Slot.Root>
  );
  const message = error ? (
    <p id={errorId} data-slot="field-error" className={styles.error}>
      {error}
    </p>
  ) : description ? (
    <p id={descriptionId} data-slot="field-description" className={styles.description}>
      {description}
    </p>
  ) : null;
  const labelElement = (
    <Label htmlFor={controlId} className={labelClassName}>
      {label}
    </Label>
  );
  if (orientation === 'horizontal') {
    return (
      <div data-slot="field" data-orientation="horizontal" className={cn(styles.field, styles.horizontal, className)}>
        {control}
        <div className={styles.text}>
          {labelElement}
          {message}
        </div>
      </div>
    );
  }
  return (
    <div data-slot="field" className={cn(styles.field, className)}>
      {labelElement}
      {addon ? (
        <div className={styles.controlRow}>
          {control}
          {addon}
        </div>
      ) : (
        control
      )}
      {message}
    </div>
  );
}

/** The message of a form (or confirmation) that failed as a whole, announced at once. */
function FormError({ className, ...props }: ComponentProps<'p'>) {
  return <p role="alert" data-slot="form-error" className={cn(styles.formError, className)} {...props} />;
}

export { Field, FormError };
