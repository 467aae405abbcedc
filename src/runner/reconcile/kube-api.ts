import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** Where a pod's service account is mounted (token, ca.crt, namespace). */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach the Kubernetes API: a base URL, a bearer token read from a file, and a CA to trust. */
export interface KubeConnection {
  baseUrl: string;
  tokenFile: string;
  ca?: Buffer;
}

/** An answer of the API: status and parsed JSON body (null when it was not JSON). */
export interface KubeAnswer<T = unknown> {
  status: number;
  body: T | null;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http may be used with. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** The in-cluster connection (KUBERNETES_SERVICE_HOST/_PORT and the mounted service account), or null outside a pod. */
export function inClusterConnection(env: NodeJS.ProcessEnv, dir = serviceAccountDir): KubeConnection | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  if (!host || !existsSync(`${dir}/token`)) return null;
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return { baseUrl: `https://${h}:${port}`, tokenFile: `${dir}/token`, ca: existsSync(`${dir}/ca.crt`) ? readFileSync(`${dir}/ca.crt`) : undefined };
}

/** The namespace of the pod's service account, when mounted. */
export function inClusterNamespace(dir = serviceAccountDir): string | null {
  const file = `${dir}/namespace`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null;
}

/**
 * A small Kubernetes API client: JSON calls and line-by-line watch streams. The token file is read
 * for every call, as client-go does: projected service-account tokens are rotated by the kubelet.
 */
export class KubeApi {
  constructor(readonly connection: KubeConnection) {}

  private token(): string {
    return readFileSync(this.connection.tokenFile, 'utf8').trim();
  }

  private open(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; idleMs: number },
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.connection.baseUrl);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          ca: this.connection.ca,
          signal: options.signal,
          headers: {
            authorization: `Bearer ${this.token()}`,
            accept: 'application/json',
            'user-agent': 'paddock-reconciler',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        resolve,
      );
      // No bytes for this long means a dead connection (a watch gets a bookmark or an end well before).
      req.setTimeout(options.idleMs, () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${Math.round(options.idleMs / 1000)} s`)));
      // A peer that vanished (node or load balancer gone) is noticed by TCP keepalive well before that.
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A JSON call; non-2xx answers are returned, not thrown (callers branch on 404, 409, 410). */
  async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<KubeAnswer<T>> {
    const res = await this.open(method, path, { body, signal, idleMs: 30_000 });
    const text = await readAll(res);
    return { status: res.statusCode ?? 0, body: parseJson<T>(text) };
  }

  /**
   * A watch: calls `onLine` with each newline-delimited JSON object of the chunked answer, until the
   * server ends it. A non-200 answer is returned with its body instead of streaming.
   */
  async stream(path: string, onLine: (line: unknown) => void, signal: AbortSignal, idleMs: number): Promise<KubeAnswer> {
    const res = await this.open('GET', path, { signal, idleMs });
    const status = res.statusCode ?? 0;
    if (status !== 200) return { status, body: parseJson(await readAll(res)) };
    let rest = '';
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      rest += chunk;
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (line) onLine(JSON.parse(line));
        nl = rest.indexOf('\n');
      }
    }
    if (rest.trim()) onLine(JSON.parse(rest));
    return { status, body: null };
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson<T>(text: string): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
