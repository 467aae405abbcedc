import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { resetDb } from './db';
import { server } from './server';

// findBy*/waitFor wait for what the user would wait for; 1 s (the default) is too short for a lazily
// loaded dialog's first import on a 2-core CI machine running two test workers at once.
configure({ asyncUtilTimeout: 5_000 });

// jsdom has no layout: give the virtualized lists' scroll areas a size so rows render.
const realRect = Element.prototype.getBoundingClientRect;
Element.prototype.getBoundingClientRect = function getBoundingClientRect(this: Element) {
  if (this instanceof HTMLElement && this.dataset.scroller !== undefined) {
    return { x: 0, y: 0, top: 0, left: 0, right: 1200, bottom: 600, width: 1200, height: 600, toJSON: () => ({}) } as DOMRect;
  }
  return realRect.call(this);
};
// @tanstack/react-virtual measures its scroll area with clientWidth/clientHeight: the same 1200×600.
for (const [prop, px] of [
  ['clientHeight', 600],
  ['clientWidth', 1200],
] as const) {
  const real = Object.getOwnPropertyDescriptor(Element.prototype, prop)!;
  Object.defineProperty(Element.prototype, prop, {
    configurable: true,
    get(this: Element) {
      return this instanceof HTMLElement && this.dataset.scroller !== undefined ? px : real.get!.call(this);
    },
  });
}
// Radix uses these pointer APIs; jsdom lacks them.
Element.prototype.hasPointerCapture ??= () => false;
Element.prototype.releasePointerCapture ??= () => {};
Element.prototype.scrollIntoView ??= () => {};
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  resetDb();
});
afterEach(() => {
  cleanup();
  server.resetHandlers();
});
afterAll(() => server.close());
