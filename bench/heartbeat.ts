// Heartbeat ingest of one control-plane process under a load generator on loopback, beside a bare
// Hono "hello" endpoint measured the same way in the same run (the framework's ceiling). Each server
// gets two runs: closed loop (the most it sustains: the rate figure) and open loop at the target's
// 2,000 heartbeats/s (the latency figures: p99 at the load the target names, not at saturation).
import { loadavg } from 'node:os';
import { api } from '../src/contract';
import { childEnv, spawnNode, startControlPlane } from '../src/testing/processes';
import { inParallel, registerInstance } from './lib/fleet';
import { type LoadResult, runLoad } from './lib/load';
import { cpuSeconds, sampleProcess } from './lib/sample';
import type { IngestFigures } from './lib/results';
import { round } from './lib/stats';

export interface IngestOptions {
  durationMs: number;
  warmupMs: number;
  connections: number;
  /** Registered instances the heartbeats rotate over. */
  instances: number;
  /** Offered rate of the open-loop run (PRODUCT.md §9: 2,000/s); 0 skips it. */
  offeredPerSec: number;
  log: (line: string) => void;
}

export interface IngestRun {
  figures: IngestFigures;
  /** The closed-loop run: rate and latency at saturation. */
  saturation: LoadResult;
  /** The open-loop run at `offeredPerSec`, when there was one. */
  atTarget: LoadResult | null;
  notes: string[];
}

function describeErrors(label: string, r: LoadResult): string[] {
  if (r.errors === 0) return [];
  const kinds = Object.entries(r.errorKinds)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return [`${label}: ${r.errors} errors (${kinds})`];
}

/** The framework's ceiling: a bare Hono app on @hono/node-server, in its own process. */
export async function measureHello(o: IngestOptions): Promise<IngestRun> {
  const child = spawnNode('bench/hello-server.ts', [], { env: childEnv({ PORT: '0' }), outputLimit: 200_000 });
  try {
    const port = Number((await child.waitForOutput(/"listening":(\d+)/, 30_000))[1]);
    const sampler = sampleProcess(child.pid);
    const body = JSON.stringify({ version: '1.4.0' });
    const r = await runLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      connections: o.connections,
      warmupMs: o.warmupMs,
      durationMs: o.durationMs,
      maxRequests: 50_000_000,
      // Same method, headers and body size as a heartbeat, so only the work behind it differs.
      build: () => ({
        path: '/hello',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${'x'.repeat(50)}` },
        body,
      }),
    });
    const { peakRssMB: rssMB, cpuPercent, selfCpuPercent } = sampler.stop();
    o.log(`hello: ${r.ratePerSec}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors, server CPU ${cpuPercent} %, generator CPU ${selfCpuPercent} %`);
    return {
      figures: {
        ratePerSec: r.ratePerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        rssMB: round(rssMB, 0),
        // At saturation (its only run): % of a core × 10 = CPU ms per second, over requests per second.
        cpuMsPer1000: cpuPercent === null || !r.ratePerSec ? null : round(((cpuPercent * 10) / r.ratePerSec) * 1000, 1),
        databaseCpuMsPer1000: null,
      },
      saturation: r,
      atTarget: null,
      notes: [
        `hello: server CPU ${cpuPercent} % of a core, generator CPU ${selfCpuPercent} %, machine load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} after the run`,
        ...describeErrors('hello', r),
      ],
    };
  } finally {
    await child.stop();
  }
}

/** Registers `instances` runners against a real control plane, then heartbeats them as fast as it answers. */
export async function measureIngest(
  label: string,
  o: IngestOptions & { databaseUrl?: string; databaseCpuSeconds?: () => number | null },
): Promise<IngestRun> {
  const notes: string[] = [];
  const cp = await startControlPlane({ databaseUrl: o.databaseUrl, outputLimit: 200_000 });
  try {
    const session = await cp.signIn();
    const group = await session.createGroup(`Bench ingest ${label}`);
    const tokens: string[] = new Array(o.instances);
    const t0 = performance.now();
    await inParallel(o.instances, 8, async (i) => {
      tokens[i] = (await registerInstance(cp.url, group.registrationKey, `ingest-${i}`)).instanceToken;
    });
    const regSec = (performance.now() - t0) / 1000;
    o.log(`${label}: registered ${o.instances} instances in ${regSec.toFixed(1)} s`);
    notes.push(`${label}: ${o.instances} instances registered at ${Math.round(o.instances / regSec)}/s`);

    const sampler = sampleProcess(cp.process.pid);
    const body = JSON.stringify({ version: '1.4.0' });
    const load = (offeredPerSec?: number) =>
      runLoad({
        baseUrl: cp.url,
        connections: o.connections,
        warmupMs: o.warmupMs,
        durationMs: o.durationMs,
        maxRequests: 50_000_000,
        offeredPerSec,
        build: (i) => ({
          path: api.runnerHeartbeat,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
          body,
        }),
      });
    const r = await load();
    const sat = sampler.stop();
    o.log(
      `${label} saturation: ${r.ratePerSec}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors, peak RSS ${round(sat.peakRssMB, 0)} MB, server CPU ${sat.cpuPercent} %, generator CPU ${sat.selfCpuPercent} %`,
    );
    notes.push(
      `${label} saturation: ${r.ratePerSec}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, server CPU ${sat.cpuPercent} % of a core, generator CPU ${sat.selfCpuPercent} %, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} after`,
      ...describeErrors(`${label} saturation`, r),
    );
    let t: LoadResult | null = null;
    let peakRssMB = sat.peakRssMB;
    let cpuMsPer1000: number | null = null;
    let databaseCpuMsPer1000: number | null = null;
    if (o.offeredPerSec > 0) {
      const sampler2 = sampleProcess(cp.process.pid);
      // CPU per heartbeat at the target's rate: /proc utime + stime over the measured window only.
      const cpu = { server: null as number | null, database: null as number | null };
      const mark = setTimeout(() => {
        cpu.server = cpuSeconds(cp.process.pid);
        cpu.database = o.databaseCpuSeconds?.() ?? null;
      }, o.warmupMs);
      t = await load(o.offeredPerSec);
      clearTimeout(mark);
      const perThousand = (start: number | null, end: number | null) =>
        start === null || end === null || t!.requests === 0 ? null : round(((end - start) * 1000 * 1000) / t!.requests, 1);
      cpuMsPer1000 = perThousand(cpu.server, cpuSeconds(cp.process.pid));
      databaseCpuMsPer1000 = perThousand(cpu.database, o.databaseCpuSeconds?.() ?? null);
      const at = sampler2.stop();
      peakRssMB = Math.max(peakRssMB ?? 0, at.peakRssMB ?? 0);
      o.log(
        `${label} at ${o.offeredPerSec}/s offered: ${t.ratePerSec}/s answered, p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, ${t.errors} errors, server CPU ${at.cpuPercent} %, ${cpuMsPer1000} ms CPU per 1,000 heartbeats${databaseCpuMsPer1000 === null ? '' : ` (+ ${databaseCpuMsPer1000} ms in PostgreSQL)`}`,
      );
      notes.push(
        `${label} at ${o.offeredPerSec}/s offered: ${t.ratePerSec}/s answered, p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, server CPU ${at.cpuPercent} %, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} after`,
        ...describeErrors(`${label} at ${o.offeredPerSec}/s`, t),
      );
    }
    const latency = t ?? r;
    return {
      figures: {
        ratePerSec: r.ratePerSec,
        p50Ms: latency.p50Ms,
        p99Ms: latency.p99Ms,
        errors: r.errors + (t?.errors ?? 0),
        rssMB: round(peakRssMB, 0),
        cpuMsPer1000,
        databaseCpuMsPer1000,
      },
      saturation: r,
      atTarget: t,
      notes,
    };
  } finally {
    await cp.dispose();
  }
}
