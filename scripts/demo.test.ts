import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Instance, RunnerGroup, TerminationCause, Update } from '../src/contract';
import { AdminApi } from '../src/testing/admin-api';
import { testDocker } from '../src/testing/docker-engine';
import { waitFor } from '../src/testing/processes';

// `npm run demo` for real: the control plane and every runner process it starts, watched through the
// API until each state of PRODUCT.md §2 has shown up, then stopped with Ctrl-C (SIGINT).

const demoPath = fileURLToPath(new URL('./demo.ts', import.meta.url));
const password = 'demo-test-password';
const docker = testDocker('scripts/demo.test.ts');

/** pid → [ppid, pgid] of every live (not zombie) process, from /proc. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid pgid …": comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') table.set(Number(entry), [Number(ppid), Number(pgid)]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Process groups of `root` and of everything below it (runners run in groups of their own). */
function groupsBelow(root: number): Set<number> {
  const table = processTable();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, [ppid]] of table) {
      if (below.has(ppid) && !below.has(pid)) {
        below.add(pid);
        grew = true;
      }
    }
  }
  return new Set([...below].map((pid) => table.get(pid)?.[1]).filter((g): g is number => g !== undefined));
}

const seenGroups = new Set<number>();
let demo: ChildProcess | null = null;
afterAll(() => {
  // Whatever happened, nothing the demo started outlives the test.
  if (demo?.exitCode === null) demo.kill('SIGKILL');
  for (const g of seenGroups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface Seen {
  groups: RunnerGroup[];
  instances: Instance[];
  updates: Update[];
}

const everyCause: TerminationCause[] = ['completed', 'oom_killed', 'killed', 'sigterm', 'crash', 'replaced', 'lost'];
const causes = (s: Seen) => new Set(s.instances.map((i) => i.termination?.cause ?? (i.status === 'disconnected' ? 'lost' : null)));
const complete = (s: Seen) =>
  ['connected', 'disconnected', 'waiting'].every((st) => s.groups.some((g) => g.status === st)) &&
  everyCause.every((c) => causes(s).has(c)) &&
  ['succeeded', 'rolled_back'].every((st) => s.updates.some((u) => u.state === st));

/** Runs the demo, waits until every state of PRODUCT.md §2 has shown up, Ctrl-C, and checks that every process it started is gone. */
async function runDemo(args: string[], env: Record<string, string>, check: (seen: Seen, output: string) => void | Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', demoPath, '--no-build', ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', PADDOCK_ADMIN_PASSWORD: password, DATABASE_URL: '', ...env },
  });
  demo = child;
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  seenGroups.add(child.pid!);

  const url = await waitFor(() => /Paddock demo: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 'the demo to print its URL', 60_000, 100);
  const admin = await AdminApi.signIn(url, password);
  const look = async (): Promise<Seen> => {
    for (const g of groupsBelow(child.pid!)) seenGroups.add(g);
    const groups = await admin.groups();
    const instances = (await Promise.all(groups.map((g) => admin.instances(g.id)))).flat();
    const updates = (await Promise.all(groups.map((g) => admin.updates(g.id)))).flat();
    return { groups, instances, updates };
  };

  let last: Seen | null = null;
  const seen = await waitFor(
    async () => {
      last = await look();
      return complete(last) ? last : undefined;
    },
    'every state to show',
    180_000,
    1000,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\nlast seen: ${JSON.stringify(last && { groups: last.groups.map((g) => [g.name, g.status]), causes: [...causes(last)], updates: last.updates.map((u) => u.state) })}\n${output.slice(-4000)}`);
  });

  // The group with no runner reads "Waiting for first runner"; the killed worker's end is 137 / Error.
  expect(seen.groups.find((g) => g.status === 'waiting')).toMatchObject({ instanceCount: 0, connectedCount: 0 });
  expect(seen.instances.find((i) => i.termination?.cause === 'killed')?.termination).toMatchObject({ exitCode: 137, signal: null, reason: 'Error' });
  expect(seen.instances.find((i) => i.termination?.cause === 'crash')?.termination).toMatchObject({ exitCode: 134, reason: 'Error' });
  expect(seen.instances.find((i) => i.termination?.cause === 'oom_killed')?.termination).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  expect(seen.instances.find((i) => i.termination?.cause === 'completed')?.termination).toMatchObject({ exitCode: 0, reason: 'Completed' });
  await check(seen, output);

  const groups = new Set([...seenGroups, ...groupsBelow(child.pid!)]);
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  await waitFor(
    () => {
      const left = [...processTable()].filter(([, [, pgid]]) => groups.has(pgid));
      return left.length === 0;
    },
    'every process the demo started to be gone',
    15_000,
    100,
  );
  await expect(fetch(`${url}/api/v1/healthz`)).rejects.toThrow();
  // All gone: nothing left for afterAll to kill (and a reused group id must not be hit).
  seenGroups.clear();
  demo = null;
}

describe('npm run demo', () => {
  it('shows every group and instance state and both update outcomes, then stops everything on Ctrl-C (--docker without an engine: one line, then processes)', { timeout: 240_000 }, async () => {
    await runDemo(['--docker'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, (seen, output) => {
      const said = output.split('\n').filter((l) => l.includes('--docker'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/--docker: no Docker engine reachable \(cannot reach the Docker engine at \/nonexistent\/docker\.sock \(ENOENT\)\); the runners run as processes instead/);
      // After its update, the production group's connected instances still have names that tell them apart.
      const production = seen.groups.find((g) => g.name === 'production')!;
      const prodConnected = seen.instances.filter((i) => i.groupId === production.id && i.status === 'connected').map((i) => i.name);
      expect(prodConnected.sort()).toEqual(['prod-1', 'prod-2', 'prod-3']);
      expect(seen.instances.every((i) => i.platform === 'process')).toBe(true);
    });
  });

  it.skipIf(!docker)('--docker: the fleet as real containers, every state within the run; Ctrl-C removes every container', { timeout: 600_000 }, async () => {
    const d = docker!;
    try {
      await runDemo(['--docker'], { DOCKER_HOST: d.host, PADDOCK_DEMO_RUNNER_IMAGE: d.runnerImage }, async (seen) => {
        expect(seen.instances.every((i) => i.platform === 'docker')).toBe(true);
        const production = seen.groups.find((g) => g.name === 'production')!;
        const prod = seen.instances.filter((i) => i.groupId === production.id);
        expect(prod.find((i) => i.name === 'prod-1')?.termination).toMatchObject({ cause: 'replaced' });
        expect(prod.find((i) => i.name === 'paddock-runner-1.5.0')).toMatchObject({ status: 'connected', version: '1.5.0' });
        expect(await d.ok(['ps', '-aq', '--filter', 'label=paddock.demo=1'])).not.toBe('');
      });
      expect(await d.ok(['ps', '-aq', '--filter', 'label=paddock.demo=1'])).toBe('');
    } finally {
      await d.removeLabelled('paddock.demo=1');
    }
  });
});
