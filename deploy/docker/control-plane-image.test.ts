import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { AdminApi } from '../../src/testing/admin-api';
import { type DockerInspect, testDocker } from '../../src/testing/docker-engine';
import { waitFor } from '../../src/testing/processes';

// The control-plane image on a real Docker engine (PRODUCT.md §10): with a named volume (PGlite under /data)
// and with DATABASE_URL (the run's PostgreSQL), each healthy by its own HEALTHCHECK; a data folder it cannot
// write ends the start with one line naming the uid to chown it to. Under --network host (only loopback may
// be dialled here) each container gets a free port and listens on 127.0.0.1.
const docker = testDocker('deploy/docker/control-plane-image.test.ts', { controlPlane: true });
const d = docker!;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Started {
  id: string;
  url: string;
  password: string;
}

/** Starts the control plane with `args` before the image; removed when the test ends. */
async function startControlPlane(ctx: TestContext, args: string[]): Promise<Started> {
  const port = await freePort();
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const id = await d.ok(['run', '-d', '--network', 'host', '-e', 'HOST=127.0.0.1', '-e', `PORT=${port}`, '-e', `PADDOCK_ADMIN_PASSWORD=${password}`, ...args, d.controlPlaneImage!]);
  ctx.onTestFinished(async () => {
    await d.docker(['rm', '-f', id]);
  });
  return { id, url: `http://127.0.0.1:${port}`, password };
}

/** Waits for the image's own HEALTHCHECK to say healthy (checks every 10 s). */
async function healthy(c: Started): Promise<DockerInspect> {
  return waitFor(
    async () => {
      const s = await d.inspect(c.id);
      if (s && !s.State.Running) throw new Error(`the control plane exited ${s.State.ExitCode}: ${(await d.docker(['logs', c.id])).stderr.slice(-2000)}`);
      return s?.State.Health?.Status === 'healthy' ? s : undefined;
    },
    'the container to be healthy',
    120_000,
    500,
  );
}

/** Signs in and creates a group: the database under the container works. */
async function usable(c: Started, groupName: string): Promise<AdminApi> {
  const admin = await AdminApi.signIn(c.url, c.password);
  await admin.createGroup(groupName);
  expect((await fetch(`${c.url}/api/v1/readyz`)).status).toBe(200);
  return admin;
}

describe.skipIf(!docker)('the control-plane image on a real Docker engine', { timeout: 240_000, concurrent: true }, () => {
  it('with a named volume: healthy; its data outlives the container', async (ctx) => {
    const volume = `paddock-test-${randomBytes(4).toString('hex')}`;
    ctx.onTestFinished(async () => {
      await d.docker(['volume', 'rm', '-f', volume]);
    });
    const first = await startControlPlane(ctx, ['-v', `${volume}:/data`]);
    await healthy(first);
    await usable(first, 'kept-in-the-volume');
    await d.ok(['rm', '-f', first.id]);

    // A new container on the same volume finds the group (and the admin) the first one stored.
    const second = await startControlPlane(ctx, ['-v', `${volume}:/data`, '-e', `PADDOCK_ADMIN_PASSWORD=${first.password}`]);
    await healthy(second);
    const admin = await AdminApi.signIn(second.url, first.password);
    expect((await admin.groups()).map((g) => g.name)).toContain('kept-in-the-volume');
  });

  it('with DATABASE_URL: healthy on PostgreSQL', async (ctx) => {
    const server = process.env.PADDOCK_TEST_DATABASE_URL;
    if (!server) throw new Error('PADDOCK_TEST_DATABASE_URL is not set: run through scripts/with-postgres.sh (npm test does)');
    const name = `paddock_image_${randomBytes(5).toString('hex')}`;
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    ctx.onTestFinished(async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
    const url = new URL(server);
    url.pathname = `/${name}`;
    const cp = await startControlPlane(ctx, ['-e', `DATABASE_URL=${url}`]);
    await healthy(cp);
    await usable(cp, 'on-postgres');
    const check = new pg.Client({ connectionString: url.toString() });
    await check.connect();
    const rows = await check.query("SELECT name FROM runner_groups WHERE name = 'on-postgres'");
    await check.end();
    expect(rows.rowCount).toBe(1);
  });

  it('a bind-mounted data folder it cannot write: one line naming uid 1000, no stack trace; after that chown it runs', async (ctx) => {
    // Owned by root and not writable by others, as a freshly made bind-mount source is.
    const folder = mkdtempSync('/tmp/paddock-cp-data-');
    chmodSync(folder, 0o755);
    ctx.onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    const cp = await startControlPlane(ctx, ['-v', `${folder}:/data`]);
    const ended = await waitFor(
      async () => {
        const s = await d.inspect(cp.id);
        return s && !s.State.Running && s.State.Status === 'exited' ? s : undefined;
      },
      'the control plane to give up',
      120_000,
      500,
    );
    expect(ended.State.ExitCode).toBe(1);
    const out = await d.docker(['logs', cp.id]);
    const lines = (out.stdout + out.stderr).split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Paddock failed to start: cannot write its data folder \/data \(EACCES: permission denied, .*\)\. Paddock runs as uid 1000: make the folder its own, e\.g\. chown -R 1000 /);

    // The advice works: the same folder, given to uid 1000, holds its data.
    chownSync(folder, 1000, 1000);
    const again = await startControlPlane(ctx, ['-v', `${folder}:/data`]);
    await healthy(again);
    await usable(again, 'in-a-bind-mount');
    expect(readdirSync(folder)).toContain('pgdata');
  });
});
