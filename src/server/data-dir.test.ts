import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlPlane, ProcessExitedError, startControlPlane } from '../testing/processes';
import { DataDirLockedError, lockDataDir } from './data-dir';

// PRODUCT.md §8 round 2: the data directory is private (directories 0700, files 0600) and locked before
// PGlite opens it: a second server on the same directory, started at any moment, exits 1 with one clear line.

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'paddock-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Every path under `dir` whose mode is not private (0700 directories, 0600 files). */
function notPrivate(dir: string): string[] {
  const bad: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) bad.push(`${p} ${mode.toString(8)}`);
      for (const n of readdirSync(p)) walk(join(p, n));
    } else if (mode !== 0o600) bad.push(`${p} ${mode.toString(8)}`);
  };
  walk(dir);
  return bad;
}

describe('the data directory lock', () => {
  it('refuses a second holder while the first lives, naming it; takes over once it is released', () => {
    const dir = join(tempDir(), 'data');
    const first = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    try {
      lockDataDir(dir, 'cli');
    } catch (e) {
      expect((e as Error).message).toContain(`pid ${process.pid}`);
      expect((e as Error).message).toContain(dir);
    }
    first.release();
    const second = lockDataDir(dir);
    expect(second.file).not.toBe(first.file);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    second.release();
    expect(notPrivate(dir)).toEqual([]);
  });

  it('takes over a lock whose process is gone (kill -9) or unreadable', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock.7'), JSON.stringify({ pid: deadPid(), role: 'server', startTicks: null, bootId: null, nonce: 'x', at: '' }));
    const held = lockDataDir(dir);
    expect(held.file).toBe(join(dir, 'lock.8'));
    held.release();
    writeFileSync(join(dir, 'lock.20'), 'not json');
    const again = lockDataDir(dir);
    expect(again.file).toBe(join(dir, 'lock.21'));
    again.release();
  });
});

describe('two servers on one PGlite data directory', () => {
  const planes: ControlPlane[] = [];
  afterEach(async () => {
    for (const p of planes.splice(0)) await p.dispose();
  });

  it('started at the same moment on a fresh directory: one serves, the other exits 1 with one clear line; files are private', async () => {
    const dataDir = join(tempDir(), 'data');
    const results = await Promise.allSettled([startControlPlane({ dataDir }), startControlPlane({ dataDir })]);
    for (const r of results) if (r.status === 'fulfilled') planes.push(r.value);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ProcessExitedError);
    const err = lost.reason as ProcessExitedError;
    expect(err.exit.code).toBe(1);
    const lines = err.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Paddock failed to start: another control plane \(pid \d+\) is using the data directory /);
    expect(err.output).not.toContain('[object Object]');

    // The winner's writes stand, and everything it made is private.
    const admin = await planes[0]!.signIn();
    const group = await admin.createGroup('After the race');
    expect((await admin.groups()).map((g) => g.id)).toContain(group.id);
    expect(notPrivate(dataDir)).toEqual([]);

    // A third, started while the first runs, exits the same way.
    await expect(startControlPlane({ dataDir })).rejects.toMatchObject({ exit: { code: 1 } });
  }, 240_000);
});
