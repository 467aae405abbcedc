import { beforeEach, describe, expect, it } from 'vitest';
import { type Instance, toPlainText } from '../contract';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerBody, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// PRODUCT.md §8 round 2: runner-supplied text refuses control and bidi characters; lastError is redacted.
describe.each(backends)('runner-supplied text (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });
  const instances = async (groupId: string): Promise<Instance[]> => (await h.call('GET', `/api/v1/runner-groups/${groupId}/instances`)).json();

  it.each([
    ['name', 'evil\u202Egnp.exe'],
    ['name', 'line\nbreak'],
    ['hostname', 'host\u001b[31mred'],
    ['os', 'linux\u0000'],
    ['arch', 'x64\u0085'],
    ['address', '10.0.0.1\u2067'],
  ])('registration refuses %s with %j (400 naming the field), registering nothing', async (field, value) => {
    const { id, key } = await createGroup(h);
    const res = await h.call('POST', '/api/v1/runner/register', { bearer: key, body: runnerBody({ [field]: value }) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await instances(id)).toEqual([]);
  });

  it('accepts a tab, and plain Unicode letters', async () => {
    const { key } = await createGroup(h);
    await register(h, key, { name: 'café\trunner' });
  });

  it('refuses control and bidi characters in lastError, event reasons and termination reports', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: 'bad\u001b]0;title\u0007' })).status).toBe(400);
    const at = h.clock.now().toISOString();
    expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: { kind: 'dns', message: 'x\u202Ey', at } })).status).toBe(400);
    expect((await runnerEvent(h, r.instanceToken, { type: 'terminated', exitCode: 1, signal: null, reason: 'Err\u202Eor' })).status).toBe(400);
    const rep = await h.call('POST', '/api/v1/runner/terminations', {
      bearer: key,
      body: { name: 'runner-1\r\nX', exitCode: 1, signal: null, reason: 'Error', observedAt: at },
    });
    expect(rep.status).toBe(400);
    const [inst] = await instances(id);
    expect(inst).toMatchObject({ status: 'connected', lastError: null, termination: null });
  });

  it('stores lastError with key- and token-shaped strings redacted, as text or as an object', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    const secret = `${key} and ${r.instanceToken} and pat_abcdefABCDEF0123456789 and whsec_S3cr3tS3cr3t`;
    expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: `401 for ${secret}` })).status).toBe(200);
    let [inst] = await instances(id);
    expect(inst!.lastError?.message).toBe('401 for prk_[redacted] and pit_[redacted] and pat_[redacted] and whsec_[redacted]');
    const at = h.clock.now().toISOString();
    expect((await heartbeat(h, r.instanceToken, { version: '1.3.0', lastError: { kind: 'tls', message: `cert for ${key}`, at } })).status).toBe(200);
    [inst] = await instances(id);
    expect(inst!.lastError).toMatchObject({ kind: 'tls', message: 'cert for prk_[redacted]' });
    const raw = JSON.stringify(await t.db.query('SELECT last_error FROM instances'));
    expect(raw).not.toContain(key.slice(4));
    expect(raw).not.toContain(r.instanceToken.slice(4));
  });
});

describe('toPlainText (what the runner sends instead)', () => {
  it('replaces what the server refuses with spaces and keeps tabs', () => {
    expect(toPlainText('a\nb\u202Ec\td\u0085e')).toBe('a b c\td e');
  });
});
