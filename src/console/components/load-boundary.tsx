import { Component, type ReactNode } from 'react';
import { StateBox } from './page-state';
import { Button } from './ui/button';

interface Props {
  children: ReactNode;
  /** Offered beside Reload when the rest of the page can go on without this part (a dialog). */
  onDismiss?: () => void;
}

/**
 * Keeps a part of the console that failed to load or render (typically a dialog's code chunk while the
 * control plane is unreachable) from blanking the whole page. React.lazy remembers a failed import, so
 * recovery is a reload.
 */
export class LoadBoundary extends Component<Props, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    const { onDismiss } = this.props;
    return (
      <StateBox
        tone="error"
        title="This part of the console could not be loaded"
        action={
          <p>
            <Button variant="primary" onClick={() => window.location.reload()}>
              Reload
            </Button>{' '}
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
        <p>Check the connection to the control plane, then reload the page. Nothing was changed.</p>
      </StateBox>
    );
  }
}
