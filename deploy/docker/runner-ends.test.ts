import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/testing/processes';
import { testDocker } from '../../src/testing/docker-engine';
import { nameOf, runnerHarness } from './runner-harness';

// How a runner container ended, from the engine (PRODUCT.md §2 round 2 and §10): the worker the kernel
// killed past the container's -m is 137 / OOMKilled (and the engine saw an oom); a V8 heap abort is a
// crash; `docker stop` is signal 15; a container killed whole (docker kill, kill -9) cannot say so, and
// its next run — started by hand or by its restart policy — reports 137 / Error for the instance that
// run had, through POST /api/v1/runner/terminations, before it registers anew.
const docker = testDocker('deploy/docker/runner-ends.test.ts');
const d = docker!;
const { newGroup, runConsoleCommand, logs, instanceNamed, instance, containerOf } = runnerHarness(docker);

/** The engine's events of one container so far (`docker events` up to now). */
async function engineEvents(id: string, since: string): Promise<string[]> {
  const out = await d.ok(['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--format', '{{.Action}}']);
  return out.split('\n').filter(Boolean);
}

describe.skipIf(!docker)('how a runner container ended, from the engine', { timeout: 180_000, concurrent: true }, () => {
  it('worker past the container memory limit: the kernel kills it, 137 / OOMKilled, as the engine says', async (ctx) => {
    const g = await newGroup(ctx, 'ends-oom');
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = await runConsoleCommand(g, { extra: ['-m', '160m'], args: ['--test-work-oom', '--test-work-seconds', '3'] });
    // Kept down after this run, so that the engine's record of it can be read (its policy would restart it).
    await d.ok(['update', '--restart', 'no', id]);
    const inst = await instanceNamed(g.id, nameOf(await containerOf(id)));
    const ended = await waitFor(async () => {
      const i = await instance(g.id, inst.id);
      return i.termination ? i : undefined;
    }, 'the OOM kill to be reported', 60_000, 250);
    expect(ended.termination).toMatchObject({ exitCode: 137, signal: null, reason: 'OOMKilled', cause: 'oom_killed' });
    expect(await logs(id)).toMatch(/the worker fills native memory past its 160 MiB cgroup limit/);
    // The engine saw the kernel's OOM killer in this container too.
    expect(await waitFor(async () => (await engineEvents(id, since)).includes('oom') || undefined, 'the engine oom event', 20_000, 250)).toBe(true);
    // The runner exits with its worker's 137, and the engine's own record of that run says OOMKilled.
    const down = await waitFor(async () => {
      const c = await containerOf(id);
      return c.State.Running ? undefined : c.State;
    }, 'the container to end its run', 60_000, 250);
    expect(down).toMatchObject({ ExitCode: 137, OOMKilled: true });
  });

  it('V8 heap abort: a crash (134 / Error), and no oom in the engine', async (ctx) => {
    const g = await newGroup(ctx, 'ends-heap');
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = await runConsoleCommand(g, { extra: ['-m', '256m'], args: ['--test-work-heap', '--test-work-seconds', '3'] });
    await d.ok(['update', '--restart', 'no', id]);
    const inst = await instanceNamed(g.id, nameOf(await containerOf(id)));
    const ended = await waitFor(async () => {
      const i = await instance(g.id, inst.id);
      return i.termination ? i : undefined;
    }, 'the abort to be reported', 60_000, 250);
    expect(ended.termination).toMatchObject({ exitCode: 134, signal: null, reason: 'Error', cause: 'crash' });
    const down = await waitFor(async () => {
      const c = await containerOf(id);
      return c.State.Running ? undefined : c.State;
    }, 'the container to end its run', 60_000, 250);
    expect(down).toMatchObject({ ExitCode: 134, OOMKilled: false });
    expect(await engineEvents(id, since)).not.toContain('oom');
  });

  it('docker stop: goodbye with signal 15, and the container stays stopped', async (ctx) => {
    const g = await newGroup(ctx, 'ends-stop');
    const id = await runConsoleCommand(g);
    const inst = await instanceNamed(g.id, nameOf(await containerOf(id)));
    await d.ok(['stop', id]);
    const after = await waitFor(async () => {
      const i = await instance(g.id, inst.id);
      return i.termination ? i : undefined;
    }, 'the goodbye to be recorded', 10_000, 100);
    expect(after.termination).toMatchObject({ exitCode: null, signal: 15, cause: 'sigterm' });
    expect((await containerOf(id)).State).toMatchObject({ Running: false, ExitCode: 0, OOMKilled: false });
  });

  it('docker kill: nothing said at the time; started again, the container reports 137 / Error for its last instance, then registers anew', async (ctx) => {
    const g = await newGroup(ctx, 'ends-kill');
    const id = await runConsoleCommand(g);
    const name = nameOf(await containerOf(id));
    const first = await instanceNamed(g.id, name);
    await d.ok(['kill', id]);
    expect((await containerOf(id)).State.ExitCode).toBe(137);
    expect((await instance(g.id, first.id)).termination).toBeNull();

    await d.ok(['start', id]);
    const ended = await instanceNamed(g.id, name, 'terminated');
    expect(ended.id).toBe(first.id);
    expect(ended.termination).toMatchObject({ exitCode: 137, signal: null, reason: 'Error', cause: 'killed', observedBy: 'engine' });
    const second = await instanceNamed(g.id, name);
    expect(second.id).not.toBe(first.id);
    const out = await logs(id);
    const reported = out.indexOf(`(the engine's die event); recorded for instance ${name}`);
    expect(reported).toBeGreaterThan(0);
    expect(out).toMatch(/Previous run of this container ended at \S+: exit code 137, reason Error/);
    // Reported before the new run registered.
    expect(out.indexOf(`Registered as instance ${second.id}`)).toBeGreaterThan(reported);
  });

  it('killed from outside (kill -9 of its process): its restart policy brings it back, and it reports 137 / Error first', async (ctx) => {
    const g = await newGroup(ctx, 'ends-sigkill');
    const id = await runConsoleCommand(g);
    const before = await containerOf(id);
    const first = await instanceNamed(g.id, nameOf(before));
    process.kill(before.State.Pid, 'SIGKILL');
    const ended = await instanceNamed(g.id, nameOf(before), 'terminated');
    expect(ended.id).toBe(first.id);
    expect(ended.termination).toMatchObject({ exitCode: 137, reason: 'Error', cause: 'killed', observedBy: 'engine' });
    expect((await containerOf(id)).RestartCount).toBeGreaterThanOrEqual(1);
    await instanceNamed(g.id, nameOf(before));
  });
});
