import { useConnectionState } from '../lib/connection';
import styles from './connection-banner.module.css';

/** Shown while the control plane cannot be reached; the page keeps its last data underneath. */
export function ConnectionBanner() {
  const state = useConnectionState();
  // The live region stays mounted so screen readers announce the change.
  return (
    <div role="status" aria-live="polite">
      {state === 'reconnecting' ? (
        <p className={styles.banner}>
          <span aria-hidden="true">⟳</span> Reconnecting to the control plane…
        </p>
      ) : null}
    </div>
  );
}
