import { readFileSync } from 'node:fs';

// What a process costs while the bench loads it: resident memory and CPU, from /proc.

/** Resident set size of a process in MB (from /proc), or null when it cannot be read. */
export function rssMB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used, in seconds, from /proc; null when unreadable. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Samples a process while a load runs: its peak RSS, and the CPU it and the sampling process itself
 * (the load generator) used, as % of one core over the sampled wall time.
 */
export function sampleProcess(pid: number, everyMs = 500): { stop(): { peakRssMB: number | null; cpuPercent: number | null; selfCpuPercent: number } } {
  let peak: number | null = null;
  const take = () => {
    const v = rssMB(pid);
    if (v !== null) peak = Math.max(peak ?? 0, v);
  };
  const cpu0 = cpuSeconds(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const wall = (performance.now() - t0) / 1000;
      const cpu1 = cpuSeconds(pid);
      const self = process.cpuUsage(self0);
      return {
        peakRssMB: peak,
        cpuPercent: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / wall) * 100),
        selfCpuPercent: Math.round(((self.user + self.system) / 1e6 / wall) * 100),
      };
    },
  };
}
