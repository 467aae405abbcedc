import { backoffDelayMs, type Random } from '../backoff';
import type { Logger } from '../log';
import type { KubeApi } from './kube-api';
import type { Pod, PodList, Status, WatchEvent } from './pod';

/** What the watch tells its user: every listed pod at once, then each change. */
export interface PodWatchHandlers {
  /** A full list (at start and after every 410 Gone): these are all the pods there are. */
  listed(pods: Pod[]): void;
  /** A pod added or changed. */
  changed(pod: Pod): void;
  /** A pod gone from the API. */
  deleted(pod: Pod): void;
}

export interface PodWatchOptions {
  api: KubeApi;
  namespace: string;
  selector: string;
  log: Logger;
  handlers: PodWatchHandlers;
  signal: AbortSignal;
  random?: Random;
  /** How long the server keeps one watch open before ending it (a random share is added, as client-go does). */
  watchSeconds?: number;
  /** Items per list page (`limit`; the rest follow with `continue`). */
  pageSize?: number;
  /** Longest wait between failed attempts. */
  backoffCapSeconds?: number;
}

/** A list or watch that must start again from a fresh list: the resourceVersion is too old (410 Gone). */
class Expired extends Error {}

/**
 * Lists and watches the pods of a label selector with the API's semantics: a consistent list (paged)
 * gives a resourceVersion; the watch starts there, with bookmarks, and each event or bookmark moves it
 * on; a watch the server ends normally is opened again from there; 410 Gone (as the HTTP status or as
 * an ERROR event with code 410) means that version is compacted away, so the pods are listed again;
 * any other failure is retried from the same version with capped exponential backoff. Runs until aborted.
 */
export async function watchPods(o: PodWatchOptions): Promise<void> {
  const random = o.random ?? Math.random;
  const base = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods?labelSelector=${encodeURIComponent(o.selector)}`;
  let resourceVersion: string | null = null;
  let failures = 0;
  while (!o.signal.aborted) {
    try {
      if (resourceVersion === null) {
        const { pods, version } = await list(o, base);
        resourceVersion = version;
        o.log.info(`listed ${pods.length} runner pod${pods.length === 1 ? '' : 's'} in ${o.namespace} (${o.selector}) at resourceVersion ${version}`);
        o.handlers.listed(pods);
      }
      const seconds = Math.round((o.watchSeconds ?? 300) * (1 + random()));
      let events = 0;
      const from: string = resourceVersion;
      const opened = Date.now();
      const answer = await o.api.stream(
        `${base}&watch=1&resourceVersion=${encodeURIComponent(from)}&allowWatchBookmarks=true&timeoutSeconds=${seconds}`,
        (line) => {
          events++;
          resourceVersion = onEvent(line as WatchEvent, o.handlers, resourceVersion!);
        },
        o.signal,
        (seconds + 30) * 1000,
      );
      if (answer.status === 410) throw new Expired(statusMessage(answer.body, 'resourceVersion too old'));
      if (answer.status !== 200) throw new Error(`watch answered ${answer.status}: ${statusMessage(answer.body, 'no message')}${hint(answer.status)}`);
      // The server ended the watch (its timeoutSeconds): open the next one from where this one got to.
      // One that ends at once with nothing in it is a fault, not a timeout: back off, do not spin.
      if (events === 0 && Date.now() - opened < 1000) throw new Error('watch ended at once without an event');
      failures = 0;
    } catch (err) {
      if (o.signal.aborted) return;
      if (err instanceof Expired) {
        o.log.info(`watch expired (410 Gone: ${err.message}): listing the pods again`);
        resourceVersion = null;
        continue;
      }
      failures++;
      const delay = backoffDelayMs(failures, o.backoffCapSeconds ?? 30, random, 500);
      o.log.warn(`pod ${resourceVersion === null ? 'list' : 'watch'} failed (${errorText(err)}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, o.signal);
    }
  }
}

/** Applies one watch event; answers the resourceVersion to resume from. */
function onEvent(event: WatchEvent, handlers: PodWatchHandlers, current: string): string {
  switch (event.type) {
    case 'ADDED':
    case 'MODIFIED':
      handlers.changed(event.object);
      return event.object.metadata.resourceVersion ?? current;
    case 'DELETED':
      handlers.deleted(event.object);
      return event.object.metadata.resourceVersion ?? current;
    case 'BOOKMARK':
      // Nothing changed for this selector up to here: resuming from it saves the server a replay.
      return event.object.metadata.resourceVersion;
    case 'ERROR':
      if (event.object.code === 410) throw new Expired(statusMessage(event.object, 'resourceVersion too old'));
      throw new Error(`watch error ${event.object.code ?? ''} ${event.object.reason ?? ''}: ${statusMessage(event.object, 'no message')}`);
    default:
      throw new Error(`unknown watch event type ${JSON.stringify((event as { type?: unknown }).type)}`);
  }
}

/** A consistent list, page by page; an expired continue token starts it over (410). */
async function list(o: PodWatchOptions, base: string): Promise<{ pods: Pod[]; version: string }> {
  const pods: Pod[] = [];
  let cont: string | undefined;
  let version = '';
  do {
    const answer = await o.api.call<PodList>('GET', `${base}&limit=${o.pageSize ?? 500}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, undefined, o.signal);
    if (answer.status === 410) throw new Expired(statusMessage(answer.body, 'continue token expired'));
    if (answer.status !== 200 || !answer.body || !Array.isArray(answer.body.items)) {
      throw new Error(`list answered ${answer.status}: ${statusMessage(answer.body, 'not a PodList')}${hint(answer.status)}`);
    }
    // A paged list is one snapshot: the first page's resourceVersion is the list's.
    if (!cont) version = answer.body.metadata.resourceVersion;
    pods.push(...answer.body.items);
    cont = answer.body.metadata.continue || undefined;
  } while (cont);
  return { pods, version };
}

function statusMessage(body: unknown, fallback: string): string {
  const message = (body as Status | null)?.message;
  return typeof message === 'string' && message ? message.slice(0, 300) : fallback;
}

function hint(status: number): string {
  if (status === 401) return ' (the service-account token was refused)';
  if (status === 403) return ' (the reconciler\'s Role must allow get, list, watch and delete on pods in this namespace)';
  return '';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits, or returns early when aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
