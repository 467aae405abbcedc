import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllRunners, startRunner, waitFor } from '../testing/processes';

// A scripted control plane on loopback, to see exactly what the runner sends on the wire and to play
// answers the real server gives rarely (a command repeated while the replacement is starting, 503s).

interface Call {
  path: string;
  auth: string;
  body: Record<string, unknown>;
}

type Handler = (call: Call, n: number) => { status: number; body: unknown; delayMs?: number };

const servers: Server[] = [];
afterEach(() => killAllRunners());
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function scriptedServer(handler: Handler): Promise<{ url: string; calls: Call[] }> {
  const calls: Call[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c;
    });
    req.on('end', () => {
      const call: Call = { path: req.url ?? '', auth: req.headers.authorization ?? '', body: raw ? JSON.parse(raw) : {} };
      calls.push(call);
      const answer = handler(call, calls.filter((c) => c.path === call.path).length);
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json' });
        res.end(JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const key = `prk_${'K'.repeat(46)}`;
const oldToken = `pit_${'O'.repeat(43)}`;
const newToken = `pit_${'N'.repeat(43)}`;
const updateCommand = { type: 'update', updateId: 'u-1', targetVersion: '1.5.0' };

describe('runner protocol on the wire', () => {
  it('update: one update-started, a replacement registering with the old token and replaces, "Found existing" for a repeated command, then exit 0', async () => {
    const { url, calls } = await scriptedServer((call) => {
      if (call.path === '/api/v1/runner/register') {
        const replacement = call.auth === `Bearer ${oldToken}`;
        return {
          status: 201,
          // The replacement's registration is slow, so the old runner sees the command again meanwhile.
          delayMs: replacement ? 2500 : 0,
          body: { instanceId: replacement ? 'i-new' : 'i-old', instanceToken: replacement ? newToken : oldToken, heartbeatSeconds: 0.3 },
        };
      }
      if (call.path === '/api/v1/runner/heartbeat') {
        const onOld = call.auth === `Bearer ${oldToken}`;
        return { status: 200, body: { commands: onOld ? [updateCommand] : [], heartbeatSeconds: 0.3 } };
      }
      return { status: 204, body: null };
    });
    const r = startRunner({ server: url, key, name: 'wire-1', version: '1.4.0' });
    // A process replacement keeps the instance name but logs §4's Docker lines word for word (the guide searches for them).
    await r.waitForOutput(/Creating new container with name: paddock-runner-1\.5\.0 and configuration from container with id: i-old \(a process here; it registers as wire-1\)/);
    await r.waitForOutput(/Found existing container with name: paddock-runner-1\.5\.0 already running with id: pid-\d+ \(a process here; it registers as wire-1\)/);
    expect(await r.waitForExit(20_000)).toEqual({ code: 0, signal: null });

    const registers = calls.filter((c) => c.path === '/api/v1/runner/register');
    expect(registers).toHaveLength(2);
    expect(registers[0]).toMatchObject({ auth: `Bearer ${key}`, body: { name: 'wire-1', platform: 'process', version: '1.4.0' } });
    expect(registers[0]!.body.replaces).toBeUndefined();
    expect(registers[1]).toMatchObject({
      auth: `Bearer ${oldToken}`,
      body: { name: 'wire-1', platform: 'process', version: '1.5.0', replaces: 'i-old' },
    });
    const events = calls.filter((c) => c.path === '/api/v1/runner/events' && c.auth === `Bearer ${oldToken}`).map((c) => c.body);
    expect(events.filter((e) => e.type === 'update-started')).toEqual([{ type: 'update-started', updateId: 'u-1', targetVersion: '1.5.0' }]);
    expect(events.at(-1)).toEqual({ type: 'terminated', exitCode: 0, signal: null, reason: 'Replaced' });
    // The replacement carries on heartbeating on 1.5.0 with its own token after the old one left.
    await waitFor(() => calls.some((c) => c.path === '/api/v1/runner/heartbeat' && c.auth === `Bearer ${newToken}` && c.body.version === '1.5.0'), 'replacement heartbeat');
    expect(r.output().match(/Found existing container/g)).toHaveLength(1);
    expect(r.output()).not.toMatch(/prk_K|pit_O|pit_N/);
  });

  it('reports the last connection error once, in the next successful heartbeat', async () => {
    const { url, calls } = await scriptedServer((call, n) => {
      if (call.path === '/api/v1/runner/register') return { status: 201, body: { instanceId: 'i-1', instanceToken: oldToken, heartbeatSeconds: 0.2 } };
      if (call.path === '/api/v1/runner/heartbeat' && (n === 2 || n === 3)) {
        return { status: 503, body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'database unreachable' } };
      }
      return { status: 200, body: { commands: [], heartbeatSeconds: 0.2 } };
    });
    startRunner({ server: url, key });
    const beats = () => calls.filter((c) => c.path === '/api/v1/runner/heartbeat');
    await waitFor(() => beats().length >= 6, 'six heartbeats', 20_000, 50);
    const bodies = beats().map((c) => c.body);
    expect(bodies[0]).toEqual({ version: '1.4.0' });
    expect(bodies[3]).toEqual({
      version: '1.4.0',
      lastError: { kind: 'other', message: expect.stringContaining('503: database unreachable'), at: expect.any(String) },
    });
    expect(bodies[4]).toEqual({ version: '1.4.0' });
  });

  it('a 410 during heartbeats is final: one line, exit 1, no further calls', async () => {
    const { url, calls } = await scriptedServer((call, n) => {
      if (call.path === '/api/v1/runner/register') return { status: 201, body: { instanceId: 'i-1', instanceToken: oldToken, heartbeatSeconds: 0.2 } };
      if (call.path === '/api/v1/runner/heartbeat' && n >= 2) return { status: 410, body: { status: 410, title: 'Gone', detail: 'runner group deleted' } };
      return { status: 200, body: { commands: [], heartbeatSeconds: 0.2 } };
    });
    const r = startRunner({ server: url, key });
    expect(await r.waitForExit()).toEqual({ code: 1, signal: null });
    expect(calls.filter((c) => c.path === '/api/v1/runner/heartbeat')).toHaveLength(2);
    expect(r.output().split('\n').filter((l) => /ERROR/.test(l))).toEqual([expect.stringMatching(/Heartbeat refused: the runner group was deleted \(410: runner group deleted\)/)]);
  });
});
