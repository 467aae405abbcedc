// Heartbeats under read load (PRODUCT.md §9 round 2, `heartbeat.underReadLoad`): one control plane
// (the embedded default, PGlite) with a group of `liveInstances` heartbeating runners and
// `endedInstances` ended ones (the largest instance list), heartbeats offered at 2,000/s while
// `readers` clients read that whole list back to back. Figures: heartbeat latency at that load and how
// many live instances the control plane marked disconnected meanwhile (target: none).
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

/** Sum of the `instances disconnected` counts the server logged at or after `from` (epoch ms). */
export function disconnectedSince(output: string, from: number): number {
  let n = 0;
  for (const line of output.split('\n')) {
    if (!line.includes('"instances disconnected"')) continue;
    try {
      const record = JSON.parse(line) as { at?: string; msg?: string; count?: number };
      if (record.msg === 'instances disconnected' && Date.parse(record.at ?? '') >= from) n += record.count ?? 0;
    } catch {
      // a line cut by the output limit
    }
  }
  return n;
}

async function seed(cp: ControlPlane, o: UnderReadLoadOptions): Promise<{ groupId: string; live: string[] }> {
  const session = await cp.signIn();
  const group = await session.createGroup('Bench read load');
  const total = o.liveInstances + o.endedInstances;
  const tokens: string[] = new Array(total);
  const t0 = performance.now();
  await inParallel(total, 8, async (i) => {
    tokens[i] = (await registerInstance(cp.url, group.registrationKey, `read-load-${i}`)).instanceToken;
  });
  o.log(`under read load: registered ${total} instances in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ended = tokens.slice(o.liveInstances);
  await inParallel(ended.length, 8, async (i) => {
    const res = await fetch(cp.url + api.runnerEvents, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ended[i]}` },
      body: JSON.stringify({ type: 'terminated', exitCode: 0, signal: null, reason: 'Completed' }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`ending an instance answered ${res.status}`);
  });
  o.log(`under read load: ended ${ended.length} of them`);
  // Live runners have sent their first heartbeat (written through at once, PRODUCT.md §7) long before
  // anyone reads: the figure is the steady state, not 10,000 runners' first beats. Those are written
  // one at a time (≈ 200/s), so the instances that have beaten are kept beating meanwhile, as their
  // runners would, lest the offline window (20 s) pass and the load begin with reconnections.
  const live = tokens.slice(0, o.liveInstances);
  const beat = async (token: string) => {
    const res = await fetch(cp.url + api.runnerHeartbeat, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ version: '1.4.0' }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`a heartbeat answered ${res.status}`);
  };
  const step = 1_000;
  for (let from = 0; from < live.length; from += step) {
    await inParallel(Math.min(step, live.length - from), 8, (i) => beat(live[from + i]!));
    if (from > 0) await inParallel(from, 32, (i) => beat(live[i]!));
  }
  o.log(`under read load: ${live.length} live instances sent their first heartbeat`);
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
    // Read the log once the last sweeper pass of the run has had time to print.
    await new Promise((r) => setTimeout(r, 1_500));
    const marked = disconnectedSince(cp.output(), measureFrom);
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
    await cp.dispose();
  }
}
