import { afterAll, beforeAll, expect, type TestContext } from 'vitest';
import { dockerCommand, groupSlug, type Instance, type Update } from '../../src/contract';
import { type AdminApi, uniqueGroupName } from '../../src/testing/admin-api';
import { type ControlPlane, startControlPlane, waitFor } from '../../src/testing/processes';
import { asRunHere, type DockerInspect, type TestDocker } from '../../src/testing/docker-engine';

/** A runner group of one test, with the label its containers carry (they are removed when the test ends). */
export interface Group {
  id: string;
  name: string;
  key: string;
  label: string;
}

/**
 * The runner image's tests on a real engine: a real control plane on loopback (latest version 1.5.0,
 * heartbeat 1 s) started for the file, and the console's Docker command run against both.
 */
export function runnerHarness(docker: TestDocker | null) {
  const d = docker!;
  let controlPlane: ControlPlane | undefined;
  let server: { url: string; admin: AdminApi };
  beforeAll(async () => {
    if (!docker) return;
    controlPlane = await startControlPlane({
      dataDir: 'memory',
      env: {
        PADDOCK_RUNNER_VERSION: '1.5.0',
        PADDOCK_HEARTBEAT_SECONDS: '1',
        PADDOCK_OFFLINE_AFTER_SECONDS: '10',
        PADDOCK_UPDATE_DEADLINE_SECONDS: '120',
      },
    });
    server = { url: controlPlane.url, admin: await controlPlane.signIn() };
  });
  afterAll(async () => {
    await controlPlane?.dispose();
  });

  const h = {
    get server(): { url: string; admin: AdminApi } {
      return server;
    },

    async newGroup(ctx: TestContext, prefix: string): Promise<Group> {
      const g = await server.admin.createGroup(uniqueGroupName(prefix));
      const label = `paddock.runner-group=${groupSlug(g.name)}`;
      ctx.onTestFinished(() => d.removeLabelled(label));
      return { id: g.id, name: g.name, key: g.registrationKey, label };
    },

    /**
     * Runs the console's Docker command for the group as the console renders it (dockerCommand), with
     * --network host and this engine's socket (asRunHere); `extra` after `docker run -d`, `args` after the
     * image, `edit` for bad-input variants. Answers the container's id.
     */
    async runConsoleCommand(g: Group, opts: { extra?: string[]; args?: string[]; edit?: (command: string) => string } = {}): Promise<string> {
      const command = dockerCommand({ groupName: g.name, serverUrl: server.url, registrationKey: g.key, runnerImage: d.runnerImage, runnerVersion: '1.4.0' });
      const edited = (opts.edit ?? ((c) => c))(asRunHere(command, d.socketPath, opts.extra));
      const r = await d.sh(`${edited}${opts.args?.length ? ` ${opts.args.join(' ')}` : ''}`);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    },

    async logs(idOrName: string): Promise<string> {
      const r = await d.docker(['logs', idOrName]);
      return r.stdout + r.stderr;
    },

    async instanceNamed(groupId: string, name: string, status = 'connected'): Promise<Instance> {
      return waitFor(
        async () => (await server.admin.instances(groupId)).find((i) => i.name === name && i.status === status),
        `instance ${name} ${status}`,
        60_000,
        250,
      );
    },

    async instance(groupId: string, id: string): Promise<Instance> {
      const found = (await server.admin.instances(groupId)).find((i) => i.id === id);
      if (!found) throw new Error(`instance ${id} not listed`);
      return found;
    },

    async settled(groupId: string, updateId: string): Promise<Update> {
      return waitFor(
        async () => {
          const u = (await server.admin.updates(groupId)).find((x) => x.id === updateId);
          return u && u.state !== 'in_progress' ? u : undefined;
        },
        `update ${updateId} to finish`,
        90_000,
        250,
      );
    },

    async containerOf(idOrName: string): Promise<DockerInspect> {
      const c = await d.inspect(idOrName);
      if (!c) throw new Error(`no container ${idOrName}`);
      return c;
    },
  };
  return h;
}

export const nameOf = (c: DockerInspect) => c.Name.replace(/^\//, '');
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function expectNoSecrets(text: string, key: string) {
  expect(text).not.toContain(key);
  expect(text).not.toMatch(/prk_[A-Za-z0-9]{8,}|pit_[A-Za-z0-9]{8,}/);
}
