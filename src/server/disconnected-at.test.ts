import { beforeEach, describe, expect, it } from 'vitest';
import { type Instance, Instance as InstanceSchema } from '../contract';
import type { Backend } from './testing/db';
import { createGroup, type Harness, heartbeat, register, runnerEvent, setUpSignedInHarness } from './testing/harness';

const backends: Backend[] = ['pglite', 'postgres'];

// The instance timeline stamps "Marked disconnected" with `disconnectedAt`: the time the control
// plane decided it (a sweep after the offline window, or a goodbye), not the last heartbeat's.
describe.each(backends)('an instance\'s disconnectedAt on %s', (backend) => {
  const t = setUpSignedInHarness(backend);
  let h: Harness;
  beforeEach(() => {
    h = t.h;
  });

  async function only(groupId: string): Promise<Instance> {
    const list = (await (await h.call('GET', `/api/v1/runner-groups/${groupId}/instances`)).json()) as unknown[];
    expect(list).toHaveLength(1);
    return InstanceSchema.parse(list[0]);
  }

  it('is null while connected, the sweep\'s time once it missed the offline window, and null again when it comes back', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    h.clock.advance(25); // past the start-up grace
    await heartbeat(h, r.instanceToken);
    const lastHeartbeatAt = h.clock.now().toISOString();
    await h.paddock.tick();
    expect(await only(id)).toMatchObject({ status: 'connected', disconnectedAt: null });

    h.clock.advance(20.5);
    await h.paddock.tick();
    const sweptAt = h.clock.now().toISOString();
    const gone = await only(id);
    expect(gone).toMatchObject({ status: 'disconnected', lastHeartbeatAt, disconnectedAt: sweptAt });
    expect(Date.parse(gone.disconnectedAt ?? '') - Date.parse(gone.lastHeartbeatAt)).toBe(20_500);

    // Later sweeps leave the time alone.
    h.clock.advance(30);
    await h.paddock.tick();
    expect((await only(id)).disconnectedAt).toBe(sweptAt);

    await heartbeat(h, r.instanceToken);
    expect(await only(id)).toMatchObject({ status: 'connected', disconnectedAt: null });
  });

  it('is the goodbye\'s time after a goodbye that says no more (a SIGTERM goodbye ends the instance instead)', async () => {
    const { id, key } = await createGroup(h);
    const r = await register(h, key);
    h.clock.advance(3);
    await heartbeat(h, r.instanceToken);
    h.clock.advance(2);
    expect((await runnerEvent(h, r.instanceToken, { type: 'goodbye' })).status).toBe(202);
    expect(await only(id)).toMatchObject({ status: 'disconnected', disconnectedAt: h.clock.now().toISOString() });
  });
});
