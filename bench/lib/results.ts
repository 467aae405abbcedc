import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

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
}

/** The shape of bench/results/latest.json, exactly as PRODUCT.md §9 gives it. */
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
  heartbeat: { helloRatePerSec: number | null; pglite: IngestFigures; postgres: IngestFigures };
  disconnect: { sigkillMs: MedianMax; sigtermMs: MedianMax };
  live: { propagationMs: MedianMax };
  /** Round 2: the runner image's start → registered and the runner process's RSS (§9). */
  runner: { startMs: number | null; rssMB: number | null };
  notes: string;
}

const emptyIngest = (): IngestFigures => ({ ratePerSec: null, p50Ms: null, p99Ms: null, errors: null, rssMB: null });

/** Results with every figure null, filled in as each measurement finishes. */
export function emptyResults(groups: number, instances: number): BenchResults {
  return {
    at: new Date().toISOString(),
    machine: machineDescription(),
    bundle: { runnersPageJsGzipBytes: null, floorGzipBytes: null },
    console: { groups, instances, domNodes: null, firstRenderMs: null, filterMs: null },
    heartbeat: { helloRatePerSec: null, pglite: emptyIngest(), postgres: emptyIngest() },
    disconnect: { sigkillMs: { median: null, max: null }, sigtermMs: { median: null, max: null } },
    live: { propagationMs: { median: null, max: null } },
    runner: { startMs: null, rssMB: null },
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
