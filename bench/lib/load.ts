import { Agent, request } from 'node:http';
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
  const base = new URL(options.baseUrl);
  if (base.hostname !== '127.0.0.1') throw new Error('the load generator only targets 127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
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

  const once = (req: LoadRequest, scheduledAt?: number) =>
    new Promise<void>((resolve) => {
      const t0 = scheduledAt ?? performance.now();
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const r = request(
        { agent, host: base.hostname, port: base.port, path: req.path, method: req.method, headers, timeout: timeoutMs },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            record(t0, ok(status), `HTTP ${status}`);
            resolve();
          });
          res.on('error', (e) => {
            record(t0, false, e.message);
            resolve();
          });
        },
      );
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e) => {
        record(t0, false, (e as NodeJS.ErrnoException).code ?? e.message);
        resolve();
      });
      r.end(req.body);
    });

  const loop = async () => {
    while (performance.now() < stopAt && measured < options.maxRequests) {
      await once(options.build(sent++));
    }
  };
  const openLoop = async (perSec: number) => {
    const interval = 1000 / perSec;
    const inflight = new Set<Promise<void>>();
    let next = performance.now();
    while (next < stopAt && measured < options.maxRequests) {
      const now = performance.now();
      for (; next <= now && next < stopAt; next += interval) {
        const p = once(options.build(sent++), next);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
  };
  if (options.offeredPerSec) await openLoop(options.offeredPerSec);
  else await Promise.all(Array.from({ length: options.connections }, loop));
  // Open loop: a backlog answered after the window still took that long, so the rate counts it.
  const measuredMs = (options.offeredPerSec ? performance.now() : Math.min(performance.now(), stopAt)) - measureFrom;
  agent.destroy();

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
