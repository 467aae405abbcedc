// Heartbeats under read load (PRODUCT.md §9 round 2, `heartbeat.underReadLoad`): one control plane
// (the embedded default, PGlite) with a group of `liveInstances` heartbeating runners and
// `endedInstances` ended ones (the largest instance list), heartbeats offered at 2,000/s while
// `readers` clients read that whole list back to back. Figures: heartbeat latency at that load and how
// many live instances the control plane marked disconnected meanwhile (target: none).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { api } from '../src/contract';
import { childEnv, type ControlPlane, spawnNode, startControlPlane } from '../src/testing/processes';
import { inParallel, registerInstance } from './lib/fleet';
import { runLoad } from './lib/load';
import { sampleProcess } from './lib/sample';
import { round } from './lib/stats';

/** `heartbeat.underReadLoad` in latest.json. */
export interface UnderReadLoadFigures {
  offeredPerSec: number;
  ratePerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number | null;
  /** Live (heartbeating) instances the control plane marked disconnected during the measured run. */
  markedDisconnected: number | null;
  readers: number;
  /** Instances in the list the readers read (live + ended). */
  listInstances: number;
  readsPerSec: number | null;
  readP50Ms: number | null;
  readP99Ms: number | null;
  /** Mean bytes on the wire per read (compressed when the server compresses). */
  readBytes: number | null;
}

export const emptyUnderReadLoad = (): UnderReadLoadFigures => ({
  offeredPerSec: 0,
  ratePerSec: null,
  p50Ms: null,
  p99Ms: null,
  errors: null,
  markedDisconnected: null,
  readers: 0,
  listInstances: 0,
  readsPerSec: null,
  readP50Ms: null,
  readP99Ms: null,
  readBytes: null,
});

export interface UnderReadLoadOptions {
  liveInstances: number;
  endedInstances: number;
  readers: number;
  offeredPerSec: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
  log: (line: string) => void;
}

/** Sum of the `instances disconnected` counts the server logged from `from` to `until` (epoch ms). */
export function disconnectedSince(output: string, from: number, until = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (const line of output.split('\n')) {
    if (!line.includes('"instances disconnected"')) continue;
    try {
      const record = JSON.parse(line) as { at?: string; msg?: string; count?: number };
      const at = Date.parse(record.at ?? '');
      if (record.msg === 'instances disconnected' && at >= from && at <= until) n += record.count ?? 0;
    } catch {
      // a line cut by the output limit
    }
  }
  return n;
}

async function seed(cp: ControlPlane, o: UnderReadLoadOptions): Promise<{ groupId: string; live: string[] }> {
  const session = await cp.signIn();
  const group = await session.createGroup('Bench read load');
  const post = async (path: string, token: string, body: unknown, status: number) => {
    const res = await fetch(cp.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`POST ${path} answered ${res.status}`);
  };
  const beat = (token: string) => post(api.runnerHeartbeat, token, { version: '1.4.0' }, 200);
  // Live runners register and send their first heartbeat (written through at once, PRODUCT.md §7)
  // long before anyone reads: the figure is the steady state. Each live instance sends its first
  // beat as soon as it is registered, and in between batches of registrations every instance that has
  // is sent another, as its runner would keep beating: the offline window (20 s) must never pass for
  // one, lest the load begin with reconnections. Batches alternate with those rounds, not run beside
  // them: registrations would take the server's whole thread and the rounds would fall behind.
  const live: string[] = [];
  const batch = 500;
  // Through the load generator's raw sockets: fetch costs this process about a millisecond a request,
  // and a round over 10,000 instances must take well under the offline window.
  const keepAlive = async () => {
    const r0 = performance.now();
    const round = await runLoad({
      baseUrl: cp.url,
      connections: 16,
      warmupMs: 0,
      durationMs: 60_000,
      maxRequests: live.length,
      build: (i) => ({
        path: api.runnerHeartbeat,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${live[i % live.length]}` },
        body: JSON.stringify({ version: '1.4.0' }),
      }),
    });
    if (round.errors > 0) throw new Error(`keeping the live instances beating: ${JSON.stringify(round.errorKinds)}`);
    if (process.env.PADDOCK_BENCH_DEBUG) o.log(`round of ${live.length}: ${Math.round(performance.now() - r0)} ms; marked so far ${disconnectedSince(cp.output(), 0)}`);
  };
  const t0 = performance.now();
  for (let from = 0; from < o.liveInstances; from += batch) {
    const b0 = performance.now();
    await inParallel(Math.min(batch, o.liveInstances - from), 8, async (i) => {
      const { instanceToken } = await registerInstance(cp.url, group.registrationKey, `read-load-${from + i}`);
      await beat(instanceToken);
      live.push(instanceToken);
    });
    if (process.env.PADDOCK_BENCH_DEBUG) o.log(`batch: ${Math.round(performance.now() - b0)} ms`);
    await keepAlive();
  }
  o.log(`under read load: registered ${o.liveInstances} live instances, each with its first heartbeat, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  for (let from = 0; from < o.endedInstances; from += batch) {
    await inParallel(Math.min(batch, o.endedInstances - from), 8, async (i) => {
      const { instanceToken } = await registerInstance(cp.url, group.registrationKey, `read-load-ended-${from + i}`);
      await post(api.runnerEvents, instanceToken, { type: 'terminated', exitCode: 0, signal: null, reason: 'Completed' }, 202);
    });
    await keepAlive();
  }
  o.log(`under read load: registered and ended ${o.endedInstances} more in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  o.log(`under read load: live instances marked disconnected while seeding: ${disconnectedSince(cp.output(), 0)}`);
  return { groupId: group.id, live };
}

export async function measureUnderReadLoad(o: UnderReadLoadOptions): Promise<{ figures: UnderReadLoadFigures; notes: string[] }> {
  const notes: string[] = [];
  const cp = await startControlPlane({ outputLimit: 2_000_000 });
  try {
    const { groupId, live } = await seed(cp, o);
    const listPath = api.instances(groupId);
    const startAt = Date.now() + 2_000;
    const measureFrom = startAt + o.warmupMs;
    const readers = spawnNode('bench/list-reader.ts', [], {
      env: childEnv({
        PADDOCK_READER_URL: cp.url,
        PADDOCK_READER_PATH: listPath,
        PADDOCK_READER_PASSWORD: cp.adminPassword,
        PADDOCK_READER_CLIENTS: String(o.readers),
        PADDOCK_READER_SECONDS: String((o.warmupMs + o.durationMs) / 1000),
        PADDOCK_READER_START_AT: String(startAt),
      }),
      outputLimit: 100_000,
    });
    await readers.waitForOutput(/"ready":true/, 30_000);
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
    const sampler = sampleProcess(cp.process.pid);
    const body = JSON.stringify({ version: '1.4.0' });
    const hb = await runLoad({
      baseUrl: cp.url,
      connections: o.connections,
      warmupMs: o.warmupMs,
      durationMs: o.durationMs,
      maxRequests: 50_000_000,
      offeredPerSec: o.offeredPerSec,
      build: (i) => ({
        path: api.runnerHeartbeat,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${live[i % live.length]}` },
        body,
      }),
    });
    const server = sampler.stop();
    const readLine = (await readers.waitForOutput(/\{"reads".*\}/, 120_000))[0];
    const read = JSON.parse(readLine) as {
      reads: number;
      errors: number;
      readsPerSec: number;
      meanBytes: number | null;
      encodings: Record<string, number>;
      p50Ms: number | null;
      p99Ms: number | null;
    };
    // Marked until the offline window less a heartbeat interval and a sweep after the load (+ 14 s): an instance
    // marked by then missed a heartbeat it sent during the load. Later, every instance is silent, as it
    // should be. The log is read once the sweeper passes of that time have had time to print.
    const markedUntil = measureFrom + o.durationMs + 14_000;
    await new Promise((r) => setTimeout(r, Math.max(1_500, markedUntil + 1_500 - Date.now())));
    const marked = disconnectedSince(cp.output(), measureFrom, markedUntil);
    const figures: UnderReadLoadFigures = {
      offeredPerSec: o.offeredPerSec,
      ratePerSec: hb.ratePerSec,
      p50Ms: hb.p50Ms,
      p99Ms: hb.p99Ms,
      errors: hb.errors + read.errors,
      markedDisconnected: marked,
      readers: o.readers,
      listInstances: o.liveInstances + o.endedInstances,
      readsPerSec: read.readsPerSec,
      readP50Ms: read.p50Ms,
      readP99Ms: read.p99Ms,
      readBytes: read.meanBytes,
    };
    const line = `heartbeats under read load: ${hb.ratePerSec}/s answered of ${o.offeredPerSec}/s offered, p50 ${hb.p50Ms} ms, p99 ${hb.p99Ms} ms, ${hb.errors} heartbeat errors; ${marked} live instances marked disconnected; ${o.readers} readers of a ${figures.listInstances}-instance list: ${read.readsPerSec} reads/s, p50 ${read.p50Ms} ms, p99 ${read.p99Ms} ms, ${read.meanBytes} bytes a read (${JSON.stringify(read.encodings)}), ${read.errors} read errors; server CPU ${server.cpuPercent} %, peak RSS ${round(server.peakRssMB, 0)} MB, generator CPU ${server.selfCpuPercent} %; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} after`;
    o.log(line);
    notes.push(line);
    if (hb.errors > 0) notes.push(`under read load heartbeat errors: ${JSON.stringify(hb.errorKinds)}`);
    await readers.stop();
    return { figures, notes };
  } finally {
    // PADDOCK_BENCH_SERVER_LOG=file keeps what the control plane printed, to see why a figure is what it is.
    if (process.env.PADDOCK_BENCH_SERVER_LOG) writeFileSync(process.env.PADDOCK_BENCH_SERVER_LOG, cp.output());
    await cp.dispose();
  }
}
