import {
  api,
  type HeartbeatBody,
  HeartbeatResponse,
  type RegisterBody,
  RegisterResponse,
  type RunnerError,
  type RunnerErrorKind,
  type RunnerEventBody,
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

  private async post(path: string, credential: string, body: unknown, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.serverUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw classifyNetworkError(err, this.serverUrl, timeoutMs);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      try {
        return text === '' ? {} : JSON.parse(text);
      } catch {
        throw new RunnerCallError('other', `${path} answered ${res.status} with a body that is not JSON`, res.status);
      }
    }
    throw classifyResponse(res.status, text, path);
  }
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
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  const code = e.cause?.code ?? '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new RunnerCallError('timeout', `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s (${code || 'timeout'})`, null);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new RunnerCallError('dns', `cannot resolve ${host} (${code})`, null);
  }
  if (tlsCodes.test(code) || /certificate|ssl|tls/i.test(e.cause?.message ?? '')) {
    return new RunnerCallError('tls', `TLS handshake with ${host} failed (${code || e.cause?.message?.slice(0, 100)})`, null);
  }
  const what = code || e.cause?.message || e.message || 'network error';
  return new RunnerCallError('other', `cannot reach ${host} (${String(what).slice(0, 200)})`, null);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the control plane';
  }
}
