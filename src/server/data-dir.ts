import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// PGlite is one process per data directory, and nothing in PGlite stops a second one: two servers on
// one directory both acknowledge writes and lose some. So the directory is locked before PGlite opens.
//
// Node has no flock(), so the lock is built from link(2), which is atomic and fails if the name exists:
// each starter writes its owner record to a private temporary file, then links it as `lock.<n>`, one
// above the highest lock present, and holds the directory if, after linking, its number is still the
// highest. The highest lock file is never removed (a holder removes only lower ones; a clean shutdown
// marks its file released instead of deleting it), so numbers only grow, and of two starters racing,
// exactly one links the next number. A lock whose owner is dead (no such process, or the pid now belongs
// to a process started later, or the machine rebooted) or released is stale: the next number takes over.

/** Who holds a data directory. */
export interface LockOwner {
  pid: number;
  /** What holds it: a control plane, or the users CLI working on the database directly. */
  role: 'server' | 'cli';
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), against pid reuse. */
  startTicks: string | null;
  /** /proc/sys/kernel/random/boot_id: a lock from before a reboot is stale whatever its pid. */
  bootId: string | null;
  nonce: string;
  at: string;
  released?: boolean;
}

/** A second process on a data directory that another live process holds. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${owner.role === 'cli' ? 'the users CLI' : 'another control plane'} (pid ${owner.pid}) is using the data directory ${dataDir}; ` +
        'the embedded database allows one process per data directory (stop it first, or use DATABASE_URL for several replicas)',
    );
  }
}

/** A held data directory; `release` marks the lock released (a clean shutdown). */
export interface DataDirLock {
  readonly dataDir: string;
  readonly file: string;
  release(): void;
}

const lockName = /^lock\.(\d{1,15})$/;
const tempPrefix = '.lock-';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (starttime), or null where there is no /proc. */
function startTicks(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

const bootId = (): string | null => readText('/proc/sys/kernel/random/boot_id')?.trim() || null;

function owner(role: LockOwner['role']): LockOwner {
  return {
    pid: process.pid,
    role,
    startTicks: startTicks(process.pid),
    bootId: bootId(),
    nonce: randomBytes(12).toString('hex'),
    at: new Date().toISOString(),
  };
}

/** The owner recorded in a lock file; 'missing' when it is gone, null when unreadable (stale). */
function readOwner(path: string): LockOwner | null | 'missing' {
  const text = readText(path);
  if (text === null) return 'missing';
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isInteger(o.pid) && o.pid > 0 && typeof o.nonce === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** True while the process that wrote this owner record still runs (and has not released it). */
export function ownerAlive(o: LockOwner): boolean {
  if (o.released) return false;
  const boot = bootId();
  if (boot && o.bootId && boot !== o.bootId) return false;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid exists; it is the owner only if that process started when the owner did.
  const ticks = startTicks(o.pid);
  return !(ticks && o.startTicks && ticks !== o.startTicks);
}

function lockNumbers(dataDir: string): number[] {
  return readdirSync(dataDir)
    .map((name) => lockName.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const lockFile = (dataDir: string, n: number) => join(dataDir, `lock.${n}`);

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Locks a PGlite data directory for this process (creating it, private), or throws DataDirLockedError
 * naming the live process that holds it. Nothing else in the directory is touched before the lock is held.
 */
export function lockDataDir(dataDir: string, role: LockOwner['role'] = 'server'): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const me = owner(role);
  const temp = join(dataDir, `${tempPrefix}${process.pid}-${me.nonce}`);
  writeFileSync(temp, `${JSON.stringify(me)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const numbers = lockNumbers(dataDir);
      const top = numbers.at(-1);
      if (top !== undefined) {
        const holder = readOwner(lockFile(dataDir, top));
        if (holder === 'missing') continue; // a loser removing its own: look again
        if (holder && holder.nonce !== me.nonce && ownerAlive(holder)) throw new DataDirLockedError(dataDir, holder);
      }
      const mine = (top ?? 0) + 1;
      const file = lockFile(dataDir, mine);
      try {
        linkSync(temp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // someone linked it first
        throw err;
      }
      // A starter that read the directory long ago may have linked a number below the highest: it lost.
      if (lockNumbers(dataDir).at(-1) !== mine) {
        removeQuietly(file);
        continue;
      }
      for (const n of numbers) if (n < mine) removeQuietly(lockFile(dataDir, n));
      removeStaleTemps(dataDir);
      let released = false;
      return {
        dataDir,
        file,
        release() {
          if (released) return;
          released = true;
          const current = readOwner(file);
          if (current && current !== 'missing' && current.nonce === me.nonce) {
            writeFileSync(file, `${JSON.stringify({ ...me, released: true })}\n`, { mode: 0o600 });
          }
        },
      };
    }
    throw new Error(`could not lock the data directory ${dataDir}: too much contention`);
  } finally {
    removeQuietly(temp);
  }
}

/** Temporary owner files left by starters that were killed between writing and linking. */
function removeStaleTemps(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (!name.startsWith(tempPrefix)) continue;
    const pid = Number(name.slice(tempPrefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') removeQuietly(join(dataDir, name));
    }
  }
}

/**
 * Makes a data directory private: directories 0700, files 0600, now (whatever an older version or
 * PGlite left) and for what this process creates from here on (umask 077).
 */
export function makePrivate(dataDir: string): void {
  try {
    process.umask(0o077);
  } catch {
    // worker threads cannot set the umask; the walk below still fixes what exists
  }
  const walk = (path: string) => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return; // removed meanwhile
    }
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if ((st.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
  };
  walk(dataDir);
}
