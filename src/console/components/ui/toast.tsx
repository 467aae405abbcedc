import { useEffect } from 'react';
import { cn } from '../../lib/cn';
import styles from './toast.module.css';
import { dismissToast, type ToastMessage, useToasts } from './toast-store';

// Not Radix Toast: its toasts are dismissable layers above any open dialog, so Escape closed the
// toast instead of the dialog the user was in. These are plain live regions that never take focus.

function ToastItem({ message }: { message: ToastMessage }) {
  useEffect(() => {
    const t = setTimeout(() => dismissToast(message.id), message.tone === 'danger' ? 20_000 : 10_000);
    return () => clearTimeout(t);
  }, [message.id, message.tone]);
  return (
    <li data-slot="toast" data-tone={message.tone} className={cn(styles.root, styles[message.tone])}>
      <span className={styles.title}>{message.title}</span>
      {message.description ? <span className={styles.description}>{message.description}</span> : null}
      <button type="button" aria-label="Dismiss" className={styles.close} onClick={() => dismissToast(message.id)}>
        <span aria-hidden="true">×</span>
      </button>
    </li>
  );
}

/**
 * Renders the toasts raised with `toast()`: rollbacks assertively, everything else politely. The
 * live regions stay mounted (so the first toast is announced) but take the alert/status role only
 * while they hold a toast: an empty one must not be "the alert" next to a form's error.
 */
function Toaster() {
  const list = useToasts();
  const urgent = list.filter((m) => m.tone === 'danger');
  const polite = list.filter((m) => m.tone !== 'danger');
  return (
    <section aria-label="Notifications" className={styles.viewport} data-slot="toast-viewport">
      <div role={urgent.length > 0 ? 'alert' : undefined} aria-live="assertive">
        <ol className={styles.list}>
          {urgent.map((m) => (
            <ToastItem key={m.id} message={m} />
          ))}
        </ol>
      </div>
      <div role={polite.length > 0 ? 'status' : undefined} aria-live="polite">
        <ol className={styles.list}>
          {polite.map((m) => (
            <ToastItem key={m.id} message={m} />
          ))}
        </ol>
      </div>
    </section>
  );
}

export { Toaster };
