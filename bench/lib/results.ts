import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { emptyUnderReadLoad, type UnderReadLoadFigures } from '../under-read-load';

/** Median and max of repeated timings, in milliseconds. */
export interface MedianMax {
  median: number | null;
  max: number | null;
}

/** One server's heartbeat ingest under the load generator. */
export interface IngestFigures {
  ratePerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number | null;
  rssMB: number | null;
  /** Round 2: control-plane CPU time (user + system) per 1,000 heartbeats at the offered 2,000/s. */
  cpuMsPer1000: number | null;
  /** Beside it: the database's own processes (PostgreSQL only; PGlite runs inside the control plane). */
  databaseCpuMsPer1000: number | null;
}

/** Round 2: the idle footprint of the embedded default (`npm start`, PGlite), RSS in MiB. */
export interface FootprintResults {
  /** RSS 60 s after the first start on an empty data directory answered readyz, no load. */
  idleRssMB: number | null;
  /** Spawn → readyz, first start (PGlite's initdb included). */
  startMs: number | null;
  /** The same after a restart on that directory. */
  restartIdleRssMB: number | null;
  restartStartMs: number | null;
  /** Highest RSS of either start (VmHWM). */
  peakRssMB: number | null;
}

/** Round 2: one row of the growth table (bench/growth.ts). */
export interface GrowthResult {
  db: 'pglite' | 'postgres';
  phase: 'growth' | 'churn';
  atSec: number | null;
  registered: number;
  ended: number;
  groupListP50Ms: number | null;
  instancePageP50Ms: number | null;
  dbSizeMB: number | null;
  instancesMB: number | null;
  eventsMB: number | null;
  rssMB: number | null;
}

/** Round 2: retention catching up on a large backlog while runners heartbeat (bench/growth.ts). */
export interface RetentionResult {
  db: 'pglite' | 'postgres';
  deleted: number;
  durationMs: number | null;
  worstP99Ms: number | null;
  errors: number;
  /** Each 5-s window's p99 while the round ran (null: nothing answered in it). */
  windowP99Ms: Array<number | null>;
  /** The first 5 s after a restart with nothing due: what a restart alone costs the heartbeats. */
  restartOnlyP99Ms: number | null;
  afterP99Ms: number | null;
  longestStatementMs: number | null;
  vacuumMs: number | null;
}

/** Round 2: n control planes on one PostgreSQL behind a round-robin client (bench/replicas.ts). */
export interface ReplicasResult {
  count: number;
  /** Combined heartbeats/s answered, closed loop. */
  ratePerSec: number | null;
  /** At the offered 2,000/s (open loop). */
  p99Ms: number | null;
  /** Both runs. */
  errors: number;
  p50Ms: number | null;
  saturationP99Ms: number | null;
  /** Instances heartbeating all along that a sweep marked disconnected anyway (must be 0). */
  liveMarkedDisconnected: number | null;
  /** After the load every instance fell silent: the replicas' logs together marked each exactly once. */
  sweptOnce: boolean | null;
  /** Each replica's RSS after the load, MiB. */
  rssMB: Array<number | null>;
}

/** The shape of bench/results/latest.json, exactly as PRODUCT.md §9 gives it (round 2 keys beside). */
export interface BenchResults {
  at: string;
  machine: string;
  bundle: { runnersPageJsGzipBytes: number | null; floorGzipBytes: number | null };
  console: {
    groups: number;
    instances: number;
    domNodes: number | null;
    firstRenderMs: number | null;
    filterMs: number | null;
  };
  heartbeat: { helloRatePerSec: number | null; pglite: IngestFigures; postgres: IngestFigures; underReadLoad: UnderReadLoadFigures };
  disconnect: { sigkillMs: MedianMax; sigtermMs: MedianMax };
  live: { propagationMs: MedianMax };
  /** Round 2: the runner image's start → registered and the runner process's RSS (§9). */
  runner: { startMs: number | null; rssMB: number | null };
  footprint: FootprintResults;
  growth: GrowthResult[];
  retention: RetentionResult[];
  replicas: ReplicasResult[];
  /** Round 2: a group's last runner SIGKILLed → group.down webhook received (§9, §12). */
  alerts?: { latencyMs: MedianMax };
  notes: string;
}

const emptyIngest = (): IngestFigures => ({
  ratePerSec: null,
  p50Ms: null,
  p99Ms: null,
  errors: null,
  rssMB: null,
  cpuMsPer1000: null,
  databaseCpuMsPer1000: null,
});

/** Results with every figure null, filled in as each measurement finishes. */
export function emptyResults(groups: number, instances: number): BenchResults {
  return {
    at: new Date().toISOString(),
    machine: machineDescription(),
    bundle: { runnersPageJsGzipBytes: null, floorGzipBytes: null },
    console: { groups, instances, domNodes: null, firstRenderMs: null, filterMs: null },
    heartbeat: { helloRatePerSec: null, pglite: emptyIngest(), postgres: emptyIngest(), underReadLoad: emptyUnderReadLoad() },
    disconnect: { sigkillMs: { median: null, max: null }, sigtermMs: { median: null, max: null } },
    live: { propagationMs: { median: null, max: null } },
    runner: { startMs: null, rssMB: null },
    footprint: { idleRssMB: null, startMs: null, restartIdleRssMB: null, restartStartMs: null, peakRssMB: null },
    growth: [],
    retention: [],
    replicas: [],
    alerts: { latencyMs: { median: null, max: null } },
    notes: '',
  };
}

/** "2 cores (model), 23.5 GiB memory, Node v20…, linux". */
export function machineDescription(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 1024 ** 3).toFixed(1);
  return `${list.length} cores (${model}), ${gib} GiB memory, Node ${process.version}, ${process.platform}`;
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
