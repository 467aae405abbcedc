// Runners page with 1,000 groups and the Edit dialog with 10,000 instances, in real Chromium against
// a real control plane: DOM elements, first render after data, filter keystroke → updated list.
// The reference is the same measurement with 10 groups and 10 instances, in the same run.
import type { Locator, Page } from '@playwright/test';
import { launchChromium, signedInContext } from './lib/browser';
import { startControlPlane } from '../src/testing/processes';
import { inParallel, registerInstance } from './lib/fleet';
import { addProbes, probe, waitForProbe } from './lib/page-probes';
import { median, round } from './lib/stats';

export interface ViewFigures {
  domNodes: number | null;
  firstRenderMs: number | null;
  filterMs: number | null;
}

export interface ConsoleFigures {
  groups: number;
  instances: number;
  runnersPage: ViewFigures;
  editDialog: ViewFigures;
  reference: { runnersPage: ViewFigures; editDialog: ViewFigures; groups: number; instances: number };
  notes: string[];
}

export interface ConsoleOptions {
  groups: number;
  instances: number;
  trials: number;
  log: (line: string) => void;
}

const groupName = (i: number) => `Bench ${String(i).padStart(4, '0')}`;
const groupPattern = 'Bench \\d{4}';
const instanceName = (i: number) => `inst-${String(i).padStart(5, '0')}`;
const instancePattern = 'inst-\\d{5}';
// One keystroke each: a digit that only some names contain. The instance filter also matches the
// address (10.20.30.40) and version (1.4.0), so its digits avoid theirs.
const groupDigits = '123456789';
const instanceDigits = '56789';
const groupsPath = '^/api/v1/runner-groups$';
const instancesPath = '^/api/v1/runner-groups/[^/]+/instances$';
const dialog = '[role="dialog"]';

/** The text field that filters a list: a search box, or a text field labelled search/filter. */
function filterField(scope: Page | Locator): Locator {
  return scope
    .getByRole('searchbox')
    .or(scope.getByRole('textbox', { name: /search|filter/i }))
    .first();
}

async function openRunners(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Runners', level: 1 }).waitFor();
  await waitForProbe(page, 'renderDone', {}, 60_000);
}

async function openEdit(page: Page, name: string): Promise<void> {
  const more = page.getByRole('button', { name: `More actions for ${name}` });
  // With a virtualized list the group may be off screen: search for it as a user would.
  if (!(await more.isVisible())) await filterField(page).fill(name);
  await more.click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  await page.getByRole('dialog').waitFor();
}

/** Elements in the document once the count has held still for half a second (lazy parts loaded). */
async function settledDomElements(page: Page): Promise<number> {
  let last = await probe<number>(page, 'domElements');
  for (let stable = 0; stable < 2; ) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await probe<number>(page, 'domElements');
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** First render after data, `trials` times; `open` loads the view fresh so the data is fetched anew. */
async function firstRender(page: Page, trials: number, open: () => Promise<void>, dataPath: string) {
  const samples: number[] = [];
  let dataBytes = 0;
  for (let i = 0; i < trials; i++) {
    await page.goto('about:blank');
    await open();
    const r = await waitForProbe<{ firstRenderMs: number; dataBytes: number }>(page, 'readRender', { dataPath }, 60_000);
    samples.push(r.firstRenderMs);
    dataBytes = r.dataBytes;
  }
  return { ms: round(median(samples), 0), dataBytes, samples };
}

/**
 * Filter keystroke → updated list, `trials` times. Each trial empties the field, waits for the
 * unfiltered list to be back, then types one digit that some listed name lacks, so that the list
 * must change; the time is from the keydown to the frame where every listed name contains it.
 */
async function filterLatency(page: Page, field: Locator, trials: number, rootSelector: string, pattern: string, digits: string) {
  const names = () => probe<string[]>(page, 'visibleNames', { rootSelector, pattern });
  await field.fill('');
  await waitForProbe(page, 'visibleNames', { rootSelector, pattern }, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  const unfiltered = JSON.stringify(await names());
  const usable = [...digits].filter((d) => (JSON.parse(unfiltered) as string[]).some((n) => !n.includes(d)));
  if (usable.length === 0) throw new Error(`every listed name contains each of ${digits}`);
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    const query = usable[i % usable.length]!;
    await field.fill('');
    const deadline = Date.now() + 30_000;
    while (JSON.stringify(await names()) !== unfiltered) {
      if (Date.now() > deadline) throw new Error('the list did not come back unfiltered within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await field.focus();
    await probe(page, 'installFilterProbe', { rootSelector, pattern, query });
    await page.keyboard.press(query);
    samples.push(await waitForProbe<number>(page, 'readFilter', {}, 30_000));
  }
  await field.fill('');
  return { ms: round(median(samples), 0), samples };
}

/** Runs one measurement; a failure leaves its figure null and says why in the notes. */
async function attempt<T>(what: string, notes: string[], fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    notes.push(`${what}: not measured (${(e as Error).message.split('\n')[0]})`);
    return null;
  }
}

async function measureViews(page: Page, bigGroup: string, trials: number, log: (l: string) => void, label: string, notes: string[]) {
  const runnersPage: ViewFigures = { domNodes: null, firstRenderMs: null, filterMs: null };
  const editDialog: ViewFigures = { domNodes: null, firstRenderMs: null, filterMs: null };

  const groupsRender = await attempt(`${label} Runners page first render`, notes, () =>
    firstRender(
      page,
      trials,
      async () => {
        // The init script armed the render probe for group rows before the console's scripts ran.
        await page.goto('/');
        await waitForProbe(page, 'renderDone', {}, 60_000);
      },
      groupsPath,
    ),
  );
  runnersPage.firstRenderMs = groupsRender?.ms ?? null;
  runnersPage.domNodes = await attempt(`${label} Runners page DOM`, notes, () => settledDomElements(page));
  runnersPage.filterMs =
    (await attempt(`${label} Runners page filter`, notes, () => filterLatency(page, filterField(page), trials, 'body', groupPattern, groupDigits)))?.ms ??
    null;
  log(`${label} Runners page: ${runnersPage.domNodes} elements, first render ${runnersPage.firstRenderMs} ms (${groupsRender?.dataBytes} B of JSON), filter ${runnersPage.filterMs} ms`);

  const editRender = await attempt(`${label} Edit dialog first render`, notes, () =>
    firstRender(
      page,
      trials,
      async () => {
        await openRunners(page);
        await probe(page, 'installRenderProbe', { rootSelector: dialog, pattern: instancePattern });
        await openEdit(page, bigGroup);
        await waitForProbe(page, 'renderDone', {}, 60_000);
      },
      instancesPath,
    ),
  );
  editDialog.firstRenderMs = editRender?.ms ?? null;
  if (editRender) log(`${label} Edit dialog first render: ${editRender.samples.map((v) => Math.round(v)).join(', ')} ms`);
  editDialog.domNodes = await attempt(`${label} Edit dialog DOM`, notes, () => settledDomElements(page));
  editDialog.filterMs =
    (
      await attempt(`${label} Edit dialog filter`, notes, () =>
        filterLatency(page, filterField(page.getByRole('dialog')), trials, dialog, instancePattern, instanceDigits),
      )
    )?.ms ?? null;
  log(`${label} Edit dialog: ${editDialog.domNodes} elements, first render ${editDialog.firstRenderMs} ms (${editRender?.dataBytes} B of JSON), filter ${editDialog.filterMs} ms`);
  return { runnersPage, editDialog };
}

export async function measureConsole(o: ConsoleOptions): Promise<ConsoleFigures> {
  const notes: string[] = [];
  const smallGroups = 10;
  const smallInstances = 10;
  // Runners go offline after 2 s here so the 10,000 registered instances settle before measuring:
  // the figures are about rendering, and no status sweep should land in the middle of a trial.
  const cp = await startControlPlane({ env: { PADDOCK_HEARTBEAT_SECONDS: '1', PADDOCK_OFFLINE_AFTER_SECONDS: '2' }, outputLimit: 200_000 });
  const browser = await launchChromium();
  try {
    const session = await cp.signIn();
    const keys: string[] = [];
    const ids: string[] = [];
    const createGroups = async (from: number, to: number) =>
      inParallel(to - from, 4, async (k) => {
        const g = await session.createGroup(groupName(from + k));
        keys[from + k] = g.registrationKey;
        ids[from + k] = g.id;
      });
    const register = async (group: number, names: string[]) =>
      inParallel(names.length, 8, async (k) => {
        await registerInstance(cp.url, keys[group]!, names[k]!);
      });
    const settle = async (group: number) => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const g = await session.group(ids[group]!);
        if (g.connectedCount === 0) return g.instanceCount;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error('instances did not settle to disconnected within 120 s');
    };

    // Reference: 10 groups, one with 10 instances ("Bench 0001" is the group the Edit dialog opens).
    await createGroups(0, smallGroups);
    await register(1, Array.from({ length: smallInstances }, (_, k) => `inst-1000${k}`));
    await settle(1);

    const context = await signedInContext(browser, cp.url, cp.adminPassword);
    const page = await context.newPage();
    await addProbes(page, { rootSelector: 'body', pattern: groupPattern });
    const small = await measureViews(page, groupName(1), o.trials, o.log, 'reference', notes);

    // The real figure: 1,000 groups, the Edit dialog's group with 10,000 instances. The console is
    // closed while seeding, so its live refetches do not slow the registrations down.
    await page.goto('about:blank');
    const t0 = performance.now();
    await createGroups(smallGroups, o.groups);
    o.log(`created ${o.groups - smallGroups} more groups in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    await register(1, Array.from({ length: o.instances - smallInstances }, (_, k) => instanceName(k)));
    o.log(`registered ${o.instances - smallInstances} more instances in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const count = await settle(1);
    if (count !== o.instances) notes.push(`console: the big group lists ${count} instances, expected ${o.instances}`);
    const big = await measureViews(page, groupName(1), o.trials, o.log, 'figure', notes);
    await context.close();

    notes.push(
      `console: Chromium ${browser.version()}, 1280×900 viewport, median of ${o.trials}; first render = end of the data response → the frame after the first row appears; filter = keydown → the frame after every listed row matches; DOM = elements in the document (with the Edit dialog open over the Runners page for the dialog)`,
    );
    return {
      groups: o.groups,
      instances: o.instances,
      runnersPage: big.runnersPage,
      editDialog: big.editDialog,
      reference: { ...small, groups: smallGroups, instances: smallInstances },
      notes,
    };
  } finally {
    await browser.close();
    await cp.dispose();
  }
}
