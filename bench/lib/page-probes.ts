import type { Page } from '@playwright/test';

// Probes that run inside the page. They are plain JavaScript source rather than TypeScript functions
// because tsx rewrites named functions with a helper the page does not have. They only use the DOM
// and the Performance API, and find rows by role, the way a screen reader would.
const source = `
(() => {
  const rowsUnder = (rootSelector) => {
    const root = document.querySelector(rootSelector);
    return root ? Array.from(root.querySelectorAll('[role="row"], tr')) : [];
  };
  const rowNames = (rootSelector, pattern) => {
    const re = new RegExp(pattern, 'g');
    const out = [];
    for (const row of rowsUnder(rootSelector)) {
      const m = (row.textContent || '').match(re);
      if (m) out.push(...new Set(m));
    }
    return out;
  };
  // The end of the frame after a DOM change: a rAF, then a task, so style, layout and paint have run.
  const afterFrame = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
  const bench = {
    render: null,
    filter: null,
    installRenderProbe({ rootSelector, pattern }) {
      const probe = { domAt: null, shownAt: null, inputAt: null };
      // The user's last action before the rows appeared (the click on Edit): data prefetched
      // earlier only counts from the moment the view was asked for.
      const onInput = (e) => { if (probe.domAt === null) probe.inputAt = e.timeStamp; };
      for (const type of ['click', 'keydown']) document.addEventListener(type, onInput, true);
      bench.render = probe;
      const re = new RegExp(pattern);
      const check = () => {
        if (probe.domAt !== null) return;
        if (rowsUnder(rootSelector).some((r) => re.test(r.textContent || ''))) {
          probe.domAt = performance.now();
          observer.disconnect();
          afterFrame(() => { probe.shownAt = performance.now(); });
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document, { childList: true, subtree: true, characterData: true });
      check();
    },
    renderDone() { return !!(bench.render && bench.render.shownAt !== null); },
    // ms from the end of the last matching data response before the rows appeared (or from the
    // user's action, when that came later) to the frame showing them.
    readRender({ dataPath }) {
      const p = bench.render;
      if (!p || p.shownAt === null) return null;
      const re = new RegExp(dataPath);
      const entries = performance.getEntriesByType('resource')
        .filter((e) => re.test(new URL(e.name).pathname) && e.responseEnd <= p.domAt)
        .sort((a, b) => a.responseEnd - b.responseEnd);
      const last = entries[entries.length - 1];
      if (!last) return null;
      const from = Math.max(last.responseEnd, p.inputAt ?? 0);
      return { firstRenderMs: p.shownAt - from, dataBytes: last.decodedBodySize, prefetched: from > last.responseEnd };
    },
    visibleNames({ rootSelector, pattern }) {
      const names = rowNames(rootSelector, pattern);
      return names.length > 0 ? names : null;
    },
    // Arms a probe for one keystroke: t0 is the keydown's timestamp; shownAt the end of the frame
    // after the rows all contain the query (and at least one row is listed).
    installFilterProbe({ rootSelector, pattern, query }) {
      const probe = { t0: null, shownAt: null };
      bench.filter = probe;
      const q = query.toLowerCase();
      let done = false;
      const check = () => {
        if (done || probe.t0 === null) return;
        const names = rowNames(rootSelector, pattern);
        if (names.length > 0 && names.every((n) => n.toLowerCase().includes(q))) {
          done = true;
          observer.disconnect();
          afterFrame(() => { probe.shownAt = performance.now(); });
        }
      };
      const onKey = (e) => {
        if (probe.t0 !== null) return;
        probe.t0 = e.timeStamp;
        document.removeEventListener('keydown', onKey, true);
        queueMicrotask(check);
      };
      document.addEventListener('keydown', onKey, true);
      const observer = new MutationObserver(check);
      observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    },
    readFilter() {
      const p = bench.filter;
      return p && p.t0 !== null && p.shownAt !== null ? p.shownAt - p.t0 : null;
    },
    // Elements in the document (Lighthouse's "DOM size").
    domElements() { return document.getElementsByTagName('*').length; },
    // Resolves with Date.now() once the row naming the text shows a status starting with the label.
    watchStatus({ name, label }) {
      const key = name + '|' + label;
      bench.watches = bench.watches || {};
      bench.watches[key] = null;
      const check = () => {
        if (bench.watches[key] !== null) return;
        for (const row of rowsUnder('body')) {
          const text = row.textContent || '';
          if (text.includes(name) && text.includes(label)) {
            bench.watches[key] = Date.now();
            observer.disconnect();
            return;
          }
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document, { childList: true, subtree: true, characterData: true });
      check();
    },
    watched({ name, label }) { return (bench.watches || {})[name + '|' + label] ?? null; },
  };
  window.__bench = bench;
  if (window.__benchAutoRender) bench.installRenderProbe(window.__benchAutoRender);
})();
`;

/**
 * Adds the probes to every document the page loads; with `autoRender`, a render probe is armed
 * before any of the page's own scripts run, so a fast first render cannot slip past it.
 */
export async function addProbes(page: Page, autoRender?: { rootSelector: string; pattern: string }): Promise<void> {
  const arm = autoRender ? `window.__benchAutoRender = ${JSON.stringify(autoRender)};` : '';
  await page.addInitScript({ content: arm + source });
}

/** Calls one probe method in the page with JSON arguments. */
export function probe<T>(page: Page, method: string, args: Record<string, unknown> = {}): Promise<T> {
  return page.evaluate(`window.__bench.${method}(${JSON.stringify(args)})`) as Promise<T>;
}

/**
 * Polls a probe method from outside until it returns a non-null, non-false value, or throws after
 * the timeout. (waitForFunction would compile the predicate inside the page, which the console's
 * CSP rightly forbids; the probes record their own timestamps, so the polling period does not
 * change the figures.)
 */
export async function waitForProbe<T>(page: Page, method: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe<T | null | false>(page, method, args);
    if (v !== null && v !== false && v !== undefined) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${method}(${JSON.stringify(args)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
