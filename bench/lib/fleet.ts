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
