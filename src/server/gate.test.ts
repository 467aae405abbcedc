import { describe, expect, it, vi } from 'vitest';
import { Gate } from './gate';

/** A task that runs until `finish()` is called, noting when it started. */
function held(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Gate', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order, and answers each its own result', async () => {
    const log: string[] = [];
    const gate = new Gate(1);
    const [a, b, c] = [held(log, 'a'), held(log, 'b'), held(log, 'c')];
    const results = [gate.run(a.task), gate.run(b.task), gate.run(c.task)];
    await settle();
    expect(log).toEqual(['start a']);
    a.finish();
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.finish();
    await settle();
    c.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('with a share, passes the slot on only after a pause in proportion to the time the task took', async () => {
    const log: string[] = [];
    const pauses: number[] = [];
    let endPause!: () => void;
    const idle = () => () => 0;
    const gate = new Gate(
      1,
      0.25,
      (ms) => {
        pauses.push(ms);
        return new Promise<void>((resolve) => {
          endPause = resolve;
        });
      },
      idle,
    );
    const [a, b] = [held(log, 'a'), held(log, 'b')];
    const first = gate.run(a.task);
    const second = gate.run(b.task);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.finish();
    expect(await first).toBe('a');
    const took = performance.now() - t0;
    await settle();
    // a quarter of the time: three times the task's time paused before b may start
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toBeGreaterThanOrEqual(3 * 15);
    expect(pauses[0]).toBeLessThanOrEqual(3 * took + 1);
    expect(log).toEqual(['start a', 'end a']);
    endPause();
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.finish();
    expect(await second).toBe('b');
  });

  /** A task that the gate measures as having taken `ms` (performance.now is read before and after). */
  async function runTaking(gate: Gate, ms: number): Promise<void> {
    const clock = vi.spyOn(performance, 'now');
    clock.mockReturnValueOnce(0).mockReturnValueOnce(ms);
    try {
      await gate.run(async () => 'done');
    } finally {
      clock.mockRestore();
    }
  }

  it('draws the pause after a long task out while other work keeps the loop busy, leaving it its share and a margin', async () => {
    const pauses: number[] = [];
    const ends: Array<() => void> = [];
    // The rest of the server keeps the loop 80 % busy: the gate's tasks may take 10 % (a margin of 10 %).
    const gate = new Gate(
      1,
      0.5,
      (ms) => {
        pauses.push(ms);
        return new Promise<void>((resolve) => ends.push(resolve));
      },
      () => () => 0.8,
    );
    await runTaking(gate, 500);
    let nextStarted = false;
    const next = gate.run(async () => {
      nextStarted = true;
    });
    await settle();
    expect(pauses).toEqual([500]); // first the pause of a half share: as long as the task
    // then, the loop having been busy, steps as long as the task up to nine times the task
    for (let step = 1; step < 9; step++) {
      ends.shift()!();
      await settle();
      expect(nextStarted).toBe(false);
    }
    expect(pauses).toEqual(Array(9).fill(500));
    ends.shift()!();
    await next;
    expect(nextStarted).toBe(true);
  });

  it('draws the pause out after a busy moment only until quieter time brings the whole pause back to its share', async () => {
    // The loop is fully busy during the first step of the pause, idle after: the meter answers how busy
    // it was over all the time since it began measuring.
    const steps: Array<{ ms: number; busy: number }> = [];
    const gate = new Gate(
      1,
      0.5,
      async (ms) => {
        steps.push({ ms, busy: steps.length === 0 ? 1 : 0 });
      },
      () => {
        const from = steps.length;
        return () => {
          const since = steps.slice(from);
          return since.reduce((a, s) => a + s.ms * s.busy, 0) / since.reduce((a, s) => a + s.ms, 0);
        };
      },
    );
    await runTaking(gate, 2_000);
    await gate.run(async () => 'next');
    // Busy first: the pause may grow to 10 s. Then 2 s idle: the pause's loop was busy half of 4 s, so
    // the task may have 40 % (less the margin), a 3 s pause, which is already over.
    expect(steps.map((s) => s.ms)).toEqual([2_000, 2_000]);
  });

  /** A half-share gate whose pauses end at once and are noted, beside a loop that is always busy. */
  function fullyBusyGate() {
    const pauses: number[] = [];
    const gate = new Gate(
      1,
      0.5,
      async (ms) => {
        pauses.push(ms);
      },
      () => () => 1,
    );
    return { gate, pauses };
  }

  it('however busy the loop, lets its tasks have a twentieth of the time, and never pauses past 10 s', async () => {
    const { gate, pauses } = fullyBusyGate();
    await runTaking(gate, 200);
    await gate.run(async () => 'next');
    expect(pauses.reduce((a, b) => a + b, 0)).toBe(19 * 200);
    pauses.length = 0;
    // A task of 2 s: its own pause is 2 s; drawn out to a twentieth it would be 38 s.
    await runTaking(gate, 2_000);
    await gate.run(async () => 'next');
    expect(pauses.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it("gives a short task its share's pause alone, however busy the loop", async () => {
    const { gate, pauses } = fullyBusyGate();
    await runTaking(gate, 60);
    await gate.run(async () => 'next');
    expect(pauses).toEqual([60]);
  });

  it('gives the slot back when a task fails', async () => {
    const gate = new Gate(1);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });

  it('shares one run among callers of a key that wait together; one arriving while it runs gets the next run', async () => {
    const log: string[] = [];
    const gate = new Gate(1);
    const busy = held(log, 'busy');
    const first = held(log, 'k1');
    const other = held(log, 'j');
    const second = held(log, 'k2');
    const holding = gate.run(busy.task);
    const together = [gate.runShared('k', first.task), gate.runShared('k', first.task), gate.runShared('k', first.task)];
    const elsewhere = gate.runShared('j', other.task);
    busy.finish();
    await settle();
    expect(log).toEqual(['start busy', 'end busy', 'start k1']);
    // Its run is under way: this caller may have written meanwhile, so it waits for a run of its own.
    const later = gate.runShared('k', second.task);
    first.finish();
    other.finish();
    second.finish();
    expect(await Promise.all(together)).toEqual(['k1', 'k1', 'k1']);
    expect(await later).toBe('k2');
    expect(await elsewhere).toBe('j');
    expect(await holding).toBe('busy');
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start busy', 'start k1', 'start j', 'start k2']);
  });

  it('lets no one join a shared run that got the slot at once, and shares a failure with all who joined', async () => {
    const log: string[] = [];
    const gate = new Gate(1);
    const a = held(log, 'a');
    const b = held(log, 'b');
    const now = gate.runShared('k', a.task);
    const next = gate.runShared('k', b.task);
    const joined = gate.runShared('k', async () => 'never run');
    await settle();
    expect(log).toEqual(['start a']);
    a.finish();
    b.finish();
    expect([await now, await next, await joined]).toEqual(['a', 'b', 'b']);
    const c = held(log, 'c');
    const holding = gate.run(c.task);
    let runs = 0;
    const failing = [1, 2].map(() =>
      gate.runShared('f', async () => {
        runs++;
        throw new Error('boom');
      }),
    );
    c.finish();
    expect(await holding).toBe('c');
    for (const f of failing) await expect(f).rejects.toThrow('boom');
    expect(runs).toBe(1);
    expect(await gate.runShared('f', async () => 'after')).toBe('after');
  });
});
