import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The kernel's word on memory (PRODUCT.md §2 round 2): a process counts as OOMKilled only when its memory
// cgroup's oom_kill counter rose, never because it printed something about memory. cgroup v1 keeps the
// counter in memory.oom_control, v2 in memory.events. Inside a container the container's own cgroup is
// mounted at the root of /sys/fs/cgroup; on a host it is the path /proc/self/cgroup names.

const root = '/sys/fs/cgroup';

/** Where this process's memory cgroup is, as /proc/<pid>/cgroup says: v1's `memory` line, else v2's `0::`. */
export function memoryCgroupPath(procCgroup: string): { version: 1 | 2; path: string } | null {
  let v2: string | null = null;
  for (const line of procCgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers!.split(',').includes('memory')) return { version: 1, path };
    if (controllers === '') v2 = path;
  }
  return v2 === null ? null : { version: 2, path: v2 };
}

/** The oom_kill count in a memory.oom_control (v1) or memory.events (v2) text, or null. */
export function oomKillCount(text: string): number | null {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** A memory cgroup directory this process can read: its own path under the mount, or the mount's root (a container's view). */
export interface MemoryCgroup {
  version: 1 | 2;
  dir: string;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** This process's memory cgroup, or null where there is none to read (not Linux, no memory controller). */
export function ownMemoryCgroup(read: (file: string) => string | null = readOrNull): MemoryCgroup | null {
  const own = memoryCgroupPath(read('/proc/self/cgroup') ?? '');
  if (!own) return null;
  const mount = own.version === 1 ? join(root, 'memory') : root;
  const counter = own.version === 1 ? 'memory.oom_control' : 'memory.events';
  for (const dir of [join(mount, own.path), mount]) {
    if (read(join(dir, counter)) !== null) return { version: own.version, dir };
  }
  return null;
}

/** The cgroup's OOM-kill counter now (0 when it cannot be read). */
export function oomKills(cgroup: MemoryCgroup | null): number {
  if (!cgroup) return 0;
  return oomKillCount(readOrNull(join(cgroup.dir, cgroup.version === 1 ? 'memory.oom_control' : 'memory.events')) ?? '') ?? 0;
}

/** The cgroup's memory limit in bytes, or null when it has none (v1 reports a huge number for none). */
export function memoryLimitBytes(cgroup: MemoryCgroup | null): number | null {
  if (!cgroup) return null;
  const raw = readOrNull(join(cgroup.dir, cgroup.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'))?.trim();
  const n = raw === undefined || raw === 'max' ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n < 2 ** 60 ? n : null;
}

/**
 * A child memory cgroup (v1 only: v2 allows no processes in a cgroup whose children use controllers) with a
 * limit, for one process; null where this process may not make one (not root, read-only cgroupfs as in a
 * container, v2). `remove()` deletes it once the process in it has ended.
 */
export function limitedChildCgroup(parent: MemoryCgroup | null, name: string, limitBytes: number): (MemoryCgroup & { add(pid: number): void; remove(): void }) | null {
  if (parent?.version !== 1) return null;
  const dir = join(parent.dir, name);
  try {
    mkdirSync(dir);
  } catch {
    return null;
  }
  const remove = (retry = true) => {
    try {
      rmdirSync(dir);
    } catch {
      // The kernel may hold it busy for a moment after the last process left.
      if (retry) setTimeout(() => remove(false), 1000).unref();
    }
  };
  try {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
  } catch {
    remove();
    return null;
  }
  return {
    version: 1,
    dir,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => remove(),
  };
}
