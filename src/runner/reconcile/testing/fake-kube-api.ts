import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod, Status } from '../pod';

/** A request the fake API received, for assertions. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Event = { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; pod: Pod };

interface OpenWatch {
  namespace: string;
  selector: string;
  bookmarks: boolean;
  res: ServerResponse;
  sentRv: number;
}

/**
 * A loopback stand-in for the Kubernetes API's pod endpoints, speaking its formats and semantics:
 * list (PodList with the list's resourceVersion, `limit`/`continue` paging), watch (chunked
 * newline-delimited JSON events from a resourceVersion, BOOKMARK events when asked for, the server
 * ending a watch at `timeoutSeconds`, 410 Gone for a compacted resourceVersion — as an ERROR event in a
 * 200 stream, the way the API server does, or as the HTTP status), delete (DeleteOptions with a uid
 * precondition: 409 when it does not match), bearer-token authentication, and metav1.Status errors.
 */
export class FakeKubeApi {
  private server: Server | null = null;
  private readonly pods = new Map<string, Pod>();
  private readonly history: Event[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly continueTokens = new Map<string, { offset: number; rv: number; key: string }>();
  private rv = 1000;
  /** Watches from a resourceVersion below this get 410 Gone (etcd compaction). */
  private compactedBelow = 0;
  readonly requests: SeenRequest[] = [];
  url = '';
  /** Most items a list page holds, whatever `limit` asks (the API may always answer fewer). */
  pageSize = 500;
  /** How a compacted watch is refused: an ERROR event in a 200 stream (the API server's way) or HTTP 410. */
  goneAs: 'event' | 'status' = 'event';
  /** Splits each event's line across two writes and joins the next one to it: chunk boundaries mean nothing. */
  splitWrites = true;
  /** Answers for the next watch requests instead of a stream (e.g. 500), one per request. */
  readonly failNextWatches: number[] = [];

  constructor(
    readonly namespace: string,
    private readonly token: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.res.destroy();
    this.watches.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The current resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Creates or updates a pod (ADDED or MODIFIED), stamping uid, namespace and resourceVersion as the API does. */
  put(pod: Pod): Pod {
    const existing = this.pods.get(pod.metadata.name);
    const stored: Pod = structuredClone(pod);
    stored.metadata.namespace = this.namespace;
    stored.metadata.uid = existing?.metadata.uid ?? pod.metadata.uid ?? randomUUID();
    stored.metadata.resourceVersion = String(++this.rv);
    this.pods.set(stored.metadata.name, stored);
    this.emit({ rv: this.rv, type: existing ? 'MODIFIED' : 'ADDED', pod: stored });
    return structuredClone(stored);
  }

  /** The pod of that name, or undefined once deleted. */
  get(name: string): Pod | undefined {
    const p = this.pods.get(name);
    return p && structuredClone(p);
  }

  names(): string[] {
    return [...this.pods.keys()].sort();
  }

  /** Changes that touch no watched pod still move the resourceVersion on (other objects, other selectors). */
  bumpVersion(by = 1): void {
    this.rv += by;
  }

  /** Sends a BOOKMARK with the current resourceVersion on every open watch that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      this.write(w, { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } });
      w.sentRv = this.rv;
    }
  }

  /** Forgets history up to now: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedBelow = this.rv;
    this.history.length = 0;
    this.continueTokens.clear();
  }

  /** Ends every open watch normally, as the server does when a watch's timeoutSeconds is up. */
  endWatches(): void {
    for (const w of [...this.watches]) this.endOne(w);
  }

  /** Cuts every open watch's connection without ending the response (a network failure). */
  dropWatches(): void {
    for (const w of this.watches) w.res.socket?.destroy();
    this.watches.clear();
  }

  /** Number of watches open now. */
  get openWatches(): number {
    return this.watches.size;
  }

  watchRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.query.get('watch') === '1');
  }

  listRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.query.get('watch') !== '1');
  }

  deleteRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.method === 'DELETE');
  }

  private emit(event: Event): void {
    this.history.push(event);
    for (const w of this.watches) {
      if (w.namespace !== this.namespace || !matches(event.pod, w.selector)) continue;
      this.write(w, { type: event.type, object: { kind: 'Pod', apiVersion: 'v1', ...event.pod } });
      w.sentRv = event.rv;
    }
  }

  private pending = new WeakMap<ServerResponse, string>();

  private write(w: OpenWatch, event: unknown): void {
    const line = `${JSON.stringify(event)}\n`;
    if (!this.splitWrites) {
      w.res.write(line);
      return;
    }
    // Half of this line now; its rest goes out with the next line (or after a moment).
    const carried = this.pending.get(w.res) ?? '';
    const cut = Math.floor(line.length / 2);
    w.res.write(carried + line.slice(0, cut));
    this.pending.set(w.res, line.slice(cut));
    setTimeout(() => {
      const rest = this.pending.get(w.res);
      if (rest && !w.res.writableEnded && !w.res.destroyed) {
        this.pending.delete(w.res);
        w.res.write(rest);
      }
    }, 20);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body });
    if (req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = decodeURIComponent(m[1]!);
    const name = m[2] ? decodeURIComponent(m[2]) : null;
    if (namespace !== this.namespace) {
      return status(res, 403, 'Forbidden', `pods is forbidden: User "system:serviceaccount:${this.namespace}:reconciler" cannot list resource "pods" in API group "" in the namespace "${namespace}"`);
    }
    if (req.method === 'GET' && name === null) {
      return url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true' ? this.watch(url.searchParams, res) : this.list(url.searchParams, res);
    }
    if (req.method === 'DELETE' && name !== null) return this.remove(name, body, res);
    return status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private list(q: URLSearchParams, res: ServerResponse) {
    const selector = q.get('labelSelector') ?? '';
    const limit = Math.min(Number(q.get('limit') ?? '0') || Number.POSITIVE_INFINITY, this.pageSize);
    let offset = 0;
    let listRv = this.rv;
    const token = q.get('continue');
    if (token) {
      const cont = this.continueTokens.get(token);
      if (!cont) return status(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      this.continueTokens.delete(token);
      offset = cont.offset;
      listRv = cont.rv;
    }
    const all = [...this.pods.values()].filter((p) => matches(p, selector)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const items = all.slice(offset, offset + limit).map((p) => structuredClone(p));
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (offset + limit < all.length) {
      const next = randomUUID();
      this.continueTokens.set(next, { offset: offset + limit, rv: listRv, key: selector });
      metadata.continue = next;
      metadata.remainingItemCount = all.length - offset - limit;
    }
    json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata, items });
  }

  private watch(q: URLSearchParams, res: ServerResponse) {
    const failure = this.failNextWatches.shift();
    if (failure !== undefined) return status(res, failure, 'InternalError', 'etcdserver: request timed out');
    const from = Number(q.get('resourceVersion') ?? '0');
    const gone = Number.isFinite(from) && from > 0 && from < this.compactedBelow;
    if (gone && this.goneAs === 'status') return status(res, 410, 'Expired', `too old resource version: ${from} (${this.compactedBelow})`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    const w: OpenWatch = {
      namespace: this.namespace,
      selector: q.get('labelSelector') ?? '',
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      res,
      sentRv: from,
    };
    if (gone) {
      this.write(w, {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${this.compactedBelow})`, reason: 'Expired', code: 410 },
      });
      setTimeout(() => res.end(this.pending.get(res) ?? ''), 50);
      return;
    }
    for (const e of this.history) {
      if (e.rv > from && matches(e.pod, w.selector)) {
        this.write(w, { type: e.type, object: { kind: 'Pod', apiVersion: 'v1', ...e.pod } });
        w.sentRv = e.rv;
      }
    }
    this.watches.add(w);
    const seconds = Number(q.get('timeoutSeconds') ?? '0');
    const timer = seconds > 0 ? setTimeout(() => this.endOne(w), seconds * 1000) : null;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watches.delete(w);
    });
  }

  private endOne(w: OpenWatch): void {
    this.watches.delete(w);
    const rest = this.pending.get(w.res) ?? '';
    this.pending.delete(w.res);
    w.res.end(rest);
  }

  private remove(name: string, body: unknown, res: ServerResponse) {
    const pod = this.pods.get(name);
    if (!pod) return status(res, 404, 'NotFound', `pods "${name}" not found`);
    const uid = (body as { preconditions?: { uid?: string } } | null)?.preconditions?.uid;
    if (uid && uid !== pod.metadata.uid) {
      return status(res, 409, 'Conflict', `Operation cannot be fulfilled on Pod "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    this.pods.delete(name);
    const gone: Pod = structuredClone(pod);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', pod: gone });
    json(res, 200, { kind: 'Pod', apiVersion: 'v1', ...gone });
  }
}

/** Equality-based label selectors (`a=b,c!=d,e,!f`), the subset the reconciler's selector uses. */
export function matches(pod: Pod, selector: string): boolean {
  const labels = pod.metadata.labels ?? {};
  for (const term of selector.split(',').map((t) => t.trim()).filter(Boolean)) {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (ne) {
      if (labels[ne[1]!.trim()] === ne[2]!.trim()) return false;
    } else if (eq) {
      if (labels[eq[1]!.trim()] !== eq[2]!.trim()) return false;
    } else if (term.startsWith('!')) {
      if (term.slice(1) in labels) return false;
    } else if (!(term in labels)) return false;
  }
  return true;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  const body: Status & { metadata: object } = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  json(res, code, body);
}
