import { beforeEach, describe, expect, it } from 'vitest';
import type { Instance } from '../contract';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// PRODUCT.md §8 round 2: liveness never trusts a stored time later than now.
describe.each(backends)('a clock stepped backwards (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });
  const status = async (groupId: string) =>
    ((await (await h.call('GET', `/api/v1/runner-groups/${groupId}/instances`)).json()) as Instance[]).map((i) => i.status);

  it('keeps a runner that dies after the step green for no more than one offline window', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    h.clock.advance(25); // past the start-up grace
    await heartbeat(h, r.instanceToken);
    await h.paddock.tick();
    expect(await status(id)).toEqual(['connected']);

    h.clock.advance(-3600); // an NTP correction, or an operator, steps the clock back an hour
    await heartbeat(h, r.instanceToken); // still alive: its heartbeat is stored at the earlier time
    await h.paddock.tick();
    expect(await status(id)).toEqual(['connected']);
    // …and then the runner dies
    h.clock.advance(15);
    await h.paddock.tick();
    expect(await status(id)).toEqual(['connected']);
    h.clock.advance(6);
    await h.paddock.tick();
    expect(await status(id)).toEqual(['disconnected']);
  });

  it('a step back during the start-up grace delays the sweep by at most one more window', async () => {
    const { id, key } = await createGroup(h);
    await register(h, key);
    h.clock.advance(-600);
    await h.paddock.tick();
    h.clock.advance(21);
    await h.paddock.tick();
    expect(await status(id)).toEqual(['disconnected']);
  });
});

// PRODUCT.md §8 round 2: no live instance is marked disconnected because the server was busy.
describe.each(backends)('a busy server (%s)', (backend) => {
  const t = setUpSignedInHarness(backend);

  it('waits out the time it could not take heartbeats in before marking an instance disconnected, one more window at most', async () => {
    const h = t.h;
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    h.clock.advance(25);
    await heartbeat(h, r.instanceToken);
    await h.paddock.tick();
    const status = async () => ((await (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json()) as Instance[])[0]!.status;
    h.clock.advance(10);
    h.paddock.noteStall(4000); // the event loop or the database held heartbeats for 4 s
    h.clock.advance(10.5);
    await h.paddock.tick();
    expect(await status()).toBe('connected');
    h.clock.advance(4);
    await h.paddock.tick();
    expect(await status()).toBe('disconnected');

    // however long the stalls, a silent instance is marked within two windows
    const again = await register(h, key, { name: 'runner-2' });
    await heartbeat(h, again.instanceToken);
    h.clock.advance(21);
    for (let i = 0; i < 5; i++) h.paddock.noteStall(60_000);
    h.clock.advance(19.6);
    await h.paddock.tick();
    const list = (await (await h.call('GET', `/api/v1/runner-groups/${id}/instances`)).json()) as Instance[];
    expect(list.find((i) => i.name === 'runner-2')!.status).toBe('disconnected');
  });
});
