import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inClusterConnection, inClusterNamespace, KubeApi } from './kube-api';

// The in-cluster configuration against a loopback HTTPS server whose certificate only the mounted
// ca.crt vouches for, as a cluster's API server's does.

let dir: string;
let server: Server;
let port: number;
const tokensSeen: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-sa-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'ca.crt'),
  ], { stdio: 'ignore' });
  writeFileSync(join(dir, 'token'), 'token-1\n');
  writeFileSync(join(dir, 'namespace'), 'paddock');
  server = createServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'ca.crt')) }, (req, res) => {
    tokensSeen.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('in-cluster configuration', () => {
  it("uses KUBERNETES_SERVICE_HOST/_PORT, the service account's CA and token (read again for every call) and its namespace", async () => {
    const connection = inClusterConnection({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, dir)!;
    expect(connection.baseUrl).toBe(`https://127.0.0.1:${port}`);
    expect(inClusterNamespace(dir)).toBe('paddock');
    const kube = new KubeApi(connection);
    expect(await kube.call('GET', '/api/v1/namespaces/paddock/pods')).toMatchObject({ status: 200, body: { kind: 'PodList' } });
    writeFileSync(join(dir, 'token'), 'token-2\n');
    await kube.call('GET', '/api/v1/namespaces/paddock/pods');
    expect(tokensSeen.slice(-2)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('trusts only that CA: without it the same server is refused', async () => {
    const kube = new KubeApi({ baseUrl: `https://127.0.0.1:${port}`, tokenFile: join(dir, 'token') });
    await expect(kube.call('GET', '/api/v1/namespaces/paddock/pods')).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('is null outside a cluster', () => {
    expect(inClusterConnection({}, dir)).toBeNull();
    expect(inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, join(dir, 'missing'))).toBeNull();
    expect(inClusterNamespace(join(dir, 'missing'))).toBeNull();
  });
});
