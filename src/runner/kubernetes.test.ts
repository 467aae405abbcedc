import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesApi, podRefFromEnv, updateOwnDeployment } from './kubernetes';
import { createLogger } from './log';

interface Seen {
  method: string;
  path: string;
  auth: string;
  contentType: string;
  body: unknown;
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
});

/** A fake API server holding one pod → ReplicaSet → Deployment chain. */
async function fakeApi(objects: Record<string, unknown>): Promise<{ api: KubernetesApi; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, auth: req.headers.authorization ?? '', contentType: req.headers['content-type'] ?? '', body: raw ? JSON.parse(raw) : null });
      const obj = objects[path];
      res.writeHead(obj ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj ?? { kind: 'Status', message: `${path} not found` }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { api: new KubernetesApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'sa-token'), seen };
}

const chain = {
  '/api/v1/namespaces/ci/pods/prod-runner-5d9f7-abcde': { metadata: { name: 'prod-runner-5d9f7-abcde', ownerReferences: [{ kind: 'ReplicaSet', name: 'prod-runner-5d9f7' }] } },
  '/apis/apps/v1/namespaces/ci/replicasets/prod-runner-5d9f7': { metadata: { name: 'prod-runner-5d9f7', ownerReferences: [{ kind: 'Deployment', name: 'prod-runner' }] } },
  '/apis/apps/v1/namespaces/ci/deployments/prod-runner': {
    metadata: { name: 'prod-runner' },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'sidecar', image: 'busybox:1' },
            { name: 'core', image: 'ghcr.io/paddock/runner:1.4.0', env: [{ name: 'PADDOCK_AGENT_VERSION', value: '1.4.0' }] },
          ],
        },
      },
    },
  },
};

describe('updateOwnDeployment', () => {
  it('follows pod → ReplicaSet → Deployment and patches the runner container to the target version', async () => {
    const { api, seen } = await fakeApi(chain);
    const lines: string[] = [];
    const log = createLogger({ out: (l) => lines.push(l), err: (l) => lines.push(l) });
    await expect(updateOwnDeployment(api, { namespace: 'ci', podName: 'prod-runner-5d9f7-abcde' }, '1.5.0', log)).resolves.toBe('prod-runner');
    const patch = seen.find((s) => s.method === 'PATCH')!;
    expect(patch).toEqual({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/ci/deployments/prod-runner',
      auth: 'Bearer sa-token',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'core', image: 'ghcr.io/paddock/runner:1.5.0', env: [{ name: 'PADDOCK_AGENT_VERSION', value: '1.5.0' }] }] } } } },
    });
    expect(lines.join('')).toMatch(/Updating deployment\/prod-runner in ci: container core ghcr\.io\/paddock\/runner:1\.4\.0 -> ghcr\.io\/paddock\/runner:1\.5\.0/);
    expect(lines.join('')).not.toContain('sa-token');
  });

  it('fails clearly when the pod is not owned by a Deployment, and patches nothing', async () => {
    const { api, seen } = await fakeApi({ '/api/v1/namespaces/ci/pods/lonely': { metadata: { name: 'lonely' } } });
    const log = createLogger({ out: () => {}, err: () => {} });
    await expect(updateOwnDeployment(api, { namespace: 'ci', podName: 'lonely' }, '1.5.0', log)).rejects.toThrow(/lonely has no owning ReplicaSet/);
    expect(seen.some((s) => s.method === 'PATCH')).toBe(false);
  });

  it('reports an API refusal with its status and message', async () => {
    const { api } = await fakeApi({});
    const log = createLogger({ out: () => {}, err: () => {} });
    await expect(updateOwnDeployment(api, { namespace: 'ci', podName: 'p' }, '1.5.0', log)).rejects.toThrow(/answered 404: .*not found/);
  });
});

describe('podRefFromEnv', () => {
  it('takes the namespace the chart sets and the pod name', () => {
    expect(podRefFromEnv({ PADDOCK_NAMESPACE: 'ci' }, 'pod-1')).toEqual({ namespace: 'ci', podName: 'pod-1' });
  });
});
