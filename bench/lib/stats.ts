/** Small statistics helpers for the bench: medians and percentiles over raw samples. */

/** The p-th percentile (0–100) of the samples by nearest rank; null when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: ArrayLike<number>): number | null {
  return percentile(samples, 50);
}

export function max(samples: ArrayLike<number>): number | null {
  if (samples.length === 0) return null;
  let m = -Infinity;
  for (let i = 0; i < samples.length; i++) m = Math.max(m, samples[i]!);
  return m;
}

/** Rounds to a fixed number of decimals, keeping null as null. */
export function round(value: number | null, decimals = 1): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Median and max of a series, rounded to whole milliseconds. */
export function medianMax(samples: number[]): { median: number | null; max: number | null } {
  return { median: round(median(samples), 0), max: round(max(samples), 0) };
}
