import { readFileSync } from 'node:fs';

// `npm run runner` execs the runner (package.json), so a stop signal sent to npm (what `child.kill()`
// does to a spawned `npm run runner`) is forwarded to it. A `kill -9` of npm, though, leaves the
// runner running as an orphan nobody can stop, heartbeating on; and a launcher that runs it through
// `sh -c` without exec forwards a stop to the shell only, which dies without passing it on. So the
// runner watches whoever started it.

/** How the process that started this runner went away. */
export type LauncherLoss =
  /** The shell between npm and the runner died: npm forwarded a stop signal to it. */
  | 'stopped'
  /** npm itself vanished without a signal reaching the runner: it was killed hard. */
  | 'killed';

/** What the watch reads about processes; the real one reads /proc (Linux), elsewhere it knows nothing. */
export interface ProcessTable {
  ppid(): number;
  /** The command name of a process, or null when unknown. */
  comm(pid: number): string | null;
  /** The parent of a process, or null when unknown. */
  parentOf(pid: number): number | null;
  alive(pid: number): boolean;
}

const shells = new Set(['sh', 'dash', 'bash', 'ash', 'zsh']);

/**
 * Calls `onLoss` once when the launcher goes away, polling every `intervalMs`; returns a stop function.
 * The launcher is the parent, or the shell's parent when the parent is a shell (`npm run`).
 */
export function watchLauncher(table: ProcessTable, onLoss: (how: LauncherLoss) => void, intervalMs = 100): () => void {
  const parent = table.ppid();
  if (parent <= 1) return () => {}; // already an orphan, or PID 1's child in a container: nothing to watch
  const parentIsShell = shells.has(table.comm(parent) ?? '');
  const grandparent = parentIsShell ? table.parentOf(parent) : null;
  const launcher = grandparent !== null && grandparent > 1 ? grandparent : parent;
  const timer = setInterval(() => {
    let loss: LauncherLoss | null = null;
    if (table.ppid() !== parent) loss = parentIsShell ? 'stopped' : 'killed';
    else if (launcher !== parent && !table.alive(launcher)) loss = 'killed';
    if (loss === null) return;
    clearInterval(timer);
    onLoss(loss);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function readStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The real process table, from /proc; where there is none, `comm` and `parentOf` answer null. */
export const procTable: ProcessTable = {
  ppid: () => process.ppid,
  comm(pid) {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return null;
    }
  },
  parentOf(pid) {
    const fields = readStat(pid);
    const ppid = fields ? Number(fields[1]) : Number.NaN;
    return Number.isInteger(ppid) ? ppid : null;
  },
  alive(pid) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    // A killed process stays a zombie until its parent reaps it: that is gone too.
    return readStat(pid)?.[0] !== 'Z';
  },
};
