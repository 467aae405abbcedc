import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { lazy, Suspense } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportReachable, reportUnreachable } from '../lib/connection';
import { LoadBoundary } from './load-boundary';
import { retryableLazy } from './retryable-lazy';

/** A chunk that fails while `down` is set, as a lazy page's does while the control plane is away. */
function flakyChunk() {
  const chunk = { down: true, attempts: 0 };
  const Page = retryableLazy(async () => {
    chunk.attempts++;
    if (chunk.down) throw new TypeError('Failed to fetch dynamically imported module');
    return () => <h1>The page</h1>;
  });
  return { chunk, Page };
}

afterEach(() => reportReachable());

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

  it('loads the chunk afresh by itself when the control plane is reachable again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { chunk, Page } = flakyChunk();
    act(() => reportUnreachable());
    render(
      <LoadBoundary>
        <Suspense fallback={null}>
          <Page />
        </Suspense>
      </LoadBoundary>,
    );
    await screen.findByRole('alert');
    chunk.down = false;
    act(() => reportReachable());
    expect(await screen.findByRole('heading', { name: 'The page' })).toBeInTheDocument();
    expect(chunk.attempts).toBe(2);
  });

  it('tries again when its reset key changes (the user goes to another page) or on Try again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { chunk, Page } = flakyChunk();
    const at = (path: string) => (
      <LoadBoundary resetKey={path}>
        <Suspense fallback={null}>{path === '/activity' ? <Page /> : <p>Runners</p>}</Suspense>
      </LoadBoundary>
    );
    const { rerender } = render(at('/activity'));
    await screen.findByRole('alert');
    rerender(at('/'));
    expect(await screen.findByText('Runners')).toBeInTheDocument();
    rerender(at('/activity'));
    await screen.findByRole('alert');
    expect(chunk.attempts).toBe(2);
    chunk.down = false;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'The page' })).toBeInTheDocument();
    expect(chunk.attempts).toBe(3);
  });

  it('a part shown anew (a dialog opened again) fetches a chunk that failed before', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { chunk, Page } = flakyChunk();
    const dialog = (
      <LoadBoundary onDismiss={() => {}}>
        <Suspense fallback={null}>
          <Page />
        </Suspense>
      </LoadBoundary>
    );
    const first = render(dialog);
    await screen.findByRole('alert');
    first.unmount();
    chunk.down = false;
    render(dialog);
    expect(await screen.findByRole('heading', { name: 'The page' })).toBeInTheDocument();
    expect(chunk.attempts).toBe(2);
  });

  it('a chunk loaded ahead with preload renders without asking again', async () => {
    const { chunk, Page } = flakyChunk();
    chunk.down = false;
    Page.preload();
    render(
      <Suspense fallback={null}>
        <Page />
      </Suspense>,
    );
    expect(await screen.findByRole('heading', { name: 'The page' })).toBeInTheDocument();
    expect(chunk.attempts).toBe(1);
  });
});
