import { Component, type ReactNode } from 'react';
import { getConnectionState, subscribeConnection } from '../lib/connection';
import { StateBox } from './page-state';
import { retryFailedLoads } from './retryable-lazy';
import { Button } from './ui/button';

interface Props {
  children: ReactNode;
  /** Offered beside Reload when the rest of the page can go on without this part (a dialog). */
  onDismiss?: () => void;
  /** When it changes (e.g. the page's path), a failed part tries again. */
  resetKey?: unknown;
}

/**
 * Keeps a part of the console that failed to load or render (typically a page's or dialog's code chunk
 * while the control plane is unreachable) from blanking the rest: navigation and the connection banner
 * stay. It tries again by itself when the control plane is reachable again, when `resetKey` changes,
 * and when it is mounted anew; components made with `retryableLazy` then fetch their chunk afresh.
 */
export class LoadBoundary extends Component<Props, { failed: boolean }> {
  state = { failed: false };
  private unsubscribe: (() => void) | null = null;
  private lastConnection = getConnectionState();

  constructor(props: Props) {
    super(props);
    // A part shown anew (a dialog opened again, a page mounted) gets a fresh try at a chunk that failed
    // before. Only here and in retry: retrying on every render would fetch in a loop while down.
    retryFailedLoads();
  }

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidMount() {
    this.unsubscribe = subscribeConnection(() => {
      const now = getConnectionState();
      const cameBack = this.lastConnection === 'reconnecting' && now === 'online';
      this.lastConnection = now;
      if (cameBack && this.state.failed) this.retry();
    });
  }

  componentDidUpdate(previous: Props) {
    if (this.state.failed && !Object.is(previous.resetKey, this.props.resetKey)) this.retry();
  }

  componentWillUnmount() {
    this.unsubscribe?.();
  }

  private retry = () => {
    retryFailedLoads();
    this.setState({ failed: false });
  };

  render() {
    if (!this.state.failed) return this.props.children;
    const { onDismiss } = this.props;
    return (
      <StateBox
        tone="error"
        title="This part of the console could not be loaded"
        action={
          <p>
            <Button variant="primary" onClick={this.retry}>
              Try again
            </Button>{' '}
            <Button onClick={() => window.location.reload()}>Reload</Button>{' '}
            {onDismiss ? (
              <Button
                onClick={() => {
                  this.setState({ failed: false });
                  onDismiss();
                }}
              >
                Dismiss
              </Button>
            ) : null}
          </p>
        }
      >
        <p>Check the connection to the control plane. It tries again by itself once the control plane answers. Nothing was changed.</p>
      </StateBox>
    );
  }
}
