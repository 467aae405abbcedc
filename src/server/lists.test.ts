import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Instance, RunnerGroup } from '../contract';
import { pickEncoding } from './compress';
import type { Backend } from './testing/db';
import { createGroup, type Harness, register, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

/** Follows rel="next" from `first` and answers every page's items. */
async function allPages<T>(h: Harness, first: string): Promise<{ pages: T[][]; links: string[] }> {
  const pages: T[][] = [];
  const links: string[] = [];
  let path: string | null = first;
  while (path) {
    const res = await h.call('GET', path);
    expect(res.status).toBe(200);
    pages.push(await res.json());
    const link = res.headers.get('link');
    if (link) links.push(link);
    path = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
    expect(pages.length).toBeLessThan(100);
  }
  return { pages, links };
}

describe.each(backends)('lists: paging (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  it('pages a group\'s instances with ?limit=&cursor= and Link rel="next": every instance once, in the whole list\'s order', async () => {
    const { id, key } = await createGroup(h);
    const made: string[] = [];
    for (let i = 0; i < 11; i++) {
      h.clock.advance(i % 3 === 0 ? 0 : 1); // some start at the same moment: the id breaks the tie
      const r = await register(h, key, { name: `r${i}` });
      made.push(r.instanceId);
      if (i % 4 === 0) await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode: 0, signal: null, reason: 'Completed' });
    }
    const whole = (await (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json()) as Instance[];
    expect(whole).toHaveLength(11);
    const { pages, links } = await allPages<Instance>(h, `/api/v1/runner-groups/${id}/instances?limit=4`);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 3]);
    expect(pages.flat().map((i) => i.id)).toEqual(whole.map((i) => i.id));
    expect(links).toHaveLength(2);
    expect(links[0]).toMatch(new RegExp(`^</api/v1/runner-groups/${id}/instances\\?limit=4&cursor=[A-Za-z0-9_-]+>; rel="next"$`));
    // exactly one page: no Link
    const one = await h.call('GET', `/api/v1/runner-groups/${id}/instances?limit=11`);
    expect((await one.json()).length).toBe(11);
    expect(one.headers.get('link')).toBeNull();
  });

  it('answers a whole list longer than one read piece (1,000 rows): every instance once, in the pages\' order', async () => {
    const { id, key } = await createGroup(h);
    for (let i = 0; i < 3; i++) await register(h, key, { name: `api-${i}` });
    // 2,400 more straight into the table: connected, disconnected and ended, many starting at the same moment.
    await t.db.query(
      `INSERT INTO instances (id, group_id, token_hash, name, platform, hostname, address, os, arch, version, status,
         started_at, last_heartbeat_at, heartbeats_on_version, disconnected_at, term_at, term_cause, term_exit_code)
       SELECT gen_random_uuid(), $1, 'bulk-' || n, 'bulk-' || n, 'process', 'h', '10.0.0.1', 'linux', 'x64', '1.0.0',
         (ARRAY['connected', 'disconnected', 'terminated'])[1 + n % 3], $2::timestamptz - (n % 7) * interval '1 minute', $2, 1,
         CASE WHEN n % 3 > 0 THEN $2::timestamptz END, CASE WHEN n % 3 = 2 THEN $2::timestamptz END,
         CASE WHEN n % 3 = 2 THEN 'completed' END, CASE WHEN n % 3 = 2 THEN 0 END
       FROM generate_series(1, 2400) n`,
      [id, h.clock.now()],
    );
    const whole = (await (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json()) as Instance[];
    expect(whole).toHaveLength(2403);
    expect(new Set(whole.map((i) => i.id)).size).toBe(2403);
    const { pages } = await allPages<Instance>(h, `/api/v1/runner-groups/${id}/instances?limit=1000`);
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 403]);
    expect(pages.flat().map((i) => i.id)).toEqual(whole.map((i) => i.id));
    expect(whole.map((i) => i.status).indexOf('disconnected')).toBe(803);
    expect(whole.map((i) => i.status).indexOf('terminated')).toBe(1603);
  });

  it('pages the group list by name', async () => {
    for (const name of ['delta', 'Alpha', 'charlie', 'Bravo', 'echo']) await createGroup(h, name);
    const { pages } = await allPages<RunnerGroup>(h, '/api/v1/runner-groups?limit=2');
    expect(pages.map((p) => p.map((g) => g.name))).toEqual([['Alpha', 'Bravo'], ['charlie', 'delta'], ['echo']]);
  });

  it('answers readers of one list asking together each the whole answer, and a reader after a write sees it', async () => {
    const { id, key } = await createGroup(h);
    for (let i = 0; i < 5; i++) await register(h, key, { name: `r${i}` });
    const paths = [`/api/v1/runner-groups/${id}/instances`, `/api/v1/runner-groups/${id}/instances?limit=3`, '/api/v1/runner-groups'];
    const answers = await Promise.all([...paths, ...paths, ...paths].map((p) => h.call('GET', p)));
    const bodies = await Promise.all(answers.map((a) => a.json()));
    answers.forEach((a, n) => {
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toBe('application/json');
      expect(a.headers.get('link') !== null).toBe(n % 3 === 1);
      expect(bodies[n]).toEqual(bodies[n % 3]);
    });
    expect(bodies[0]).toHaveLength(5);
    expect(bodies[1]).toHaveLength(3);
    // A read waiting with others, asked after a write, answers with that write.
    const before = h.call('GET', paths[0]!);
    await register(h, key, { name: 'r5' });
    const after = await Promise.all([h.call('GET', paths[0]!), h.call('GET', paths[0]!)]);
    expect((await (await before).json()).length).toBeGreaterThanOrEqual(5);
    for (const a of after) expect(await a.json()).toHaveLength(6);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=5&cursor=not-a-cursor', 'cursor'],
    [`limit=5&cursor=${Buffer.from('{"rank":9}').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('{}').toString('base64url')}`, 'cursor'],
  ])('400s ?%s naming %s', async (query, field) => {
    const { id } = await createGroup(h);
    for (const path of [`/api/v1/runner-groups/${id}/instances?${query}`, `/api/v1/runner-groups?${query}`]) {
      const res = await h.call('GET', path);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});

describe.each(backends)('lists: compression (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);

  it('answers a large list with br or gzip as the client accepts, the same JSON once decoded; small answers and identity clients plain', async () => {
    const h = t.h;
    const { id, key } = await createGroup(h);
    for (let i = 0; i < 20; i++) await register(h, key, { name: `runner-${i}` });
    const path = `/api/v1/runner-groups/${id}/instances`;
    const plain = await h.call('GET', path);
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(2000);

    const br = await h.call('GET', path, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/Accept-Encoding/i);
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brBytes.length).toBeLessThan(text.length / 3);
    expect(brotliDecompressSync(brBytes).toString('utf8')).toBe(text);

    const gz = await h.call('GET', path, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(text);

    // Readers asking together share one read: each still gets its own encoding, the same JSON decoded.
    const encodings = ['br', 'gzip', 'identity', 'br', 'gzip'];
    const together = await Promise.all(encodings.map((e) => h.call('GET', path, { headers: { 'Accept-Encoding': e } })));
    for (const [n, res] of together.entries()) {
      const bytes = Buffer.from(await res.arrayBuffer());
      const encoding = encodings[n] === 'identity' ? null : encodings[n];
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('content-type')).toBe('application/json');
      const decoded = encoding === 'br' ? brotliDecompressSync(bytes) : encoding === 'gzip' ? gunzipSync(bytes) : bytes;
      expect(decoded.toString('utf8')).toBe(text);
    }

    const small = await h.call('GET', `/api/v1/runner-groups/${id}`, { headers: { 'Accept-Encoding': 'br' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect((await small.json()).id).toBe(id);
  });
});

describe('pickEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['identity', null],
    ['', null],
    [undefined, null],
  ])('%j → %j', (header, expected) => {
    expect(pickEncoding(header)).toBe(expected);
  });
});
