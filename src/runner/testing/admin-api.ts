import { api, GroupWithKey, Instance, RunnerGroup, Update } from '../../contract';

/** A failed admin API call, with the status and problem body, for assertions. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/**
 * The console-facing API as a signed-in admin, for tests, e2e fixtures, the demo and benchmarks:
 * keeps the session cookie and sends the CSRF header on mutations.
 */
export class AdminApi {
  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
  ) {}

  /** Signs in (`POST /session`) and keeps the session cookie. */
  static async signIn(baseUrl: string, password: string, username = 'admin'): Promise<AdminApi> {
    const res = await fetch(baseUrl + api.session, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new AdminApiError(res.status, await res.json().catch(() => null), 'POST /session');
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    if (!cookie) throw new Error('POST /session set no cookie');
    return new AdminApi(baseUrl.replace(/\/+$/, ''), cookie);
  }

  /** Any request with the session; returns status and parsed JSON (null when empty). */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        cookie: this.cookie,
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-requested-with': 'paddock' }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  private async ok(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.request(method, path, body);
    if (res.status >= 300) throw new AdminApiError(res.status, res.body, `${method} ${path}`);
    return res.body;
  }

  async createGroup(name: string, isDefault?: boolean): Promise<GroupWithKey> {
    return GroupWithKey.parse(await this.ok('POST', api.runnerGroups, isDefault === undefined ? { name } : { name, isDefault }));
  }

  async rotateKey(groupId: string): Promise<GroupWithKey> {
    return GroupWithKey.parse(await this.ok('POST', api.registrationKey(groupId)));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.ok('DELETE', api.runnerGroup(groupId));
  }

  async requestUpdate(groupId: string, targetVersion?: string): Promise<Update> {
    return Update.parse(await this.ok('POST', api.updates(groupId), targetVersion === undefined ? {} : { targetVersion }));
  }

  async group(groupId: string): Promise<RunnerGroup> {
    return RunnerGroup.parse(await this.ok('GET', api.runnerGroup(groupId)));
  }

  async groups(): Promise<RunnerGroup[]> {
    return RunnerGroup.array().parse(await this.ok('GET', api.runnerGroups));
  }

  async instances(groupId: string): Promise<Instance[]> {
    return Instance.array().parse(await this.ok('GET', api.instances(groupId)));
  }

  async updates(groupId: string): Promise<Update[]> {
    return Update.array().parse(await this.ok('GET', api.updates(groupId)));
  }
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
