import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  api,
  type HeartbeatBody,
  HeartbeatResponse,
  type RegisterBody,
  RegisterResponse,
  type RunnerError,
  type RunnerErrorKind,
  type RunnerEventBody,
  type TerminationReportBody,
  TerminationReportResponse,
  toPlainText,
} from '../contract';

/** A failed call to the control plane, classified the way the runner reports it. */
export class RunnerCallError extends Error {
  constructor(
    readonly kind: RunnerErrorKind,
    message: string,
    /** HTTP status when the server answered; null for network failures. */
    readonly status: number | null,
  ) {
    super(message);
  }

  /** 401 and 410 are final: retrying cannot help, the runner stops. */
  get final(): boolean {
    return this.kind === 'key_revoked' || this.kind === 'group_deleted';
  }

  toRunnerError(at: Date): RunnerError {
    return { kind: this.kind, message: toPlainText(this.message).slice(0, 500), at: at.toISOString() };
  }
}

/** The runner side of the protocol: three calls, each with a timeout, failures as RunnerCallError. */
export class RunnerClient {
  constructor(
    private readonly serverUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The control plane refuses control and bidi characters (400): the identity is sent without them. */
  async register(credential: string, body: RegisterBody): Promise<RegisterResponse> {
    const plain = { ...body, name: toPlainText(body.name), hostname: toPlainText(body.hostname), address: toPlainText(body.address) };
    return RegisterResponse.parse(await this.post(api.runnerRegister, credential, { ...plain, os: toPlainText(body.os), arch: toPlainText(body.arch) }));
  }

  async heartbeat(token: string, body: HeartbeatBody, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return HeartbeatResponse.parse(await this.post(api.runnerHeartbeat, token, body, signal));
  }

  async event(token: string, body: RunnerEventBody, timeoutMs = this.timeoutMs): Promise<void> {
    const plain = 'reason' in body && typeof body.reason === 'string' ? { ...body, reason: toPlainText(body.reason) } : body;
    await this.post(api.runnerEvents, token, plain, undefined, timeoutMs);
  }

  /**
   * Reports how an earlier instance of this name ended, seen by its platform (PRODUCT.md §11): with the
   * registration key; `recorded` false when that instance already had a record (200, unchanged).
   */
  async terminations(key: string, body: TerminationReportBody): Promise<{ recorded: boolean; answer: TerminationReportResponse }> {
    const res = await this.send(api.runnerTerminations, key, body);
    return { recorded: res.status === 202, answer: TerminationReportResponse.parse(res.json) };
  }

  private async post(path: string, credential: string, body: unknown, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<unknown> {
    return (await this.send(path, credential, body, signal, timeoutMs)).json;
  }

  private async send(path: string, credential: string, body: unknown, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<{ status: number; json: unknown }> {
    let res: { status: number; text: string };
    try {
      res = await postJson(new URL(this.serverUrl + path), credential, body, timeoutMs, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw classifyNetworkError(err, this.serverUrl, timeoutMs);
    }
    if (res.status >= 200 && res.status < 300) {
      try {
        return { status: res.status, json: res.text === '' ? {} : JSON.parse(res.text) };
      } catch {
        throw new RunnerCallError('other', `${path} answered ${res.status} with a body that is not JSON`, res.status);
      }
    }
    throw classifyResponse(res.status, res.text, path);
  }
}

/**
 * One POST over node:http(s). Not fetch: fetch loads undici and compiles its WebAssembly HTTP parser,
 * about 10 MB of the runner's resident memory for three small JSON calls (PRODUCT.md §9: ≤ 60 MiB).
 */
function postJson(url: URL, credential: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', accept: 'application/json', 'content-length': payload.length },
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, timeoutMs);
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end(payload);
  });
}

/** Maps an HTTP error answer to a runner error kind. */
export function classifyResponse(status: number, bodyText: string, path: string): RunnerCallError {
  let detail = '';
  try {
    const problem = JSON.parse(bodyText) as { detail?: unknown; title?: unknown };
    detail = String(problem.detail ?? problem.title ?? '');
  } catch {
    detail = '';
  }
  const said = detail ? `: ${detail.slice(0, 300)}` : '';
  if (status === 401) return new RunnerCallError('key_revoked', `${status}${said || ': registration key revoked or unknown'}`, status);
  if (status === 410) return new RunnerCallError('group_deleted', `${status}${said || ': the runner group was deleted'}`, status);
  if (status === 426 || (status >= 400 && status < 500 && /version/i.test(detail))) {
    return new RunnerCallError('version_too_old', `${status}${said || ': runner version too old'}`, status);
  }
  if (status === 408 || status === 504) return new RunnerCallError('timeout', `${path} answered ${status}${said}`, status);
  return new RunnerCallError('other', `${path} answered ${status}${said}`, status);
}

const tlsCodes = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH|ERR_TLS/;

/** Maps a fetch failure (DNS, TLS, timeout, refused connection) to a runner error kind. */
export function classifyNetworkError(err: unknown, serverUrl: string, timeoutMs: number): RunnerCallError {
  const host = safeHost(serverUrl);
  // node:http puts the code on the error itself; fetch put it on the error's cause.
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; name?: string } };
  const code = e.cause?.code ?? e.code ?? '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new RunnerCallError('timeout', `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s (${code || 'timeout'})`, null);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new RunnerCallError('dns', `cannot resolve ${host} (${code})`, null);
  }
  const detail = e.cause?.message ?? e.message ?? '';
  if (tlsCodes.test(code) || /certificate|ssl|tls|wrong version number/i.test(detail)) {
    return new RunnerCallError('tls', `TLS handshake with ${host} failed (${code || detail.slice(0, 100)})`, null);
  }
  const what = code || detail || 'network error';
  return new RunnerCallError('other', `cannot reach ${host} (${String(what).slice(0, 200)})`, null);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the control plane';
  }
}
