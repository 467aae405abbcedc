/**
 * The runner's worker: the process that would run jobs. Started and watched by the supervisor; it
 * stops when the agent goes away (its IPC channel closes), so a SIGKILLed agent leaves no orphan.
 * Test modes (set by the agent's --test-work-* switches) make it exit or run out of memory.
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
  setTimeout(() => {
    const hog: number[][] = [];
    // Allocates until V8 hits the heap limit the supervisor set, which aborts the process.
    for (;;) hog.push(new Array(100_000).fill(hog.length));
  }, delayMs);
}
