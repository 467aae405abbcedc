/**
 * The runner's worker: the process that would run jobs. Started and watched by the supervisor; it
 * stops when the agent goes away (its IPC channel closes), so a SIGKILLed agent leaves no orphan.
 * Test modes (set by the agent's --test-work-* switches) make it exit, run out of memory, or abort.
 */

const mode = process.env.PADDOCK_WORK_MODE ?? 'idle';
const delayMs = Number(process.env.PADDOCK_WORK_SECONDS ?? '0') * 1000;

process.on('disconnect', () => process.exit(0));
// The agent may have died while this module was still loading, before the listener above existed.
if (process.send !== undefined && !process.connected) process.exit(0);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

// Keeps the event loop alive; a real worker would poll for jobs here.
setInterval(() => {}, 60_000);

if (mode === 'exit') {
  const code = Number(process.env.PADDOCK_WORK_EXIT_CODE ?? '0');
  setTimeout(() => process.exit(code), delayMs);
} else if (mode === 'oom') {
  // Native memory (buffers live outside V8's heap), every page written so that the kernel charges it to
  // the cgroup: past the cgroup's limit the kernel's OOM killer ends this process with SIGKILL.
  const capBytes = Number(process.env.PADDOCK_WORK_OOM_CAP_MB ?? '1024') * 2 ** 20;
  const hog: Buffer[] = [];
  let held = 0;
  const grow = () => {
    for (let i = 0; i < 4; i++) {
      hog.push(Buffer.alloc(4 * 2 ** 20, hog.length % 251));
      held += 4 * 2 ** 20;
    }
    if (held >= capBytes) {
      process.stderr.write(`worker: holding ${held / 2 ** 20} MiB and nothing killed it (no memory limit applies); exiting 1\n`);
      process.exit(1);
    }
    setImmediate(grow);
  };
  setTimeout(grow, delayMs);
} else if (mode === 'heap') {
  setTimeout(() => {
    const hog: number[][] = [];
    // Allocates until V8 hits the heap limit the supervisor set: V8 aborts the process (SIGABRT, 134).
    for (;;) hog.push(new Array(100_000).fill(hog.length));
  }, delayMs);
}
