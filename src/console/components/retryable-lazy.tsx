import { type ComponentType, lazy } from 'react';

/** A lazily loaded component that can try again after its chunk failed, and be loaded ahead of use. */
export type RetryableLazy<P> = ComponentType<P> & {
  /** Starts loading now (e.g. when the browser is idle) so that showing it later needs no request. */
  preload: () => void;
};

/** Each failed component's way to start over; LoadBoundary calls them when it tries again. */
const failed = new Set<() => void>();

/**
 * Stylesheets of lazy chunks that failed to load. Vite's preloader remembers every CSS file it has
 * asked for, failed or not, and never asks again: a retried page would come back unstyled. These are
 * fetched afresh before a retry.
 */
const failedStylesheets = new Set<HTMLLinkElement>();
if (typeof document !== 'undefined') {
  // Resource errors do not bubble, but the capture phase on the document sees them.
  document.addEventListener(
    'error',
    (event) => {
      const target = event.target;
      if (target instanceof HTMLLinkElement && target.rel === 'stylesheet') failedStylesheets.add(target);
    },
    true,
  );
}

/** Replaces each failed stylesheet link with a fresh copy; settles once they have all loaded or failed. */
function relinkFailedStylesheets(): Promise<void> {
  const links = [...failedStylesheets];
  failedStylesheets.clear();
  return Promise.all(
    links.map(
      (old) =>
        new Promise<void>((resolve, reject) => {
          // A link no longer in the page would never load or fail: nothing to wait for.
          if (!old.isConnected) return resolve();
          const fresh = old.cloneNode() as HTMLLinkElement;
          fresh.addEventListener('load', () => resolve());
          fresh.addEventListener('error', () => reject(new Error(`Unable to load CSS ${old.href}`)));
          old.replaceWith(fresh);
        }),
    ),
  ).then(() => undefined);
}

/**
 * React.lazy keeps a failed import forever, so a page whose chunk could not load while the control
 * plane was down would stay broken after it is back. This one swaps in a fresh lazy component after a
 * failure, once `retryFailedLoads` is called. `load` resolves to the component itself.
 */
export function retryableLazy<P extends object>(load: () => Promise<ComponentType<P>>): RetryableLazy<P> {
  let pending: Promise<{ default: ComponentType<P> }> | null = null;
  const start = () => {
    // The stylesheets may belong to another chunk: their outcome does not decide this one's.
    pending ??= (failedStylesheets.size > 0 ? relinkFailedStylesheets().then(load, load) : load()).then(
      (component) => {
        // A failed preload followed by a good load: nothing left to retry (a renew would remount it).
        failed.delete(renew);
        return { default: component };
      },
      (error: unknown) => {
        pending = null;
        failed.add(renew);
        throw error;
      },
    );
    return pending;
  };
  let Current = lazy(start);
  function renew() {
    Current = lazy(start);
  }
  function Retryable(props: P) {
    const C = Current as ComponentType<P>;
    return <C {...props} />;
  }
  return Object.assign(Retryable, {
    preload: () => {
      start().catch(() => {
        // Rendering it will try again and show the failure where it matters.
      });
    },
  });
}

/** Lets every component whose chunk failed to load try again the next time it renders. */
export function retryFailedLoads() {
  for (const renew of failed) renew();
  failed.clear();
}

/**
 * Loads lazily loaded code once the first page has rendered and the browser is idle, so showing it
 * later needs no request (and still works when the control plane has gone away meanwhile). Returns
 * the cancel function (an effect's cleanup).
 */
export function preloadWhenIdle(...preloads: Array<() => void>): () => void {
  const run = () => {
    for (const p of preloads) p();
  };
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(run, { timeout: 5_000 });
    return () => window.cancelIdleCallback(handle);
  }
  const timer = setTimeout(run, 2_000);
  return () => clearTimeout(timer);
}
