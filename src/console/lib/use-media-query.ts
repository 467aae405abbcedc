import { useSyncExternalStore } from 'react';

/**
 * Where every page switches to its narrow layout (PRODUCT.md §3 round 2 "Zoom and narrow"): phones,
 * and laptops at 200 % zoom (a 1440 px window is 720 CSS px wide there). CSS modules repeat it as
 * `@media (max-width: 45rem)`.
 */
export const narrowScreen = '(max-width: 45rem)';

/** Whether a CSS media query matches now (false where matchMedia is missing, e.g. jsdom). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      if (typeof window.matchMedia !== 'function') return () => {};
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => typeof window.matchMedia === 'function' && window.matchMedia(query).matches,
    () => false,
  );
}
