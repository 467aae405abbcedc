import { connect, type Socket } from 'node:net';
import { percentile, round } from './stats';

/** What one request of the load carries; `i` counts requests so callers can rotate tokens. */
export interface LoadRequest {
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Base URL on loopback, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /**
   * More servers beside `baseUrl` (replicas): a round-robin client. Request i goes to target
   * i mod n in the open loop; in the closed loop connection k belongs to target k mod n.
   */
  alsoUrls?: string[];
  /** Concurrent keep-alive connections, each running one request at a time (closed loop). */
  connections: number;
  /** Requests during the warm-up are sent but not counted. */
  warmupMs: number;
  durationMs: number;
  /** Hard cap on measured requests, so a runaway run stays bounded. */
  maxRequests: number;
  /** Per-request timeout; a timeout counts as an error. */
  timeoutMs?: number;
  build: (i: number) => LoadRequest;
  /**
   * Open loop: offer this many requests a second on a fixed schedule, whatever the answers take,
   * on up to `connections` sockets (more wait in the agent's queue). Latency then counts from each
   * request's scheduled time, so a stalled server cannot hide its backlog (no coordinated omission).
   * Unset: closed loop, each connection sends its next request when the last one is answered.
   */
  offeredPerSec?: number;
  /** Whether a response counts as a success (default: any 2xx). */
  ok?: (status: number) => boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** A few error descriptions (status codes or network errors) for the notes. */
  errorKinds: Record<string, number>;
  ratePerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  measuredMs: number;
}

/**
 * An HTTP load generator. Closed loop (default): `connections` loops each send a request, wait for
 * the whole response, and send the next, for warm-up + duration — the most the server answers.
 * Open loop (`offeredPerSec`): a fixed arrival rate, for latency at a given load. Latency runs to
 * the end of the response body. Only loopback targets are accepted.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const bases = [options.baseUrl, ...(options.alsoUrls ?? [])].map((u) => new URL(u));
  if (bases.some((b) => b.hostname !== '127.0.0.1')) throw new Error('the load generator only targets 127.0.0.1');
  const ok = options.ok ?? ((s: number) => s >= 200 && s < 300);
  const timeoutMs = options.timeoutMs ?? 10_000;

  let latencies = new Float64Array(1 << 16);
  let measured = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  let sent = 0;

  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;

  const record = (t0: number, success: boolean, kind?: string) => {
    if (t0 < measureFrom) return;
    if (!success) {
      errors++;
      if (kind) errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    }
    if (measured === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[measured++] = performance.now() - t0;
  };

  // A pool of connections per target, the connections dealt out round-robin.
  const targets = bases.map((base) => ({ base, pool: [] as RawConnection[], idle: [] as RawConnection[], waiting: [] as Array<() => void> }));
  for (let k = 0; k < Math.max(options.connections, targets.length); k++) {
    const t = targets[k % targets.length]!;
    const c = new RawConnection(t.base.port, timeoutMs);
    t.pool.push(c);
    t.idle.push(c);
  }
  const acquire = async (t: (typeof targets)[number]): Promise<RawConnection> => {
    // The longest idle first: every connection stays in use, as each runner's own would, rather
    // than a few busy ones and the rest closing and all reconnecting at once in the next burst.
    const free = t.idle.shift();
    if (free) return free;
    return new Promise((resolve) => t.waiting.push(() => resolve(t.idle.pop()!)));
  };
  const release = (t: (typeof targets)[number], c: RawConnection) => {
    t.idle.push(c);
    t.waiting.shift()?.();
  };

  const once = async (target: number, req: LoadRequest, scheduledAt?: number) => {
    // Open loop: the wait for a free connection counts, as it would for a real client.
    const t0 = scheduledAt ?? performance.now();
    const t = targets[target % targets.length]!;
    const c = await acquire(t);
    const answer = await c.send(encodeRequest(t.base.host, req));
    release(t, c);
    if ('status' in answer) record(t0, ok(answer.status), `HTTP ${answer.status}`);
    else record(t0, false, answer.error);
  };

  const loop = async (k: number) => {
    while (performance.now() < stopAt && measured < options.maxRequests) {
      await once(k, options.build(sent++));
    }
  };
  const openLoop = async (perSec: number) => {
    const interval = 1000 / perSec;
    const inflight = new Set<Promise<void>>();
    let next = performance.now();
    while (next < stopAt && measured < options.maxRequests) {
      const now = performance.now();
      for (; next <= now && next < stopAt; next += interval) {
        const i = sent++;
        const p = once(i, options.build(i), next);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
  };
  if (options.offeredPerSec) await openLoop(options.offeredPerSec);
  else await Promise.all(Array.from({ length: Math.max(options.connections, targets.length) }, (_, k) => loop(k)));
  // Open loop: a backlog answered after the window still took that long, so the rate counts it.
  const measuredMs = (options.offeredPerSec ? performance.now() : Math.min(performance.now(), stopAt)) - measureFrom;
  for (const t of targets) for (const c of t.pool) c.close();

  const samples = latencies.subarray(0, measured);
  return {
    requests: measured,
    errors,
    errorKinds,
    ratePerSec: measuredMs > 0 ? round((measured / measuredMs) * 1000, 0) : null,
    p50Ms: round(percentile(samples, 50), 2),
    p99Ms: round(percentile(samples, 99), 2),
    measuredMs,
  };
}

function encodeRequest(host: string, req: LoadRequest): Buffer {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [k, v] of Object.entries(req.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body) head += `content-length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
}

type Answer = { status: number } | { error: string };

/** How long a keep-alive socket may sit idle and still be used for the next request. */
const idleReuseMs = 4_000;

/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request at a time. Node's http client
 * costs the generator several times what the server spends on a small request, and on 2 cores the
 * generator shares the machine with the server: this keeps the generator out of the figures.
 * Responses are read by Content-Length or chunked framing, which is all the servers here send.
 */
class RawConnection {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: ((a: Answer) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastAnswerAt = 0;

  constructor(
    private readonly port: string,
    private readonly timeoutMs: number,
  ) {}

  send(bytes: Buffer): Promise<Answer> {
    // A socket idle for a while may be closing on the server's side (Node's keep-alive timeout is
    // 5 s): sending on it races the close and fails with ECONNRESET. Start afresh instead, as
    // undici does (its keep-alive timeout is 4 s).
    if (this.socket && performance.now() - this.lastAnswerAt > idleReuseMs) this.close();
    return new Promise((resolve) => {
      this.pending = resolve;
      this.buf = Buffer.alloc(0);
      this.timer = setTimeout(() => this.fail('timeout'), this.timeoutMs);
      this.open().write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const s = connect({ host: '127.0.0.1', port: Number(this.port), noDelay: true });
    // A socket already replaced (closed after a timeout, say) no longer speaks for this connection.
    s.on('data', (d) => this.socket === s && this.onData(d));
    s.on('error', (e) => this.socket === s && this.fail((e as NodeJS.ErrnoException).code ?? e.message));
    s.on('close', () => this.socket === s && this.fail('connection closed'));
    this.socket = s;
    return s;
  }

  private fail(error: string): void {
    this.close();
    this.finish({ error });
  }

  private finish(a: Answer): void {
    this.lastAnswerAt = performance.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    p?.(a);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const headEnd = this.buf.indexOf('\r\n\r\n');
    if (headEnd === -1) return;
    const head = this.buf.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyBytes = this.buf.length - headEnd - 4;
    let complete: boolean;
    if (length) complete = bodyBytes >= Number(length[1]);
    else if (/\r\ntransfer-encoding: *chunked/i.test(head)) complete = chunkedBodyComplete(this.buf, headEnd + 4);
    else complete = true;
    if (!complete) return;
    if (/\r\nconnection: *close/i.test(head)) this.close();
    this.buf = Buffer.alloc(0);
    this.finish({ status });
  }
}

/** Whether a chunked body starting at `from` has arrived whole: each chunk's size line, up to the last (0). */
export function chunkedBodyComplete(buf: Buffer, from: number): boolean {
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd === -1) return false;
    const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) return true; // not chunked after all: take what came rather than wait forever
    if (size === 0) return buf.length >= lineEnd + 4; // no trailers here: the last CRLF ends the body
    at = lineEnd + 2 + size + 2;
    if (at > buf.length) return false;
  }
}
