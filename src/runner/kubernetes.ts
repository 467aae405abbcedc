import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { imageForVersion } from './docker';
import type { Logger } from './log';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The Kubernetes API as the runner's service account sees it (the chart's Role allows these calls). */
export class KubernetesApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly ca?: Buffer,
  ) {}

  /** In-cluster configuration: the API service address and the mounted service-account token, when present. */
  static inCluster(env: NodeJS.ProcessEnv): KubernetesApi | null {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host || !existsSync(`${serviceAccountDir}/token`)) return null;
    const ca = existsSync(`${serviceAccountDir}/ca.crt`) ? readFileSync(`${serviceAccountDir}/ca.crt`) : undefined;
    const h = host.includes(':') ? `[${host}]` : host;
    return new KubernetesApi(`https://${h}:${port}`, readFileSync(`${serviceAccountDir}/token`, 'utf8').trim(), ca);
  }

  call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          ca: this.ca,
          timeout: 15_000,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) {
              let message = text.slice(0, 200);
              try {
                message = String((JSON.parse(text) as { message?: unknown }).message ?? message);
              } catch {
                // not JSON
              }
              reject(new Error(`${method} ${url.pathname} answered ${res.statusCode}: ${message}`));
              return;
            }
            resolve((text ? JSON.parse(text) : {}) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

interface Owned {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
}
interface DeploymentObject extends Owned {
  spec: { template: { spec: { containers: Array<{ name: string; image: string; env?: Array<{ name: string; value?: string }> }> } } };
}

/** Which pod this runner is, and where. */
export interface PodRef {
  namespace: string;
  podName: string;
}

/** The namespace and pod name from the chart's environment (or the service account's namespace file). */
export function podRefFromEnv(env: NodeJS.ProcessEnv, hostname: string): PodRef | null {
  const nsFile = `${serviceAccountDir}/namespace`;
  const namespace = env.PADDOCK_NAMESPACE || (existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : '');
  return namespace ? { namespace, podName: hostname } : null;
}

/**
 * The Kubernetes flow of an update: follow this pod's owners to its Deployment and set the runner
 * container's image tag and PADDOCK_AGENT_VERSION to the target version. The Deployment then rolls
 * new pods out (the chart's upgrade operator rolls back when they do not become ready) and this pod is
 * stopped with SIGTERM like any other. Returns the Deployment's name.
 */
export async function updateOwnDeployment(api: KubernetesApi, pod: PodRef, targetVersion: string, log: Logger): Promise<string> {
  const ns = encodeURIComponent(pod.namespace);
  const owner = (o: Owned, kind: string) => {
    const ref = o.metadata.ownerReferences?.find((r) => r.kind === kind);
    if (!ref) throw new Error(`${o.metadata.name} has no owning ${kind}`);
    return encodeURIComponent(ref.name);
  };
  const self = await api.call<Owned>('GET', `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod.podName)}`);
  const rs = await api.call<Owned>('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/${owner(self, 'ReplicaSet')}`);
  const deploymentPath = `/apis/apps/v1/namespaces/${ns}/deployments/${owner(rs, 'Deployment')}`;
  const deployment = await api.call<DeploymentObject>('GET', deploymentPath);
  const containers = deployment.spec.template.spec.containers;
  const runner = containers.find((c) => c.env?.some((e) => e.name === 'PADDOCK_AGENT_VERSION')) ?? containers[0];
  if (!runner) throw new Error(`deployment/${deployment.metadata.name} has no containers`);
  const image = imageForVersion(runner.image, targetVersion);
  log.info(`Updating deployment/${deployment.metadata.name} in ${pod.namespace}: container ${runner.name} ${runner.image} -> ${image}`);
  await api.call(
    'PATCH',
    deploymentPath,
    { spec: { template: { spec: { containers: [{ name: runner.name, image, env: [{ name: 'PADDOCK_AGENT_VERSION', value: targetVersion }] }] } } } },
    'application/strategic-merge-patch+json',
  );
  return deployment.metadata.name;
}
