// 1, 2 and 3 control planes on one PostgreSQL behind a round-robin client (PRODUCT.md §9 round 2, §14):
// the combined heartbeat rate (closed loop), p99 at the target's 2,000/s (open loop), errors, and
// whether the duties happened once: after the load every instance falls silent, and the disconnect
// sweep must mark each exactly once across the replicas' logs. On 2 cores more processes cannot add
// speed; the figure is the cost line and the correctness.
import { api } from '../src/contract';
import { type ControlPlane, startControlPlane, waitFor } from '../src/testing/processes';
import { inParallel, registerInstance } from './lib/fleet';
import { type LoadResult, runLoad } from './lib/load';
import type { Postgres } from './lib/postgres';
import type { ReplicasResult } from './lib/results';
import { rssMB } from './lib/sample';
import { round } from './lib/stats';

export interface ReplicasOptions {
  counts: number[];
  pg: Postgres;
  durationMs: number;
  warmupMs: number;
  connections: number;
  instances: number;
  offeredPerSec: number;
  log: (line: string) => void;
}

/** Short enough that the silent fleet is swept soon after the load; long enough that rotating heartbeats keep it connected. */
const offlineAfterSeconds = 10;

async function metrics(cp: ControlPlane): Promise<string> {
  return (await fetch(`${cp.url}/metrics`)).text();
}

function metric(text: string, name: string): number | null {
  const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Instances this replica's log says it marked disconnected. */
function sweptBy(cp: ControlPlane): number {
  let n = 0;
  for (const line of cp.output().split('\n')) {
    if (!line.includes('"instances disconnected"')) continue;
    try {
      n += (JSON.parse(line) as { count?: number }).count ?? 0;
    } catch {
      // a line cut by the output limit
    }
  }
  return n;
}

async function one(count: number, o: ReplicasOptions): Promise<{ row: ReplicasResult; notes: string[] }> {
  const url = await o.pg.createDatabase(`paddock_replicas_${count}_${Date.now()}`);
  const replicas: ControlPlane[] = [];
  try {
    // One at a time: the first migrates and creates the admin, the others find both done.
    for (let i = 0; i < count; i++) {
      replicas.push(
        await startControlPlane({ databaseUrl: url, outputLimit: 2_000_000, env: { PADDOCK_OFFLINE_AFTER_SECONDS: String(offlineAfterSeconds) } }),
      );
    }
    const session = await replicas[0]!.signIn();
    const group = await session.createGroup(`Bench replicas ${count}`);
    const tokens: string[] = new Array(o.instances);
    await inParallel(o.instances, 8, async (i) => {
      tokens[i] = (await registerInstance(replicas[i % count]!.url, group.registrationKey, `replica-${i}`)).instanceToken;
    });
    const body = JSON.stringify({ version: '1.4.0' });
    const load = (offeredPerSec?: number) =>
      runLoad({
        baseUrl: replicas[0]!.url,
        alsoUrls: replicas.slice(1).map((r) => r.url),
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
    const beforeLoad = replicas.map(sweptBy);
    const sat = await load();
    o.log(`replicas ${count}: saturation ${sat.ratePerSec}/s, p50 ${sat.p50Ms} ms, p99 ${sat.p99Ms} ms, ${sat.errors} errors`);
    const at: LoadResult | null = o.offeredPerSec > 0 ? await load(o.offeredPerSec) : null;
    if (at) o.log(`replicas ${count}: at ${o.offeredPerSec}/s offered ${at.ratePerSec}/s, p50 ${at.p50Ms} ms, p99 ${at.p99Ms} ms, ${at.errors} errors`);
    const rss = replicas.map((r) => round(rssMB(r.process.pid), 0));

    // Heartbeats rotated over every instance faster than the offline window: none may have been swept.
    const afterLoad = replicas.map(sweptBy);
    const wronglySwept = afterLoad.reduce((n, x, i) => n + x - beforeLoad[i]!, 0);
    const byStatus = async (status: string) => metric(await metrics(replicas[0]!), `paddock_instances{status="${status}"}`) ?? 0;
    // Now all fall silent: each still connected must be marked disconnected once, by whichever replica sweeps.
    const connectedAtSilence = await byStatus('connected');
    const silentAt = performance.now();
    await waitFor(async () => (await byStatus('disconnected')) >= o.instances, `all ${o.instances} silent instances marked disconnected`, (offlineAfterSeconds + 30) * 1000, 500);
    const sweptMs = Math.round(performance.now() - silentAt);
    // The sweep's log line comes after its commit: give the last one a moment to be read.
    await waitFor(
      () => replicas.reduce((n, r, i) => n + sweptBy(r) - afterLoad[i]!, 0) >= connectedAtSilence,
      'the sweeps in the replicas’ logs',
      5_000,
      200,
    ).catch(() => {});
    const swept = replicas.map((r, i) => sweptBy(r) - afterLoad[i]!);
    const passes = await Promise.all(
      replicas.map(async (r) => {
        const text = await metrics(r);
        return { ran: metric(text, 'paddock_duty_passes_total{duty="sweep",outcome="ran"}'), skipped: metric(text, 'paddock_duty_passes_total{duty="sweep",outcome="skipped"}') };
      }),
    );
    const total = swept.reduce((a, b) => a + b, 0);
    const row: ReplicasResult = {
      count,
      ratePerSec: sat.ratePerSec,
      p99Ms: at?.p99Ms ?? sat.p99Ms,
      errors: sat.errors + (at?.errors ?? 0),
      p50Ms: at?.p50Ms ?? sat.p50Ms,
      saturationP99Ms: sat.p99Ms,
      liveMarkedDisconnected: wronglySwept,
      sweptOnce: total === connectedAtSilence,
      rssMB: rss,
    };
    return {
      row,
      notes: [
        `replicas ${count}: ${o.instances} instances registered round-robin; saturation ${sat.ratePerSec}/s (p99 ${sat.p99Ms} ms)${at ? `, at ${o.offeredPerSec}/s offered ${at.ratePerSec}/s answered, p50 ${at.p50Ms} ms, p99 ${at.p99Ms} ms` : ''}; errors ${row.errors}${describeErrors(sat, at)}; instances marked disconnected during the load (heartbeats answered too late for the offline window): ${wronglySwept}; after the load all ${o.instances} fell silent (${connectedAtSilence} still connected) and all were disconnected ${sweptMs} ms later (offline window ${offlineAfterSeconds} s), swept by the replicas ${swept.join(' + ')} = ${total} (once each: ${total === connectedAtSilence ? 'yes' : 'NO'}); sweep passes ran/skipped per replica ${passes.map((p) => `${p.ran}/${p.skipped}`).join(', ')}; replica RSS ${rss.join(', ')} MB`,
      ],
    };
  } finally {
    await Promise.all(replicas.map((r) => r.dispose()));
  }
}

function describeErrors(...runs: Array<LoadResult | null>): string {
  const kinds: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r?.errorKinds ?? {})) kinds[k] = (kinds[k] ?? 0) + n;
  const list = Object.entries(kinds).map(([k, n]) => `${k} ×${n}`);
  return list.length ? ` (${list.join(', ')})` : '';
}

/** Runs each replica count in turn, each on a fresh database of the same PostgreSQL. */
export async function measureReplicas(o: ReplicasOptions): Promise<{ rows: ReplicasResult[]; notes: string[] }> {
  const rows: ReplicasResult[] = [];
  const notes: string[] = [
    `replicas: control planes (tsx, as the heartbeat figure's) on one PostgreSQL ${o.pg.version}, a round-robin client (request i → replica i mod n in the open loop; connection k → replica k mod n in the closed loop), ${o.connections} connections; rate = closed loop, p99 = open loop at ${o.offeredPerSec}/s, ${o.warmupMs / 1000} s warm-up + ${o.durationMs / 1000} s each; all processes share the machine's cores with PostgreSQL and the generator, so more replicas add no speed here`,
  ];
  for (const count of o.counts) {
    o.log(`replicas: ${count} control plane${count > 1 ? 's' : ''}…`);
    const r = await one(count, o);
    rows.push(r.row);
    notes.push(...r.notes);
  }
  return { rows, notes };
}
