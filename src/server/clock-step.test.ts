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
