import { api, type RegisterResponse } from '../../src/contract';

// Seeding a fleet through the API for the figures that need many groups and instances.

/** Registers one instance through the runner protocol, as a runner process would. */
export async function registerInstance(baseUrl: string, key: string, name: string, version = '1.4.0', address = '10.20.30.40'): Promise<RegisterResponse> {
  const res = await fetch(`${baseUrl}${api.runnerRegister}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ name, platform: 'process', hostname: name, address, os: 'linux', arch: 'x64', version }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`register ${name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as RegisterResponse;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Sends each instance its first heartbeat, `concurrency` at a time. A first heartbeat is written through
 * at once (PRODUCT.md §7), a few milliseconds each: a figure about steady heartbeats sends these first,
 * lest it measure a thousand runners' first beats queued behind one another.
 */
export async function firstHeartbeats(baseUrl: string, tokens: string[], concurrency = 8, version = '1.4.0'): Promise<void> {
  const body = JSON.stringify({ version });
  await inParallel(tokens.length, concurrency, async (i) => {
    const res = await fetch(`${baseUrl}${api.runnerHeartbeat}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`a first heartbeat answered ${res.status}`);
  });
}
