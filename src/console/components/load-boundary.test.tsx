import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { lazy, Suspense } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { LoadBoundary } from './load-boundary';

describe('LoadBoundary', () => {
  it('shows what failed and a way out instead of a blank page when a lazy chunk cannot load', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const Unreachable = lazy(() => Promise.reject(new TypeError('Failed to fetch dynamically imported module')));
    const onDismiss = vi.fn();
    render(
      <>
        <p>Runner groups stay on screen</p>
        <LoadBoundary onDismiss={onDismiss}>
          <Suspense fallback={null}>
            <Unreachable />
          </Suspense>
        </LoadBoundary>
      </>,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('This part of the console could not be loaded');
    expect(screen.getByText('Runner groups stay on screen')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(onDismiss).toHaveBeenCalledOnce();
  });
});
