import { useConnectionState } from '../lib/connection';
import styles from './connection-banner.module.css';

/** Shown while the control plane cannot be reached; the page keeps its last data underneath. */
export function ConnectionBanner() {
  const state = useConnectionState();
  const reconnecting = state === 'reconnecting';
  // The live region stays mounted so screen readers announce the change; it is a status only while
  // it says something. The message is an element of its own, exactly "Reconnecting to the control plane…".
  return (
    <div role={reconnecting ? 'status' : undefined} aria-live="polite">
      {reconnecting ? (
        <p className={styles.banner}>
          <span aria-hidden="true">⟳</span> <span>Reconnecting to the control plane…</span>
        </p>
      ) : null}
    </div>
  );
}
