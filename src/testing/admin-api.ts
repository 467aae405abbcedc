import { randomBytes } from 'node:crypto';
import { api, ForgetEndedResponse, GroupWithKey, Instance, type PatchGroupBody, RunnerGroup, Update } from '../contract';
import { checkerFor } from './openapi-check';

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
 * The console-facing API as a signed-in user (the admin unless told otherwise), for tests, e2e, the
 * demo and the bench: keeps the session cookie and sends the CSRF headers on mutations, as the console does.
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
      headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock', origin: new URL(baseUrl).origin },
      body: JSON.stringify({ username, password }),
    });
    await (await checkerFor(baseUrl.replace(/\/+$/, ''))).assertResponse('POST', api.session, res);
    if (!res.ok) throw new AdminApiError(res.status, await res.json().catch(() => null), 'POST /session');
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    if (!cookie) throw new Error('POST /session set no cookie');
    return new AdminApi(baseUrl.replace(/\/+$/, ''), cookie);
  }

  /**
   * Any request with the session; returns status and parsed JSON (null when empty). Every answer is
   * checked against the OpenAPI document the control plane serves; one that does not match throws.
   */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        cookie: this.cookie,
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-requested-with': 'paddock', origin: new URL(this.baseUrl).origin }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await (await checkerFor(this.baseUrl)).assertResponse(method, path, res);
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

  async updateGroup(groupId: string, patch: PatchGroupBody): Promise<RunnerGroup> {
    return RunnerGroup.parse(await this.ok('PATCH', api.runnerGroup(groupId), patch));
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

  async instance(groupId: string, instanceId: string): Promise<Instance> {
    return Instance.parse(await this.ok('GET', api.instance(groupId, instanceId)));
  }

  /** Stop (202 with the instance); the runner leaves at its next heartbeat. */
  async stopInstance(groupId: string, instanceId: string): Promise<Instance> {
    return Instance.parse(await this.ok('POST', api.instanceStop(groupId, instanceId)));
  }

  /** Forget one instance that is not connected (204). */
  async forgetInstance(groupId: string, instanceId: string): Promise<void> {
    await this.ok('DELETE', api.instance(groupId, instanceId));
  }

  /** Forget every ended instance of the group; answers how many. */
  async forgetEndedInstances(groupId: string): Promise<number> {
    return ForgetEndedResponse.parse(await this.ok('DELETE', `${api.instances(groupId)}?ended=true`)).forgotten;
  }
}

/** A group name no other test in the file uses. */
export function uniqueGroupName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}
