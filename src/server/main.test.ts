import { afterAll, describe, expect, it } from 'vitest';
import { ProcessExitedError, startControlPlane } from '../testing/processes';

const started: Array<{ dispose(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of started) await s.dispose();
});

describe('node --import tsx src/server/main.ts', () => {
  it('prints a generated admin password once, on the first start only, and stops cleanly on SIGTERM', async () => {
    // No PADDOCK_ADMIN_PASSWORD: the first start generates one.
    const first = await startControlPlane({ adminPassword: '' });
    started.push(first);
    expect(first.output()).toMatch(/^Paddock listening on http:\/\/127\.0\.0\.1:\d+$/m);
    const password = /generated password:\s+(\S+)/.exec(first.output())?.[1];
    expect(password).toMatch(/^[0-9A-Za-z]{24}$/);
    await first.signIn('admin', password!);
    expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await startControlPlane({ adminPassword: '', dataDir: first.dataDir });
    started.push(second);
    expect(second.output()).not.toContain('generated password');
    await second.signIn('admin', password!);
    expect(await second.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('refuses a bad setting with a clear message', async () => {
    const refused = await startControlPlane({ env: { PADDOCK_HEARTBEAT_SECONDS: 'soon' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProcessExitedError);
    expect((refused as ProcessExitedError).exit.code).toBe(1);
    expect((refused as ProcessExitedError).output).toContain('PADDOCK_HEARTBEAT_SECONDS must be a positive number');
  }, 60_000);
});
