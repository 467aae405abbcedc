// Clients reading one list over and over, as consoles left open on a big group would: run as a process
// of its own by bench/under-read-load.ts, so their reading costs neither the server's thread nor the
// heartbeat generator's. Each client sends its next GET when the last answer has arrived whole; the
// bodies are counted, never decompressed or parsed (a browser's cost is not the server's).
//
// Environment: PADDOCK_READER_URL (base), PADDOCK_READER_PATH, PADDOCK_READER_PASSWORD (admin),
// PADDOCK_READER_CLIENTS, PADDOCK_READER_SECONDS, PADDOCK_READER_START_AT (epoch ms: when to begin).
// Prints `{"ready":true}` once signed in and one JSON line of figures when done.
import { Agent, request } from 'node:http';
import { api } from '../src/contract';
import { percentile, round } from './lib/stats';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = new URL(env('PADDOCK_READER_URL'));
const path = env('PADDOCK_READER_PATH');
const clients = Number(env('PADDOCK_READER_CLIENTS'));
const seconds = Number(env('PADDOCK_READER_SECONDS'));

const signIn = await fetch(base.origin + api.session, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-requested-with': 'paddock', origin: base.origin },
  body: JSON.stringify({ username: 'admin', password: env('PADDOCK_READER_PASSWORD') }),
});
if (!signIn.ok) throw new Error(`sign-in answered ${signIn.status}`);
const cookie = signIn.headers
  .getSetCookie()
  .map((c) => c.split(';')[0]!)
  .join('; ');
const agent = new Agent({ keepAlive: true, maxSockets: clients });

function readOnce(): Promise<{ status: number; bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, method: 'GET', agent, headers: { cookie, accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' } },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(env('PADDOCK_READER_START_AT')) - Date.now())));

const latencies: number[] = [];
let errors = 0;
let bytes = 0;
const encodings: Record<string, number> = {};
const stopAt = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (performance.now() < stopAt) {
      const t0 = performance.now();
      try {
        const r = await readOnce();
        if (r.status !== 200) errors++;
        bytes += r.bytes;
        encodings[r.encoding] = (encodings[r.encoding] ?? 0) + 1;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }),
);
agent.destroy();
process.stdout.write(
  `${JSON.stringify({
    reads: latencies.length,
    errors,
    readsPerSec: round(latencies.length / seconds, 1),
    meanBytes: latencies.length ? Math.round(bytes / latencies.length) : null,
    encodings,
    p50Ms: round(percentile(latencies, 50), 0),
    p99Ms: round(percentile(latencies, 99), 0),
  })}\n`,
);
process.exit(0);
